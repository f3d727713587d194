import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  flock,
  LOCK_EX,
  LOCK_NB,
  LOCK_SH,
  LOCK_UN,
  MNT_DETACH,
  mount,
  MS_NODEV,
  MS_NOSUID,
  MS_RDONLY,
  NativeCallError,
  NativeUnavailableError,
  fadvise,
  POSIX_FADV_DONTNEED,
  SYNC_FILE_RANGE_WRITE,
  syncFileRange,
  UMOUNT_NOFOLLOW,
  umount2,
} from '../../../native/libc.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

/** The thrown error, which must be an instance of `type`. */
function thrown<T>(type: new (...a: never[]) => T, fn: () => unknown): T {
  try {
    fn();
  } catch (e) {
    assert.instance(e, type);
    return e as T;
  }
  assert.unreachable('nothing was thrown');
  throw new Error('unreachable');
}

const test = suite('flock');
let dir = '';
test.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'moor-libc-test-'));
});
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

test('locks a real fd; a second open file description of the same file is refused with EAGAIN until unlocked', () => {
  const file = path.join(dir, 'f.lock');
  const a = openSync(file, 'w');
  const b = openSync(file, 'r');
  try {
    flock(a, LOCK_EX | LOCK_NB);
    const e = thrown(NativeCallError, () => flock(b, LOCK_EX | LOCK_NB));
    assert.is(e.call, 'flock');
    assert.is(e.errno, os.constants.errno.EWOULDBLOCK);
    assert.is(e.code, 'EAGAIN'); // EWOULDBLOCK is EAGAIN on Linux; Node names it EAGAIN
    flock(a, LOCK_UN);
    flock(b, LOCK_SH | LOCK_NB);
  } finally {
    closeSync(a);
    closeSync(b);
  }
});

test('a bad fd is a NativeCallError EBADF naming the call', () => {
  const e = thrown(NativeCallError, () => flock(-1, LOCK_EX | LOCK_NB));
  assert.is(e.errno, os.constants.errno.EBADF);
  assert.is(e.code, 'EBADF');
  assert.is(e.message, 'flock(-1, 6) failed: EBADF (bad file descriptor)');
});

test('posix_fadvise returns its error number (no errno): still a NativeCallError; sync_file_range takes 64-bit offsets', () => {
  const e = thrown(NativeCallError, () => fadvise(-1, 0, 0, POSIX_FADV_DONTNEED));
  assert.is(e.code, 'EBADF');
  assert.is(e.message, 'posix_fadvise(-1, 0, 0, 4) failed: EBADF (bad file descriptor)');
  assert.is(thrown(NativeCallError, () => syncFileRange(-1, 0, 0, SYNC_FILE_RANGE_WRITE)).code, 'EBADF');
  const fd = openSync(process.execPath, 'r');
  try {
    syncFileRange(fd, 2 ** 40, 2 ** 33, SYNC_FILE_RANGE_WRITE); // past 2^32: an I32 would have been cut
    fadvise(fd, 2 ** 40, 0, POSIX_FADV_DONTNEED);
    assert.is(thrown(NativeCallError, () => syncFileRange(fd, -1, 0, SYNC_FILE_RANGE_WRITE)).code, 'EINVAL');
  } finally {
    closeSync(fd);
  }
});

test('a blocking LOCK_EX is refused before reaching libc: it would stall the event loop', () => {
  const e = thrown(TypeError, () => flock(-1, LOCK_EX));
  assert.match(e.message, /need LOCK_NB/);
});

