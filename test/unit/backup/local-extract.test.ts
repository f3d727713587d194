/**
 * The restore's extraction here (local-extract.ts), on a temporary directory (as root: owners are
 * set): a tree of files, directories, symbolic links (one pointing outside, kept a link), hard
 * links, setuid bits, owners, empty files and times is written as the engine's extractor writes
 * it, and read as its manifest says; refused: a path through a symbolic link (by the safety check,
 * and by the writer itself without it), a hard link to something it did not write, a FIFO, a
 * staging directory that already exists. Nothing is written outside the staging directories.
 */
import { appendFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { extractArchiveFile, extractPlain, StageWriter } from '../../../core/backup/local-extract.js';
import { readArchiveStream } from '../../../core/backup/read-archive.js';
import { TarRefusal, TarScanner, type ScanHeader } from '../../../core/backup/tar-scan.js';
import { tarOf, type TarEntry } from '../../fixtures/tar.js';

const test = suite('local extraction of a restore');
const root = process.getuid?.() === 0;
let tmp = '';
test.before.each(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'moor-local-extract-'));
});
test.after.each(() => rmSync(tmp, { recursive: true, force: true }));

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  const e = await p.then(() => null, (x: Error) => x);
  assert.ok(e, 'it was refused');
  assert.match(e!.message, pattern);
}

const mtime = new Date('2021-03-04T05:06:07Z');
const sample: TarEntry[] = [
  { header: { name: 'data/', type: 'directory', mode: 0o750, uid: 1234, gid: 5678, mtime } },
  { header: { name: 'data/a', mode: 0o644, uid: 1, gid: 2, mtime }, content: Buffer.alloc(70_000, 'a') },
  { header: { name: 'data/empty', mode: 0o600, uid: 4321, gid: 8765, mtime }, content: Buffer.alloc(0) },
  { header: { name: 'data/sub/', type: 'directory', mode: 0o2705, uid: 7, gid: 8, mtime } },
  { header: { name: 'data/sub/suid', mode: 0o4711, uid: 1234, gid: 5678, mtime }, content: Buffer.from('x'.repeat(513)) },
  { header: { name: 'data/hard', type: 'link', linkname: 'data/sub/suid', mode: 0o4711, uid: 1234, gid: 5678, mtime } },
  { header: { name: 'data/out', type: 'symlink', linkname: '/etc', mode: 0o777, uid: 99, gid: 98, mtime } },
  { header: { name: 'data/up', type: 'symlink', linkname: '../../../../etc/passwd', mode: 0o777, mtime } },
  { header: { name: 'data/implied/deeper/file', mode: 0o640, mtime }, content: Buffer.from('under parents the archive does not list\n') },
  { header: { name: 'logs/', type: 'directory', mode: 0o755, mtime } },
  { header: { name: 'logs/l', mode: 0o644, mtime }, content: Buffer.from('log\n') },
];

async function archive(entries: TarEntry[]): Promise<string> {
  const file = path.join(tmp, 'archive.tar');
  writeFileSync(file, await tarOf(entries));
  return file;
}

const stagesIn = (volumes: string[]) => Object.fromEntries(volumes.map((v) => [v, path.join(tmp, v, '.moor-restore-test')]));

function prepared(volumes: string[]): Record<string, string> {
  for (const v of volumes) mkdirSync(path.join(tmp, v));
  return stagesIn(volumes);
}

test('a tree is written with owners, modes (setuid after chown), times, links; read as its manifest says', async () => {
  if (!root) return;
  const file = await archive(sample);
  const stages = prepared(['data', 'logs']);
  const read = await extractArchiveFile({ file, compression: 'none', volumes: ['data', 'logs'], stages });
  const plain = new TarScanner();
  plain.push(readFileSync(file));
  plain.end();
  assert.equal(read.entries, plain.entries, 'the manifest as a plain read gives it');
  const at = (p: string) => lstatSync(path.join(stages.data!, p));
  const owner = (p: string) => `${(at(p).mode & 0o7777).toString(8)} ${at(p).uid}:${at(p).gid}`;
  assert.is(owner('a'), '644 1:2');
  assert.is(owner('empty'), '600 4321:8765');
  assert.is(at('empty').size, 0);
  assert.is(owner('sub'), '2705 7:8');
  assert.is(owner('sub/suid'), '4711 1234:5678');
  assert.is(at('hard').ino, at('sub/suid').ino);
  assert.ok(at('out').isSymbolicLink(), 'a link pointing outside stays a link');
  assert.is(readlinkSync(path.join(stages.data!, 'out')), '/etc');
  assert.is(`${at('out').uid}:${at('out').gid}`, '99:98');
  assert.is(readlinkSync(path.join(stages.data!, 'up')), '../../../../etc/passwd');
  assert.is(owner('implied'), '755 0:0');
  for (const p of ['a', 'sub', 'sub/suid', 'out', 'implied/deeper/file']) assert.is(at(p).mtimeMs, mtime.getTime(), p);
  assert.is(readFileSync(path.join(stages.logs!, 'l'), 'utf8'), 'log\n');
  // The volume's root entry is the switch's: the staging directory stays root's, 0700.
  assert.is(owner('.'), '700 0:0');
});

