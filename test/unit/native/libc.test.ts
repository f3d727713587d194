import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { flock, LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN, NativeCallError, NativeUnavailableError } from '../../../native/libc.js';

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
