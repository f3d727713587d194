/**
 * readArchiveStream: an archive's bytes → the manifest of its entries, its size and sha256; an
 * empty, truncated or corrupted archive is an error; progress counts the decompressed tar.
 * Restore's helpers: staging names and the manifest's safety check.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ArchiveManifest } from '../../../core/backup/archive-file.js';
import { readArchiveStream } from '../../../core/backup/read-archive.js';
import { checkManifest, staged } from '../../../core/backup/restore.js';
import { tarOf } from '../../fixtures/tar.js';

const test = suite('readArchiveStream');

/** The error `fn` rejects with; fails when it resolves. */
async function rejects(fn: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await fn();
  } catch (e) {
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable('it should have failed');
}

const big = Buffer.alloc(3 * 1024 * 1024 + 7, 'x');
const entries = [
  { header: { name: 'data/', type: 'directory' as const, mode: 0o750, uid: 999, gid: 999 } },
  { header: { name: 'data/big', mode: 0o644 }, content: big },
  { header: { name: 'data/l', type: 'symlink' as const, linkname: 'big', mode: 0o777 } },
];

/** `buf` in pieces of `size` bytes, as a stream. */
const pieces = (buf: Buffer, size: number) => Readable.from((function* () { for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size); })());

test('the manifest, size and sha256 of a gzipped archive, read in small pieces; progress adds up to the tar', async () => {
  const tar = await tarOf(entries);
  const gz = gzipSync(tar);
  let progress = 0;
  const r = await readArchiveStream(pieces(gz, 8192), 'a.tar.gz', 'gzip', { onProgress: (n) => (progress += n) });
  assert.is(r.bytes, gz.length);
  assert.is(r.sha256, createHash('sha256').update(gz).digest('hex'));
  assert.is(progress, tar.length);
  assert.equal(r.entries.map((e) => [e.path, e.type, e.size, e.mode, e.uid]), [['data', 'directory', 0, 0o750, 999], ['data/big', 'file', big.length, 0o644, 0], ['data/l', 'symlink', 0, 0o777, 0]]);
  assert.is(r.entries[1]!.sha256, createHash('sha256').update(big).digest('hex'));
});

test('empty, truncated and corrupted archives are errors', async () => {
  const gz = gzipSync(await tarOf(entries));
  await rejects(() => readArchiveStream(Readable.from([]), 'e.tar.gz', 'gzip'), /e\.tar\.gz is empty|cannot be read/);
  await rejects(() => readArchiveStream(pieces(gz.subarray(0, gz.length - 100), 4096), 't.tar.gz', 'gzip'), /t\.tar\.gz cannot be read/);
  const flipped = Buffer.from(gz);
  for (let i = 0; i < 16; i++) flipped[Math.floor(flipped.length / 2) + i]! ^= 0xff;
  await rejects(() => readArchiveStream(pieces(flipped, 4096), 'c.tar.gz', 'gzip'), /c\.tar\.gz cannot be read/);
});

test('a refusal from the safety check ends the read with its message', async () => {
  const tar = await tarOf([...entries, { header: { name: 'data/l/x', mode: 0o644 }, content: Buffer.from('x') }]);
  await rejects(() => readArchiveStream(pieces(tar, 1000), 'a.tar', 'none', { safety: { check: (h) => (h.name === 'data/l/x' ? 'refusing: through a link' : null) } }), /refusing: through a link/);
});

test('staged names put a volume\'s entries under its staging directory', () => {
  assert.is(staged('data/a/b', '.moor-restore-1'), 'data/.moor-restore-1/a/b');
  assert.is(staged('./data//a/./b', '.moor-restore-1'), 'data/.moor-restore-1/a/b');
  assert.is(staged('data/f', 'S'), 'data/S/f');
});

test('the manifest check refuses what the archive check would, before anything is read', () => {
  const manifest = (list: ArchiveManifest['entries']): ArchiveManifest => ({ summary: {} as ArchiveManifest['summary'], entries: list });
  const dir = (path: string) => ({ path, type: 'directory' as const, mode: 0o755, uid: 0, gid: 0, size: 0 });
  const file = (path: string) => ({ path, type: 'file' as const, mode: 0o644, uid: 0, gid: 0, size: 1, sha256: 'x' });
  assert.is(checkManifest(manifest([dir('data'), file('data/a')]), ['data']), null);
  assert.match(checkManifest(manifest([dir('data'), { ...file('data/l'), type: 'symlink', size: 0, linkname: '/etc' }, file('data/l/passwd')]), ['data']) ?? '', /refusing to restore: "data\/l\/passwd"/);
  assert.match(checkManifest(manifest([dir('data'), dir('other')]), ['data']) ?? '', /"other"/);
  assert.match(checkManifest(manifest([dir('data'), file('data/../x')]), ['data']) ?? '', /refusing to restore/);
});

test.run();
