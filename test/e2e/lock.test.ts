/**
 * The apply lock on the real engine: two applies of one stack started together run one after the
 * other (the second says it is waiting, and for whom); with --lock-timeout 0s the second gives up
 * at once naming the holder's pid and changes nothing; `moor plan` is never blocked by an apply.
 *
 * The stack's apply takes a few seconds (web waits for db to become healthy, ~2 s after it
 * starts). Locks live in test/.tmp/<prefix>/locks (MOOR_LOCK_DIR), apart from other runs.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, newPrefix, REPO, show, sweepPrefix, withStack, type RunResult, type TestStack } from './helpers.js';

const prefix = newPrefix();
const lock = suite('e2e: apply lock');
lock.after(() => sweepPrefix(prefix));

const LOCK_DIR = path.join(REPO, 'test/.tmp', prefix, 'locks');

const SLOW = `
  const db = container('db', {
    image: img,
    command: ['sh', '-c', 'sleep 2; touch /ready; exec sleep 3600'],
    healthcheck: { test: ['CMD', 'test', '-f', '/ready'], interval: '200ms', retries: 100 },
    stopSignal: 'SIGKILL',
    stopTimeout: 0,
  });
  container('web', { image: img, command: ['sleep', '3600'], dependsOn: [{ container: db, condition: 'healthy' }], stopSignal: 'SIGKILL', stopTimeout: 0 });
`;

interface Running {
  pid: number;
  /** Whether the process has ended. */
  exited: () => boolean;
  done: Promise<RunResult>;
}

/** Start `moor <command> <stack> …flags` with the test's lock directory; resolves when it ends. */
function start(s: TestStack, command: string, ...flags: string[]): Running {
  const args = [command, s.relFile, ...flags];
  const child = spawn(process.execPath, [path.join(REPO, 'bin/moor.js'), ...args], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, MOOR_LOCK_DIR: LOCK_DIR, MOOR_SKIP_TYPECHECK: '1', MOOR_CACHE_DIR: path.join(REPO, 'test/.tmp', prefix, 'cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<RunResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      exited = true;
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, command: `moor ${args.join(' ')}` });
    });
  });
  return { pid: child.pid!, exited: () => exited, done };
}

const run = (s: TestStack, command: string, ...flags: string[]) => start(s, command, ...flags).done;

/** Wait until `r` holds the stack's lock: its pid is in the lock file's holder record. */
async function holding(s: TestStack, r: Running): Promise<void> {
  await eventually(`moor (pid ${r.pid}) to hold the lock`, async () => {
    if (r.exited()) throw new Error(`moor (pid ${r.pid}) ended before it was seen holding the lock${show(await r.done)}`);
    let files: string[] = [];
    try { files = readdirSync(LOCK_DIR).filter((f) => f.startsWith(`${s.name}-`) && f.endsWith('.lock')); } catch { /* not created yet */ }
    return files.some((f) => readFileSync(path.join(LOCK_DIR, f), 'utf8').includes(`"pid":${r.pid},`));
  }, 20_000);
}

lock('two applies of one stack started together both succeed, one after the other', () =>
  withStack(prefix, 'serial', async (s) => {
    s.write(SLOW);
    const first = start(s, 'apply', '--yes');
    await holding(s, first);
    const second = start(s, 'apply', '--yes');
    const [r1, r2] = await Promise.all([first.done, second.done]);
    assert.is(r1.code, 0, show(r1));
    assert.is(r2.code, 0, show(r2));
    assert.match(r1.stdout, /Apply complete: 3 created/, show(r1));
    assert.match(r2.stderr, new RegExp(`Waiting for the lock on stack "${s.name}", held by moor apply \\(pid ${first.pid} on `), show(r2));
    // The second observed only once the first had finished: everything was there already.
    assert.match(r2.stdout, /No changes\./, show(r2));
    assert.not.match(r1.stderr, /Waiting for the lock/, show(r1));
    const l = await s.labelled();
    assert.is(l.containers.length, 2, 'no duplicate containers');
    assert.ok((await s.container('web'))?.State.Running);
  }, { skipTypecheck: true }));

lock('with --lock-timeout 0s a second apply or destroy gives up at once naming the holder; plan is not blocked', () =>
  withStack(prefix, 'timeout', async (s) => {
    s.write(SLOW);
    const first = start(s, 'apply', '--yes');
    await holding(s, first);

    const plan = await run(s, 'plan');
    assert.not.ok(first.exited(), 'the plan finished while the apply was still running');
    assert.is(plan.code, 0, show(plan));
    assert.not.match(plan.stderr, /Waiting for the lock/, show(plan));
    assert.match(plan.stdout, /^Plan: /m, show(plan));

    const t = performance.now();
    const [apply, destroy] = [await run(s, 'apply', '--yes', '--lock-timeout', '0s'), await run(s, 'destroy', '--yes', '--lock-timeout', '0s')];
    assert.not.ok(first.exited(), 'the first apply still runs: the refusals were not waiting for it');
    assert.ok(performance.now() - t < 10_000);
    for (const r of [apply, destroy]) {
      assert.is(r.code, 1, show(r));
      assert.match(r.stderr, new RegExp(`error: stack "${s.name}" on \\S+ is locked by moor apply \\(pid ${first.pid} on host [^,]+, since [0-9T:-]+Z\\); gave up at once\\.`), show(r));
      assert.not.match(r.stdout, /Plan:|complete/, show(r));
    }

    const r1 = await first.done;
    assert.is(r1.code, 0, show(r1));
    assert.match(r1.stdout, /Apply complete: 3 created, 0 updated, 0 replaced, 0 removed\./, show(r1));
    const l = await s.labelled();
    assert.is(l.containers.length, 2, 'the refused destroy removed nothing');

    // Released: the next apply takes the lock at once.
    const again = await run(s, 'apply', '--yes', '--lock-timeout', '0s');
    assert.is(again.code, 0, show(again));
  }, { skipTypecheck: true }));

lock('an apply killed while holding the lock leaves no stale lock behind', () =>
  withStack(prefix, 'killed', async (s) => {
    s.write(SLOW);
    const first = start(s, 'apply', '--yes');
    await holding(s, first);
    process.kill(first.pid, 'SIGKILL');
    const killed = await first.done;
    assert.is(killed.code, 128, show(killed));
    const next = await run(s, 'apply', '--yes', '--lock-timeout', '0s');
    assert.is(next.code, 0, show(next));
    assert.not.match(next.stderr, /locked by|Waiting/, show(next));
    assert.ok((await s.container('web'))?.State.Running, 'the next apply finished the stack');
  }, { skipTypecheck: true }));

lock.run();