test('when ffi-rs cannot load, the error is a plain NativeUnavailableError message, no stack trace', () => {
  const libc = pathToFileURL(path.join(REPO, 'native/libc.ts')).href;
  const script = `
    process.dlopen = () => { throw new Error('simulated: no native binding\\n    at somewhere (x.js:1:1)'); };
    const { flock, NativeUnavailableError } = await import(${JSON.stringify(libc)});
    for (let i = 0; i < 2; i++) {
      try { flock(0, 8); } catch (e) { console.log(e instanceof NativeUnavailableError, e.message); }
    }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const expected =
    'true moor needs libc through ffi-rs for the apply lock, and it could not be loaded: simulated: no native binding. ' +
    'Supported: Linux x64/arm64 with glibc.';
  assert.is(r.stdout, `${expected}\n${expected}\n`); // the second call reports the same failure, without retrying the load
});

test.run();

const mounts = suite('mount, umount2');
const ROOT = process.getuid?.() === 0;
let mdir = '';
mounts.before.each(() => {
  mdir = mkdtempSync(path.join(os.tmpdir(), 'moor-libc-mount-test-'));
});
/** The one mountpoint these tests use: a space and a non-ASCII letter, escaped in mountinfo and UTF-8 in C. */
const target = () => path.join(mdir, 'm\u00e9 x');
mounts.after.each(() => {
  // A failed test may leave its mount: detach it before removing the directory (EINVAL once none is left).
  try {
    if (ROOT) umount2(target(), MNT_DETACH);
  } catch {
    // not mounted
  }
  rmSync(mdir, { recursive: true, force: true });
});

const mountLine = (target: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === target.replace(/ /g, '\\040'));

mounts('arguments that do not fit their C type are TypeErrors, before libc is reached', () => {
  assert.is(thrown(TypeError, () => umount2('/mnt/a\0/b', 0)).message, 'umount2(): argument 1 ("/mnt/a\\u0000/b") contains a NUL character');
  assert.is(thrown(TypeError, () => umount2('/mnt', 1.5)).message, 'umount2(): argument 2 (1.5) is not a C int');
  assert.is(thrown(TypeError, () => mount('a', '/mnt', 'tmpfs', -1, '')).message, 'mount(): argument 4 (-1) is not a C unsigned long');
  assert.is(thrown(TypeError, () => mount('a', '/mnt', 'tmpfs', 2 ** 53, '')).message, 'mount(): argument 4 (9007199254740992) is not a C unsigned long');
  assert.is(thrown(TypeError, () => mount(1 as unknown as string, '/mnt', 'tmpfs', 0, '')).message, 'mount(): argument 1 (1) is not a string');
});

(ROOT ? mounts : mounts.skip)('mounts with flags and data, and unmounts; UTF-8 paths reach the kernel intact', () => {
  mkdirSync(target());
  mount('moor-test', target(), 'tmpfs', MS_NOSUID | MS_NODEV | MS_RDONLY, 'size=1m,mode=0755');
  const line = mountLine(target());
  assert.ok(line, 'not in mountinfo');
  assert.match(line!, / ro,nosuid,nodev,relatime - tmpfs moor-test ro,size=1024k,mode=755$/);
  umount2(target(), UMOUNT_NOFOLLOW);
  assert.is(mountLine(target()), undefined);
});

(ROOT ? mounts : mounts.skip)('umount2 errors: not mounted is EINVAL, no such path ENOENT, quoted as C shows them', () => {
  const e = thrown(NativeCallError, () => umount2(mdir, UMOUNT_NOFOLLOW));
  assert.is(e.code, 'EINVAL');
  assert.is(e.message, `umount2(${JSON.stringify(mdir)}, 8) failed: EINVAL (invalid argument)`);
  assert.equal(e.args, [mdir, 8]);
  assert.is(thrown(NativeCallError, () => umount2(path.join(mdir, 'missing'), 0)).code, 'ENOENT');
});

(ROOT && existsSync('/dev/fuse') ? mounts : mounts.skip)('mounts /dev/fuse as fuse.sshfs the way native/fuse.ts does', () => {
  mkdirSync(target());
  const fd = openSync('/dev/fuse', 'r+');
  try {
    mount('root@host:/srv', target(), 'fuse.sshfs', MS_NOSUID | MS_NODEV, `fd=${fd},rootmode=40000,user_id=0,group_id=0,allow_other`);
    assert.match(mountLine(target())!, / rw,nosuid,nodev,relatime - fuse.sshfs root@host:\/srv rw,user_id=0,group_id=0,allow_other$/);
  } finally {
    umount2(target(), MNT_DETACH);
    closeSync(fd);
  }
});

mounts.run();
