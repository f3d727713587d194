import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { acquireStackLock, LockTimeoutError, type LockHolder, type StackLock } from '../../../core/lock/stack-lock.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const HOLDER_SCRIPT = path.join(REPO, 'test/fixtures/lock/hold-stack-lock.ts');
const ENGINE = 'unix:///var/run/docker.sock';
const OTHER_ENGINE = 'tcp://10.0.0.5:2375';

let dir = '';
const held: StackLock[] = [];

/** Takes a lock and remembers it, so a failing test does not leave it held for the next one. */
async function acquire(stack: string, timeoutMs = 0, engine = ENGINE, onWait?: (h: LockHolder | undefined) => void): Promise<StackLock> {
  const lock = await acquireStackLock({ stack, engine, timeoutMs, command: 'apply', ...(onWait ? { onWait } : {}) });
  held.push(lock);
  return lock;
}

/** The LockTimeoutError the promise rejects with. */
async function timeoutOf(p: Promise<unknown>): Promise<LockTimeoutError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, LockTimeoutError);
    return e as LockTimeoutError;
  }
  assert.unreachable('the lock was acquired');
  throw new Error('unreachable');
}

const tail = 'Wait for it to finish, or pass --lock-timeout to wait longer.';

const test = suite('acquireStackLock');
test.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'moor-lock-test-'));
  process.env.MOOR_LOCK_DIR = dir;
});
test.after.each(() => {
  for (const l of held.splice(0)) l.release();
  delete process.env.MOOR_LOCK_DIR;
  rmSync(dir, { recursive: true, force: true });
});

test('the lock file is <stack>-<12 hex of sha256(engine)>.lock and holds the holder record', async () => {
  const lock = await acquire('shop');
  const hash = createHash('sha256').update(ENGINE).digest('hex').slice(0, 12);
  assert.is(lock.path, path.join(dir, `shop-${hash}.lock`));
  const record = JSON.parse(readFileSync(lock.path, 'utf8')) as LockHolder;
  assert.equal(record, { pid: process.pid, host: os.hostname(), since: lock.holder.since, command: 'apply', stack: 'shop', engine: ENGINE });
  assert.match(record.since, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('a missing lock directory is created sticky and writable by all (1777), the lock file 0666', async () => {
  process.env.MOOR_LOCK_DIR = path.join(dir, 'nested', 'locks');
  const lock = await acquire('shop');
  assert.is(statSync(process.env.MOOR_LOCK_DIR).mode & 0o7777, 0o1777);
  assert.is(statSync(lock.path).mode & 0o777, 0o666);
});

test('a second acquisition with timeout 0 fails at once, naming the holder; onWait is not called', async () => {
  const first = await acquire('shop');
  let waited = false;
  const e = await timeoutOf(acquire('shop', 0, ENGINE, () => (waited = true)));
  assert.is(
    e.message,
    `stack "shop" on ${ENGINE} is locked by moor apply (pid ${process.pid} on host ${os.hostname()}, since ${first.holder.since}); gave up at once. ${tail}`,
  );
  assert.equal(e.holder, first.holder);
  assert.is(waited, false);
});

test('a waiter gets the lock when the holder releases within its timeout; onWait names the holder once', async () => {
  const first = await acquire('shop');
  setTimeout(() => first.release(), 200);
  const seen: (LockHolder | undefined)[] = [];
  const started = Date.now();
  const second = await acquire('shop', 1000, ENGINE, (h) => seen.push(h));
  const waitedMs = Date.now() - started;
  assert.ok(waitedMs >= 150 && waitedMs < 900, `waited ${waitedMs} ms`);
  assert.equal(seen, [first.holder]);
  assert.is(second.path, first.path);
});

test('the wait ends at the timeout, and the message says how long it waited', async () => {
  await acquire('shop');
  const started = Date.now();
  const e = await timeoutOf(acquire('shop', 300));
  const waitedMs = Date.now() - started;
  assert.ok(waitedMs >= 290 && waitedMs < 800, `waited ${waitedMs} ms`);
  assert.ok(e.message.endsWith(`; gave up after 0.3s. ${tail}`), e.message);
});

test('release is idempotent, empties the record and never unlinks the file', async () => {
  const lock = await acquire('shop');
  lock.release();
  lock.release();
  assert.is(readFileSync(lock.path, 'utf8'), '');
  const again = await acquire('shop');
  assert.is(again.path, lock.path);
});

test('different stacks, or one stack on different engines, do not conflict', async () => {
  const a = await acquire('shop');
  const b = await acquire('blog');
  const c = await acquire('shop', 0, OTHER_ENGINE);
  assert.is(new Set([a.path, b.path, c.path]).size, 3);
});

test('an empty or unreadable holder record is named "another moor process"', async () => {
  const lock = await acquire('shop');
  writeFileSync(lock.path, '{"pid": "not a number"');
  const e = await timeoutOf(acquire('shop'));
  assert.is(e.message, `stack "shop" on ${ENGINE} is locked by another moor process; gave up at once. ${tail}`);
  assert.is(e.holder, undefined);
});

test('a holder killed with SIGKILL frees the lock (the kernel drops it); its record does not block', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER_SCRIPT, 'shop', ENGINE], {
    cwd: REPO,
    env: { ...process.env, MOOR_LOCK_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
  try {
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve();
      });
      child.once('exit', () => reject(new Error(`the holder exited before locking: ${err}`)));
    });
    assert.is(out, `locked ${child.pid}\n`);

    const e = await timeoutOf(acquire('shop'));
    assert.is(e.holder?.pid, child.pid);
    assert.is(e.holder?.command, 'apply');

    child.kill('SIGKILL');
    assert.is(await exited, 'SIGKILL');
    const lock = await acquire('shop');
    assert.is((JSON.parse(readFileSync(lock.path, 'utf8')) as LockHolder).pid, process.pid);
  } finally {
    child.kill('SIGKILL');
  }
});

