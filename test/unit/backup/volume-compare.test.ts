/**
 * A backup's byte-for-byte comparison of the archive's files with the volumes' own
 * (core/backup/volume-compare.ts), without an engine: only a file equal to the archive's, ending
 * where it ends, and the same file the listing saw, unchanged, gets the archive's sha256 in the
 * volumes' manifest; every other case leaves it without, and the manifests' comparison reports it.
 * A backup on the real engine takes this path in test/e2e/backup.test.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { listDir } from '../../../core/volume-data/dir-manifest.js';
import { compareManifests } from '../../../core/volume-data/manifest.js';
import { followCompare, followLocalArchive, readLocalArchive } from '../../../core/backup/local-archive.js';
import { canonical } from '../../../core/backup/tree.js';
import { listedUnder, manifestFromComparison, VolumeComparer } from '../../../core/backup/volume-compare.js';
import { tarOf, type TarEntry } from '../../fixtures/tar.js';

const t = suite('backup: the archive compared with the volumes here');

const big = randomBytes(2 * 1024 * 1024 + 12_345);
const file = (name: string, content: Buffer, mode = 0o644): TarEntry => ({ header: { name: `data/${name}`, mode, uid: 0, gid: 0 }, content });

/** The archive as tar would have written it from the intended volume; the volume on disk differs where the names say. */
async function fixture(dir: string): Promise<{ archive: string; volume: string }> {
  const volume = path.join(dir, 'vol');
  mkdirSync(path.join(volume, 'sub'), { recursive: true });
  writeFileSync(path.join(volume, 'big'), big);
  writeFileSync(path.join(volume, 'empty'), '');
  linkSync(path.join(volume, 'big'), path.join(volume, 'sub', 'big-link'));
  writeFileSync(path.join(volume, 'differs'), 'the volume says so');
  writeFileSync(path.join(volume, 'shorter'), 'abc');
  // Same size, one byte different, in the middle of the second MiB.
  const flipped = Buffer.from(big);
  flipped[1_500_000]! ^= 1;
  writeFileSync(path.join(volume, 'one-byte'), flipped);
  writeFileSync(path.join(volume, 'longer'), 'abcdef');
  mkdirSync(path.join(volume, 'now-a-dir'));
  // Empty in the archive, a FIFO on the volume: not opened (it is no regular file), and no match.
  execFileSync('mkfifo', [path.join(volume, 'now-a-fifo')]);
  writeFileSync(path.join(volume, 'target'), 'same content');
  symlinkSync('target', path.join(volume, 'now-a-link'));
  const entries: TarEntry[] = [
    { header: { name: 'data/', type: 'directory', mode: 0o755 } },
    file('big', big),
    file('differs', Buffer.from('the archive says so')),
    file('empty', Buffer.alloc(0)),
    file('longer', Buffer.from('abc')),
    file('missing', Buffer.from('not on the volume')),
    file('now-a-dir', Buffer.from('x')),
    file('now-a-fifo', Buffer.alloc(0)),
    file('one-byte', big),
    file('now-a-link', Buffer.from('same content')),
    file('shorter', Buffer.from('abcdef')),
    { header: { name: 'data/sub/', type: 'directory', mode: 0o755 } },
    { header: { name: 'data/sub/big-link', type: 'link', linkname: 'data/big', mode: 0o644 } },
    file('target', Buffer.from('same content')),
  ];
  const archive = path.join(dir, 'a.tar');
  writeFileSync(archive, await tarOf(entries));
  return { archive, volume };
}