test('a directory listed again, or after what is under it, gets its last header; a hard link header with a size writes nothing of it', async () => {
  if (!root) return;
  const file = await archive([
    { header: { name: 'data/', type: 'directory', mode: 0o755 } },
    { header: { name: 'data/d/', type: 'directory', mode: 0o700, uid: 1, gid: 1, mtime } },
    { header: { name: 'data/d/f', mode: 0o644, mtime }, content: Buffer.from('f') },
    { header: { name: 'data/d/', type: 'directory', mode: 0o750, uid: 2, gid: 2, mtime } },
    { header: { name: 'data/late/x', mode: 0o644, mtime }, content: Buffer.from('x') },
    { header: { name: 'data/late/', type: 'directory', mode: 0o711, uid: 3, gid: 3, mtime } },
  ]);
  const stages = prepared(['data']);
  await extractArchiveFile({ file, compression: 'none', volumes: ['data'], stages });
  const st = (p: string) => lstatSync(path.join(stages.data!, p));
  assert.is(`${(st('d').mode & 0o7777).toString(8)} ${st('d').uid}:${st('d').gid}`, '750 2:2');
  assert.is(`${(st('late').mode & 0o7777).toString(8)} ${st('late').uid}:${st('late').gid}`, '711 3:3');
  assert.is(st('late').mtimeMs, mtime.getTime());
  const writer = new StageWriter({ data: path.join(tmp, 'sized') });
  mkdirSync(path.join(tmp, 'sized'));
  writer.begin({ name: 'data/a', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1, linkname: null, mtime: 0 });
  writer.data(Buffer.from('a'));
  writer.end();
  writer.begin({ name: 'data/h', type: 'link', mode: 0o644, uid: 0, gid: 0, size: 3, linkname: 'data/a', mtime: 0 });
  writer.data(Buffer.from('zzz'));
  writer.end();
  assert.is(readFileSync(path.join(tmp, 'sized', 'h'), 'utf8'), 'a');
});

test('a symbolic link and then an entry through it: refused before the entry is written', async () => {
  if (!root) return;
  const target = path.join(tmp, 'elsewhere');
  mkdirSync(target);
  const file = await archive([
    { header: { name: 'data/', type: 'directory', mode: 0o755 } },
    { header: { name: 'data/link', type: 'symlink', linkname: target, mode: 0o777 } },
    { header: { name: 'data/link/owned', mode: 0o644 }, content: Buffer.from('owned') },
  ]);
  const stages = prepared(['data']);
  await rejects(extractArchiveFile({ file, compression: 'none', volumes: ['data'], stages }), /refusing to restore: "data\/link\/owned" goes through the symbolic link "data\/link"/);
  assert.not.ok(existsSync(path.join(target, 'owned')));
});

/** The writer alone (no safety check before it), as a last line: what it refuses by itself. */
function writeUnchecked(tar: Buffer, stages: Record<string, string>): void {
  for (const dir of Object.values(stages)) mkdirSync(dir, { mode: 0o700 });
  const writer = new StageWriter(stages);
  const scanner = new TarScanner({ write: writer });
  try {
    scanner.push(tar);
    scanner.end();
  } finally {
    writer.close();
  }
}

test('without the safety check the writer still refuses a path through a link, a hard link to what it did not write, a FIFO, a stray top-level entry', async () => {
  if (!root) return;
  const target = path.join(tmp, 'elsewhere');
  mkdirSync(target);
  const cases: [TarEntry[], RegExp][] = [
    [[{ header: { name: 'data/link', type: 'symlink', linkname: target } }, { header: { name: 'data/link/owned' }, content: Buffer.from('x') }], /"data\/link\/owned" goes through "data\/link", which this restore did not make a directory/],
    [[{ header: { name: 'data/f' }, content: Buffer.from('x') }, { header: { name: 'data/f/g' }, content: Buffer.from('x') }], /goes through "data\/f"/],
    [[{ header: { name: 'data/h', type: 'link', linkname: 'data/../../etc/passwd' } }], /is a hard link to "data\/..\/..\/etc\/passwd", which is not a file this restore wrote/],
    [[{ header: { name: 'data/d/', type: 'directory' } }, { header: { name: 'data/h', type: 'link', linkname: 'data/d' } }], /which is not a file this restore wrote/],
    [[{ header: { name: 'data/p', type: 'fifo' } }], /"data\/p" is a fifo, which a restore here does not write/],
    [[{ header: { name: 'stray' }, content: Buffer.from('x') }], /"stray" is not inside a volume of this restore/],
    [[{ header: { name: 'other/x' }, content: Buffer.from('x') }], /"other\/x" is not inside a volume of this restore/],
  ];
  for (const [i, [entries, why]] of cases.entries()) {
    const stages = { data: path.join(tmp, `case-${i}`) };
    let thrown: unknown;
    try {
      writeUnchecked(await tarOf(entries), stages);
    } catch (e) {
      thrown = e;
    }
    assert.ok(thrown instanceof TarRefusal, `case ${i}: ${String(thrown)}`);
    assert.match((thrown as Error).message, why);
  }
  assert.not.ok(existsSync(path.join(target, 'owned')), 'nothing written through the link');
});

