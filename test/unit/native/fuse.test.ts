/**
 * fuse.ts without an SSH server: argument checks, and the states and unmounting of mounts the
 * tests make themselves — tmpfs, and FUSE mounts nobody serves (a dead one: its /dev/fuse closed;
 * a hung one: open but never answered). Those need root and /dev/fuse; elsewhere they are skipped.
 * mountSshfs against a real sshd is the e2e tier's (test/fixtures/sshd.ts).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mountSshfs, mountState, unmount, type SshfsMount } from '../../../native/fuse.js';
import { MNT_DETACH, mount, umount2 } from '../../../native/libc.js';

const PRIVILEGED = process.getuid?.() === 0 && existsSync('/dev/fuse');

let dir = '';
let fuseFd: number | undefined;

function setUp(): void {
  dir = mkdtempSync(path.join(os.tmpdir(), 'moor-fuse-test-'));
}

/** Detach whatever a test left mounted under `dir` (deepest first), then remove it. */
function tearDown(): void {
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(`${dir}/`))
    .reverse();
  for (const p of mounted) umount2(p, MNT_DETACH);
  if (fuseFd !== undefined) closeSync(fuseFd);
  fuseFd = undefined;
  rmSync(dir, { recursive: true, force: true });
}

function tmpfsAt(name: string): string {
  const p = path.join(dir, name);
  mkdirSync(p);
  mount('moor-test', p, 'tmpfs', 0, 'size=1m');
  return p;
}

/** A FUSE mount like the one mountSshfs makes, but no sshfs serves it: the test holds /dev/fuse. */
function unservedFuseAt(name: string): string {
  const p = path.join(dir, name);
  mkdirSync(p);
  fuseFd = openSync('/dev/fuse', 'r+');
  mount('root@nowhere:/x', p, 'fuse.sshfs', 0, `fd=${fuseFd},rootmode=40000,user_id=0,group_id=0`);
  return p;
}

/** Closing the only /dev/fuse fd aborts the connection, as when sshfs is killed. */
function deadFuseAt(name: string): string {
  const p = unservedFuseAt(name);
  closeSync(fuseFd!);
  fuseFd = undefined;
  return p;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  assert.unreachable('resolved');
  throw new Error('unreachable');
}

// ---------------------------------------------------------------------------------------------

const mountTest = suite('mountSshfs');
mountTest.before.each(setUp);
mountTest.after.each(tearDown);

const valid = (mountpoint: string): SshfsMount => ({
  source: 'root@127.0.0.1:/srv',
  mountpoint,
  sshOptions: { UserKnownHostsFile: '/dev/null' },
  fuseOptions: [],
  sshLogFile: path.join(dir, 'ssh.log'),
  timeoutMs: 1000,
});

mountTest('checks its arguments before creating anything', async () => {
  const mp = path.join(dir, 'a/b');
  assert.instance(await rejection(mountSshfs({ ...valid(mp), mountpoint: 'relative/dir' })), TypeError);
  assert.instance(await rejection(mountSshfs({ ...valid(mp), timeoutMs: 0 })), TypeError);
  const e = await rejection(mountSshfs({ ...valid(mp), sshOptions: { UserKnownHostsFile: '/k', StrictHostKeyChecking: 'no' } }));
  assert.instance(e, TypeError);
  assert.match(e.message, /StrictHostKeyChecking=no is refused/);
  assert.not.ok(existsSync(path.join(dir, 'a')));
});

(PRIVILEGED ? mountTest : mountTest.skip)('refuses a mountpoint something is mounted on, naming it', async () => {
  const mp = tmpfsAt('busy');
  const e = await rejection(mountSshfs(valid(mp)));
  assert.is(e.message, `cannot mount sshfs on ${mp}: tmpfs moor-test is already mounted there`);
});

mountTest.run();

// ---------------------------------------------------------------------------------------------

const stateTest = suite('mountState');
stateTest.before.each(setUp);
stateTest.after.each(tearDown);

stateTest('absent: a plain directory, or no directory at all', async () => {
  assert.equal(await mountState(dir, 1000), { state: 'absent' });
  assert.equal(await mountState(path.join(dir, 'missing/deeper'), 1000), { state: 'absent' });
});

(PRIVILEGED ? stateTest : stateTest.skip)('broken: another file system is mounted there', async () => {
  const mp = tmpfsAt('other');
  assert.equal(await mountState(mp, 1000), { state: 'broken', reason: 'tmpfs moor-test is mounted there instead of sshfs' });
});

(PRIVILEGED ? stateTest : stateTest.skip)('broken: the FUSE server is gone (Transport endpoint is not connected)', async () => {
  const mp = deadFuseAt('dead');
  assert.equal(await mountState(mp, 3000), { state: 'broken', reason: 'Transport endpoint is not connected' });
});

(PRIVILEGED ? stateTest : stateTest.skip)('broken: the FUSE server does not answer in time; the probe does not outlive the call', async () => {
  const mp = unservedFuseAt('hung');
  const t0 = Date.now();
  assert.equal(await mountState(mp, 300), { state: 'broken', reason: 'it did not answer within 300 ms' });
  assert.ok(Date.now() - t0 < 2000);
});

(PRIVILEGED ? stateTest : stateTest.skip)('the path is matched as mountinfo shows it: through a symlinked parent', async () => {
  const mp = deadFuseAt('real');
  const { symlinkSync } = await import('node:fs');
  symlinkSync(dir, path.join(dir, 'link'));
  assert.is((await mountState(path.join(dir, 'link/real'), 3000)).state, 'broken');
});

stateTest.run();

// ---------------------------------------------------------------------------------------------

const unmountTest = suite('unmount');
unmountTest.before.each(setUp);
unmountTest.after.each(tearDown);

unmountTest('not mounted, or no such directory: nothing to do', async () => {
  await unmount(dir);
  await unmount(path.join(dir, 'missing'));
});

(PRIVILEGED ? unmountTest : unmountTest.skip)('unmounts; a dead FUSE mount and a hung one alike, without waiting for them', async () => {
  const t = tmpfsAt('t');
  await unmount(t);
  assert.equal(await mountState(t, 1000), { state: 'absent' });
  const dead = deadFuseAt('dead');
  await unmount(dead);
  assert.equal(await mountState(dead, 1000), { state: 'absent' });
  const hung = unservedFuseAt('hung');
  await unmount(hung);
  assert.equal(await mountState(hung, 1000), { state: 'absent' });
});

(PRIVILEGED ? unmountTest : unmountTest.skip)('in use: refused unless lazy', async () => {
  const t = tmpfsAt('busy');
  const user = spawn('sleep', ['30'], { cwd: t, stdio: 'ignore' });
  try {
    await new Promise((r) => user.once('spawn', r));
    const e = await rejection(unmount(t));
    assert.is(e.message, `cannot unmount ${t}: it is in use (a container or a process has files open there); unmount it lazily to detach it anyway`);
    await unmount(t, { lazy: true });
    assert.equal(await mountState(t, 1000), { state: 'absent' });
  } finally {
    user.kill();
  }
});

unmountTest.run();