/** The fixture in a directory of its own, removed after `body`. */
async function withFixture(body: (f: { dir: string; archive: string; volume: string }) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moor-compare-'));
  try {
    await body({ dir, ...(await fixture(dir)) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function followed(archive: string, compression: 'gzip' | 'none', volume: string) {
  const f = followLocalArchive(archive, compression, { data: volume });
  f.writerDone();
  return f.result;
}

t('only the files equal to the volume\'s, ending where they end, are compared equal; uncompressed and gzip alike', async () => {
  await withFixture(async ({ dir, archive, volume }) => {
    const plain = await followed(archive, 'none', volume);
    assert.equal(plain.compared!.map(([p]) => p).sort(), ['data/big', 'data/empty', 'data/target']);
    // The identity is the volume's file: the hard link's group shares it.
    const listed = await listDir(volume);
    assert.equal(plain.compared!.find(([p]) => p === 'data/big')![1], listed.ids.get('big'));
    // The archive's own reading is unchanged by the comparison.
    const alone = await readLocalArchive(archive, 'none');
    assert.equal([plain.bytes, plain.treeSha256, plain.entries], [alone.bytes, alone.treeSha256, alone.entries]);

    // The same comparison on this thread (a backup's main thread, uncompressed), following the file as it grows.
    const grown = path.join(dir, 'grown.tar');
    const whole = readFileSync(archive);
    writeFileSync(grown, whole.subarray(0, 700_000));
    let done = false;
    const here = followCompare(grown, () => done, new VolumeComparer({ data: volume }), 1);
    await new Promise((r) => setTimeout(r, 60));
    appendFileSync(grown, whole.subarray(700_000));
    done = true;
    assert.equal(await here, plain.compared);

    const gz = path.join(dir, 'a.tar.gz');
    writeFileSync(gz, gzipSync(whole));
    const zipped = await followed(gz, 'gzip', volume);
    assert.equal(zipped.compared!.map(([p]) => p).sort(), ['data/big', 'data/empty', 'data/target']);
    assert.equal(zipped.entries, alone.entries);
  });
});

t('the volumes\' manifest from the comparison: equal files get the archive\'s sha256, the others none, and the manifests\' comparison names them', async () => {
  await withFixture(async ({ archive, volume }) => {
    const read = await followed(archive, 'none', volume);
    const source = canonical(manifestFromComparison(listedUnder('data', await listDir(volume)), read.entries, read.compared!));
    const byPath = new Map(source.entries.map((e) => [e.path, e]));
    const archived = new Map(read.entries.map((e) => [e.path, e]));
    assert.is(byPath.get('data/big')!.sha256, archived.get('data/big')!.sha256);
    assert.is(byPath.get('data/target')!.sha256, archived.get('data/target')!.sha256);
    assert.is(byPath.get('data/differs')!.sha256, undefined);
    const diff = compareManifests(source, canonical(read.entries));
    assert.equal(diff, [
      'data/differs: size 18 → 19, sha256 differs',
      'data/longer: size 6 → 3, sha256 differs',
      'data/missing: unexpected',
      'data/now-a-dir: type directory → file',
      'data/now-a-fifo: type other → file',
      'data/now-a-link: type symlink → file',
      'data/one-byte: sha256 differs',
      'data/shorter: size 3 → 6, sha256 differs',
    ]);
  });
});

t('a file equal in content but changed after the comparison (another modification time at the listing) is not taken as equal', async () => {
  await withFixture(async ({ archive, volume }) => {
    const read = await followed(archive, 'none', volume);
    utimesSync(path.join(volume, 'target'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const source = canonical(manifestFromComparison(listedUnder('data', await listDir(volume)), read.entries, read.compared!));
    assert.ok(compareManifests(source, canonical(read.entries)).includes('data/target: sha256 differs'));
  });
});

t('what is at a file\'s path but no regular file is never opened for reading: a FIFO with a writer waiting is not released, a device node not opened', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moor-compare-'));
  const writer = { child: undefined as ReturnType<typeof spawn> | undefined };
  try {
    const volume = path.join(dir, 'vol');
    mkdirSync(volume);
    // The archive says data/f is a file; on the volume it is a FIFO whose writer blocks in its
    // open until a reader opens the FIFO, then leaves a mark. A comparison that opened it for
    // reading would let it through.
    execFileSync('mkfifo', [path.join(volume, 'f')]);
    const mark = path.join(dir, 'mark');
    writer.child = spawn('sh', ['-c', `exec 3>"$1"; echo opened > "$2"`, 'sh', path.join(volume, 'f'), mark], { stdio: 'ignore' });
    // The writer blocked in its open before the comparison looks (else a reader come and gone would not show).
    await new Promise((r) => setTimeout(r, 150));
    const archive = path.join(dir, 'a.tar');
    writeFileSync(archive, await tarOf([{ header: { name: 'data/', type: 'directory', mode: 0o755 } }, file('f', Buffer.from('content'))]));
    const comparer = new VolumeComparer({ data: volume });
    const read = await readLocalArchive(archive, 'none', { write: comparer });
    comparer.close();
    await new Promise((r) => setTimeout(r, 300));
    assert.is(existsSync(mark), false, 'the FIFO was opened for reading');
    assert.equal(comparer.compared, [], 'no match');
    assert.is(read.entries.length, 2);
    // A character device (the null device's numbers) in a file's place: no match and no error. That
    // it is not opened is shown by the FIFO above: the same look at the inode decides for both.
    if (process.getuid?.() === 0) {
      execFileSync('mknod', [path.join(volume, 'g'), 'c', '1', '3']);
      writeFileSync(archive, await tarOf([{ header: { name: 'data/', type: 'directory', mode: 0o755 } }, file('g', Buffer.alloc(0))]));
      const dev = new VolumeComparer({ data: volume });
      await readLocalArchive(archive, 'none', { write: dev });
      dev.close();
      assert.equal(dev.compared, [], 'an empty file in the archive is no match for a device node');
    }
  } finally {
    writer.child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

t.run();