test('handOff passes the lock to a child process: held (and named) while it lives, free once it exits; a failed start keeps it here', async () => {
  const lock = await acquire('shop');
  let child: ReturnType<typeof spawn> | undefined;
  // The child holds the lock until its stdin ends.
  const pid = lock.handOff!((fd) => {
    child = spawn(process.execPath, ['-e', "process.stdin.resume(); process.stdin.on('end', () => process.exit(0));"], { stdio: ['pipe', 'ignore', 'ignore', fd] });
    return child.pid!;
  }, 'backup restore nightly: deleting the replaced data');
  const exited = new Promise<void>((r) => child!.once('exit', () => r()));
  try {
    assert.is(pid, child!.pid);
    const e = await timeoutOf(acquire('shop'));
    assert.is(e.holder?.pid, pid, 'the record names the child');
    assert.is(e.holder?.command, 'backup restore nightly: deleting the replaced data');
    lock.release();
    await timeoutOf(acquire('shop'));
    child!.stdin!.end();
    await exited;
    await acquire('shop');
  } finally {
    child?.kill('SIGKILL');
  }

  const other = await acquire('other');
  assert.throws(() => other.handOff!(() => { throw new Error('no process'); }, 'x'), /no process/);
  await timeoutOf(acquire('other'));
  other.release();
  await acquire('other');
});

test('invalid stack names and negative timeouts are refused', async () => {
  for (const stack of ['', '../etc', 'a/b', '.hidden']) {
    try {
      await acquire(stack);
      assert.unreachable(`locked ${JSON.stringify(stack)}`);
    } catch (e) {
      assert.instance(e, TypeError);
    }
  }
  try {
    await acquire('shop', -1);
    assert.unreachable('locked with a negative timeout');
  } catch (e) {
    assert.instance(e, RangeError);
  }
});

test.run();

