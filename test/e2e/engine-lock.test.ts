/**
 * The apply lock of an engine that is not on this host (here tcp://127.0.0.1 through socat, as a
 * remote engine would be): it lives on the engine, so two applies from two "hosts" (two lock
 * directories) never interleave; a lock whose holder died on this host is taken over; one held
 * from elsewhere times out naming the holder and the command that breaks it. Nothing is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureHelperImage } from '../../core/volume-data/helper-image.js';
import { freePort, inspectContainer, newPrefix, runMoor, show, sweepPrefix, withStack, type TestStack } from './helpers.js';

const prefix = newPrefix();
const lock = suite('e2e: the lock of a remote engine lives on the engine');
let socat: ChildProcess | undefined;
let port = 0;
const dirs: string[] = [];

lock.before(async () => {
  port = await freePort();
  socat = spawn('socat', [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, 'UNIX-CONNECT:/var/run/docker.sock'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (await new Promise<boolean>((ok) => { const s = net.connect(port, '127.0.0.1'); s.once('connect', () => { s.destroy(); ok(true); }); s.once('error', () => ok(false)); })) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('socat did not listen');
});
lock.after(async () => {
  socat?.kill('SIGTERM');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await sweepPrefix(prefix);
});

/** moor against the tcp:// engine, as one "host" (its own lock directory). */
function remote(s: TestStack, host: string, ...args: string[]) {
  const dir = path.join(s.dir, `lock-${host}`);
  dirs.push(dir);
  return runMoor([...args], { env: { DOCKER_HOST: `tcp://127.0.0.1:${port}`, MOOR_LOCK_DIR: dir, MOOR_SKIP_TYPECHECK: '1', MOOR_CACHE_DIR: path.join(s.dir, 'cache') } });
}

const lockName = (s: TestStack) => `${s.name}.moor-lock`;

lock('two applies from two hosts: the second waits for the first, both succeed, no lock is left', () =>
  withStack(prefix, 'two', async (s) => {
    s.write(`
  const job = container('job', { image: img, command: ['sleep', '3'], runOnce: true });
  container('web', { image: img, command: ['sleep', '3600'], dependsOn: [job] });
`);
    const first = remote(s, 'a', 'apply', s.relFile, '--yes');
    // The first holds the lock on the engine while its job runs.
    let seen = false;
    for (let i = 0; i < 100 && !seen; i++) {
      seen = (await inspectContainer(s.engine, lockName(s))) !== undefined;
      if (!seen) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(seen, 'the lock is a container on the engine');
    const second = await remote(s, 'b', 'apply', s.relFile, '--yes');
    const a = await first;
    assert.is(a.code, 0, show(a));
    assert.is(second.code, 0, show(second));
    assert.match(second.stderr, /Waiting for the lock on stack ".*", held by moor apply \(pid \d+ on /, show(second));
    assert.match(second.stdout, /No changes/, `the second saw what the first did, after it${show(second)}`);
    assert.is(await inspectContainer(s.engine, lockName(s)), undefined, 'released');
  }));

lock('a lock whose holder died on this host is taken over; one held from another host times out, naming the holder and how to break it', () =>
  withStack(prefix, 'stale', async (s) => {
    s.write(`  container('web', { image: img, command: ['sleep', '3600'] });`);
    const image = await ensureHelperImage(s.engine);
    const place = async (holder: Record<string, unknown>) => s.engine.request('POST', '/containers/create', {
      query: { name: lockName(s) },
      body: { Image: image, Cmd: ['moor-lock'], Labels: { 'moor.stack': s.name, 'moor.kind': 'lock', 'moor.lock': JSON.stringify(holder) } },
    });
    const dead = await new Promise<number>((ok) => { const c = spawn('true'); c.once('exit', () => ok(c.pid!)); });
    await place({ pid: dead, host: os.hostname(), since: '2026-12-06T00:00:00Z', command: 'apply', stack: s.name, engine: `tcp://127.0.0.1:${port}` });
    let r = await remote(s, 'a', 'apply', s.relFile, '--yes');
    assert.is(r.code, 0, show(r));
    assert.is(await inspectContainer(s.engine, lockName(s)), undefined);

    await place({ pid: 4242, host: 'build-server-7', since: '2026-12-06T00:00:00Z', command: 'apply', stack: s.name, engine: `tcp://127.0.0.1:${port}` });
    const before = (await s.container('web'))!.Id;
    s.write(`  container('web', { image: img, command: ['sleep', '3601'] });`);
    r = await remote(s, 'a', 'apply', s.relFile, '--yes', '--lock-timeout', '1s');
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, /is locked by moor apply \(pid 4242 on host build-server-7, since 2026-12-06T00:00:00Z\); gave up after 1s/, show(r));
    assert.match(r.stderr, new RegExp(`break the lock on the engine: docker rm ${lockName(s).replace(/\./g, '\\.')}`), show(r));
    assert.is((await s.container('web'))!.Id, before, 'nothing changed');
  }));

lock.run();
