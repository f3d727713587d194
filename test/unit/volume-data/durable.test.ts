import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { syncFileSystems } from '../../../core/volume-data/durable.js';
import { unwritten } from '../../fixtures/page-cache.js';

const test = suite('volume-data: durable');
let dir = '';
let savedPath: string | undefined;
// Not /tmp: it may be a tmpfs, whose pages are never written back.
test.before.each(() => {
  dir = mkdtempSync(path.join(os.homedir(), '.moor-durable-test-'));
  savedPath = process.env.PATH;
});
test.after.each(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

test('after syncFileSystems, nothing written under the directory is left unwritten', async () => {
  const file = path.join(dir, 'data.bin');
  writeFileSync(file, Buffer.alloc(8 * 2 ** 20, 1));
  assert.ok(unwritten(file) > 0, 'just written: dirty pages stay after a drop');
  await syncFileSystems([dir, dir]);
  assert.is(unwritten(file), 0);
});

/** A `sync` on PATH that logs its arguments and fails as told. */
function fakeSync(script: string): string {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'sync'), `#!/bin/sh\necho "$*" >> ${JSON.stringify(path.join(dir, 'calls'))}\n${script}\n`);
  chmodSync(path.join(bin, 'sync'), 0o755);
  process.env.PATH = `${bin}:${savedPath}`;
  return path.join(dir, 'calls');
}

test('a sync without -f: a plain sync instead; both failing: an error saying both', async () => {
  const calls = fakeSync('[ "$1" = -f ] && { echo "sync: invalid option -- \'f\'" >&2; exit 1; }; exit 0');
  await syncFileSystems(['/a', '/b']);
  assert.equal(readFileSync(calls, 'utf8').split('\n'), ['-f -- /a /b', '', '']);
  rmSync(path.join(dir, 'bin'), { recursive: true });
  fakeSync('echo "sync: I/O error" >&2; exit 1');
  const e = await syncFileSystems(['/a']).then(() => null, (x: Error) => x);
  assert.is(e?.message, "sync -f: sync: I/O error; sync: sync: I/O error");
});

test.run();