test('a staging directory that exists already is not reused', async () => {
  if (!root) return;
  const file = await archive(sample);
  const stages = prepared(['data', 'logs']);
  mkdirSync(stages.logs!);
  await rejects(extractArchiveFile({ file, compression: 'none', volumes: ['data', 'logs'], stages }), /EEXIST/);
});

test('an uncompressed archive (written by one thread, hashed by another from the same shared chunks) reads as the streaming reader reads it, across chunk ends and around the ring', async () => {
  if (!root) return;
  // Contents that straddle the loop's 1 MiB reads: a header, a file's bytes and its padding each
  // cross one somewhere; every file's bytes are different, so a reused buffer would show. 41 MiB
  // in all: the ring of 16 chunks is gone round more than twice, the writer waiting for the hasher.
  const entries: TarEntry[] = [{ header: { name: 'data/', type: 'directory', mode: 0o755, mtime } }];
  for (let i = 0; i < 9; i++) {
    const content = Buffer.alloc(300_001 + i * 77_777 + (i % 3) * 6_000_000);
    for (let k = 0; k < content.length; k++) content[k] = (k * (i + 3) + (k >> 11)) & 0xff;
    entries.push({ header: { name: `data/f${i}`, mode: 0o644, mtime }, content });
  }
  const file = await archive(entries);
  assert.ok(readFileSync(file).length > 2.5 * 16 * 2 ** 20);
  const stages = prepared(['data']);
  const read = await extractArchiveFile({ file, compression: 'none', volumes: ['data'], stages });
  const streamed = await readArchiveStream((async function* () { yield readFileSync(file); })(), 'archive.tar', 'none');
  assert.equal(read, streamed, 'entries, size, sha256 and tree digest as the streaming reader gives them');
  for (let i = 0; i < 9; i++) assert.ok(readFileSync(path.join(stages.data!, `f${i}`)).equals(entries[i + 1]!.content!), `f${i} written as archived`);
  // Without the archive's own sha256 (a manifest that holds only the tree digest): the rest alike.
  rmSync(path.join(tmp, 'data'), { recursive: true });
  const tree = await extractArchiveFile({ file, compression: 'none', volumes: ['data'], stages: prepared(['data']), sha256: false });
  assert.equal(tree, { ...streamed, sha256: '' });
});

test('an uncompressed archive that is empty or cut short fails as the streaming reader fails', async () => {
  if (!root) return;
  const file = path.join(tmp, 'archive.tar');
  writeFileSync(file, '');
  await rejects(extractArchiveFile({ file, compression: 'none', volumes: ['data'], stages: prepared(['data']) }), /^archive\.tar is empty$/);
  const whole = await tarOf(sample);
  writeFileSync(file, whole.subarray(0, 2048 + 100));
  rmSync(path.join(tmp, 'data'), { recursive: true });
  await rejects(extractArchiveFile({ file, compression: 'none', volumes: ['data'], stages: prepared(['data']) }), /^archive\.tar cannot be read \(it broke after 2148 bytes\): unexpected end of data$/);
});

test('an uncompressed archive changed while it is extracted (its times, or bytes added) fails the extraction', async () => {
  if (!root) return;
  const file = await archive(sample);
  // A writer that, when it reaches data/sub/suid, changes the archive file as another process could.
  class Meddling extends StageWriter {
    constructor(stages: Record<string, string>, private readonly meddle: () => void) {
      super(stages);
    }
    override begin(h: ScanHeader): void {
      if (h.name === 'data/sub/suid') this.meddle();
      super.begin(h);
    }
  }
  const volumes = ['data', 'logs'];
  const staged = () => {
    const stages = prepared(volumes);
    for (const v of volumes) mkdirSync(stages[v]!);
    return stages;
  };
  await rejects(extractPlain(file, volumes, new Meddling(staged(), () => utimesSync(file, new Date(), new Date('2001-01-01')))), /^archive\.tar changed while it was read$/);
  for (const v of volumes) rmSync(path.join(tmp, v), { recursive: true });
  // Bytes added after the end blocks: what was parsed is whole, but it is not the file as it now is.
  await rejects(extractPlain(file, volumes, new Meddling(staged(), () => appendFileSync(file, Buffer.alloc(512)))), /^archive\.tar changed while it was read$/);
  for (const v of volumes) rmSync(path.join(tmp, v), { recursive: true });
  // Untouched, the same archive extracts.
  const read = await extractPlain(file, volumes, new Meddling(staged(), () => undefined));
  assert.is(read.entries.length, sample.length);
});

test.run();
