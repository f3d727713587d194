import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WriteBehind } from '../../../core/backup/write-behind.js';
import { resident } from '../../fixtures/page-cache.js';

const test = suite('backup: write-behind');
const MiB = 2 ** 20;
let dir = '';
// Not /tmp: it may be a tmpfs, whose pages are never written back nor dropped.
test.before.each(() => void (dir = mkdtempSync(path.join(os.homedir(), '.moor-write-behind-test-'))));
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

type Call = [op: 'writeBack' | 'drop', offset: number, len: number];
function recorder(fail?: 'writeBack' | 'drop') {
  const calls: Call[] = [];
  const hint = (op: Call[0]) => (_fd: number, offset: number, len: number) => {
    calls.push([op, offset, len]);
    if (op === fail) throw new Error(`${op} refused`);
  };
  return { calls, hints: { writeBack: hint('writeBack'), drop: hint('drop') } };
}

test('queues what every reader has read, drops a window behind the slowest, never more', () => {
  const file = path.join(dir, 'a.tar');
  writeFileSync(file, Buffer.alloc(4 * MiB));
  const { calls, hints } = recorder();
  const at = { fast: 0, slow: 0 };
  const wb = new WriteBehind(file, [() => at.fast, () => at.slow], { window: MiB, tickMs: 60_000, hints });
  try {
    wb.tick();
    assert.equal(calls, [], 'nothing read yet');
    at.fast = 3 * MiB;
    at.slow = MiB / 2;
    wb.tick();
    assert.equal(calls, [['writeBack', 0, MiB / 2]], 'up to the slowest reader; nothing a window behind it');
    at.slow = 3 * MiB;
    wb.tick();
    assert.equal(calls.slice(1), [['writeBack', MiB / 2, 2.5 * MiB], ['drop', 0, 2 * MiB]]);
    at.fast = at.slow = 4 * MiB;
    wb.tick();
    // Offered again from 4 windows back (a page still dirty at the last tick stayed).
    assert.equal(calls.slice(3), [['writeBack', 3 * MiB, MiB], ['drop', 0, 3 * MiB]]);
  } finally {
    wb.stop();
  }
});

test('a refused hint stops the hints; finish still fsyncs, and a missing file is an error', async () => {
  const file = path.join(dir, 'b.tar');
  writeFileSync(file, Buffer.alloc(2 * MiB));
  const { calls, hints } = recorder('writeBack');
  const wb = new WriteBehind(file, [() => 2 * MiB], { window: MiB, tickMs: 60_000, hints });
  wb.tick();
  wb.tick();
  assert.equal(calls, [['writeBack', 0, 2 * MiB]], 'tried once');
  await wb.finish();
  assert.equal(calls.length, 1, 'no drop after a refused hint');
  const gone = new WriteBehind(path.join(dir, 'missing.tar'), [() => 0], { tickMs: 60_000, hints });
  const failed = await gone.finish().then(() => null, (e: Error) => e);
  assert.match(failed?.message ?? 'resolved', /ENOENT/);
});

test('with libc: the file is written back and out of the page cache after finish (fincore)', async () => {
  const file = path.join(dir, 'c.tar');
  writeFileSync(file, Buffer.alloc(48 * MiB, 7));
  assert.ok(resident(file) > 40 * MiB, 'just written: in the cache');
  const wb = new WriteBehind(file, [() => 48 * MiB], { window: 8 * MiB, tickMs: 60_000 });
  wb.tick();
  await wb.finish();
  assert.is(resident(file), 0);
});

test.run();
