/**
 * TarScanner: the manifest it computes from chunks in place equals tar-stream's (manifestFromTar)
 * for the same bytes, however they are cut; GNU long names and pax headers read the same; a
 * corrupted or truncated tar is an error; with `rewrite` the bytes it writes on are a tar of the
 * same entries under their new names (long ones in a pax header), contents untouched, user and
 * group names cleared, dropped entries left out.
 */
import { createHash } from 'node:crypto';
import tarStream from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { manifestFromTar, type ManifestEntry } from '../../../core/volume-data/manifest.js';
import { TarFormatError, TarScanner } from '../../../core/backup/tar-scan.js';
import { tarOf, treeOf, type TarEntry } from '../../fixtures/tar.js';

const test = suite('TarScanner');

const long = `data/${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(30)}.txt`;
const sample: TarEntry[] = [
  { header: { name: 'data/', type: 'directory', mode: 0o750, uid: 999, gid: 998 } },
  { header: { name: 'data/a', mode: 0o644, uid: 1, gid: 2, uname: 'someone', gname: 'group' }, content: Buffer.alloc(70_000, 'a') },
  { header: { name: 'data/empty', mode: 0o600 }, content: Buffer.alloc(0) },
  { header: { name: 'data/sub/', type: 'directory', mode: 0o2755 } },
  { header: { name: 'data/sub/odd', mode: 0o4711 }, content: Buffer.from('x'.repeat(513)) },
  { header: { name: 'data/hard', type: 'link', linkname: 'data/a', mode: 0o644 } },
  { header: { name: 'data/sym', type: 'symlink', linkname: '../elsewhere', mode: 0o777 } },
  { header: { name: 'data/fifo', type: 'fifo', mode: 0o644 } },
  { header: { name: long, mode: 0o640 }, content: Buffer.from('long name\n') },
  { header: { name: `data/${'l'.repeat(120)}`, type: 'link', linkname: long, mode: 0o640 } },
];

function scan(tar: Buffer, piece: number, scanner = new TarScanner()): ManifestEntry[] {
  for (let i = 0; i < tar.length; i += piece) scanner.push(tar.subarray(i, i + piece));
  scanner.end();
  return scanner.entries;
}

async function* once(b: Buffer) {
  yield new Uint8Array(b);
}

const sorted = (l: ManifestEntry[]) => [...l].sort((a, b) => (a.path < b.path ? -1 : 1));

test('the same manifest as tar-stream, in pieces of any size', async () => {
  const tar = await tarOf(sample);
  const expected = (await manifestFromTar(once(tar), '')).entries;
  for (const piece of [1, 7, 511, 512, 513, 4096, tar.length]) {
    assert.equal(sorted(scan(tar, piece)), sorted(expected), `pieces of ${piece}`);
  }
  const a = scan(tar, 4096).find((e) => e.path === 'data/a')!;
  assert.is(a.sha256, createHash('sha256').update(Buffer.alloc(70_000, 'a')).digest('hex'));
});

test('the tree digest: what a walk of the archive gives, in pieces of any size; one byte changed anywhere changes it, where the entries do not change', async () => {
  const tar = await tarOf(sample);
  const expected = treeOf(tar);
  for (const piece of [1, 7, 511, 512, 513, 4096, tar.length]) {
    const scanner = new TarScanner({ tree: true });
    scan(tar, piece, scanner);
    assert.is(scanner.treeDigest(), expected, `pieces of ${piece}`);
  }
  const digest = (b: Buffer) => {
    const scanner = new TarScanner({ tree: true });
    return { entries: scan(b, 4096, scanner), tree: scanner.treeDigest() };
  };
  const before = digest(tar);
  // data/sub/odd: 513 bytes of content, then 511 bytes of padding; a padding byte changed.
  const odd = tar.indexOf(Buffer.from('x'.repeat(513)));
  const padding = Buffer.from(tar);
  padding[odd + 600] = 1;
  // data/a's modification time, its header's checksum made right again: no manifest field.
  const mtime = Buffer.from(tar);
  const a = mtime.indexOf(Buffer.from('data/a\0'));
  mtime[a + 136 + 10] = mtime[a + 136 + 10] === 0x30 ? 0x31 : 0x30;
  mtime.write('        ', a + 148, 'latin1');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += mtime[a + i]!;
  mtime.write(`${sum.toString(8).padStart(6, '0')}\0 `, a + 148, 'latin1');
  // The end blocks: read as headers, no longer zero, they fail the scan.
  const end = Buffer.from(tar);
  end[end.length - 3] = 7;
  assert.throws(() => digest(end), /Invalid tar header/);
  for (const [what, changed] of [['a padding byte', padding], ['a modification time', mtime]] as const) {
    const after = digest(changed);
    assert.equal(after.entries, before.entries, `${what}: the entries read the same`);
    assert.is.not(after.tree, before.tree, `${what}: the tree digest differs`);
    assert.is(after.tree, treeOf(changed), what);
  }
  // A content byte: the file's sha256 changes, and with it the tree digest.
  const content = Buffer.from(tar);
  content[odd + 100] = 0x79;
  const after = digest(content);
  assert.is.not(after.tree, before.tree);
  assert.is.not(after.entries.find((e) => e.path === 'data/sub/odd')!.sha256, before.entries.find((e) => e.path === 'data/sub/odd')!.sha256);
  // Without hashing files, no tree digest.
  const unhashed = new TarScanner({ tree: true, hashFiles: false });
  scan(tar, 4096, unhashed);
  assert.is(unhashed.treeDigest(), '');
});

/** A GNU-format tar: the name in a ././@LongLink entry ('L'), header magic "ustar  ". */
function gnuTar(name: string, content: Buffer): Buffer {
  const header = (n: string, type: string, size: number) => {
    const b = Buffer.alloc(512);
    b.write(n.slice(0, 100), 0);
    b.write('0000644\0', 100);
    b.write('0000000\0', 108);
    b.write('0000000\0', 116);
    b.write(size.toString(8).padStart(11, '0') + '\0', 124);
    b.write('00000000000\0', 136);
    b.write(type, 156);
    b.write('ustar  \0', 257, 'latin1');
    b.write('        ', 148);
    let sum = 0;
    for (const x of b) sum += x;
    b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    return b;
  };
  const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);
  const nameBytes = Buffer.from(`${name}\0`);
  return Buffer.concat([
    header('././@LongLink', 'L', nameBytes.length), nameBytes, pad(nameBytes.length),
    header(name, '0', content.length), content, pad(content.length), Buffer.alloc(1024),
  ]);
}

test('GNU long names read as tar-stream reads them', async () => {
  const tar = gnuTar(long, Buffer.from('gnu\n'));
  const expected = (await manifestFromTar(once(tar), '')).entries;
  assert.equal(scan(tar, 100), expected);
  assert.is(expected[0]!.path, long);
});

test('a corrupted header, a truncated tar and an unknown format are errors', async () => {
  const tar = await tarOf(sample);
  const bad = Buffer.from(tar);
  bad[5]! ^= 0x01; // the first header's name
  assert.throws(() => scan(bad, 4096), (e: Error) => e instanceof TarFormatError && /Invalid tar header/.test(e.message));
  assert.throws(() => scan(tar.subarray(0, 2048), 4096), (e: Error) => /unexpected end of data/.test(e.message));
  const v7 = Buffer.from(tar.subarray(0, 512));
  v7.fill(0, 257, 265);
  let sum = 256;
  for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += v7[i]!;
  v7.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  assert.throws(() => scan(Buffer.concat([v7, Buffer.alloc(1024)]), 512), /unknown format/);
});

test('a refusal from check ends the scan before the entry is written on', async () => {
  const tar = await tarOf(sample);
  const out: Buffer[] = [];
  const scanner = new TarScanner({
    check: (h) => (h.name === 'data/sym' ? 'refused' : null),
    rewrite: (h) => ({ name: h.name, linkname: h.linkname }),
    out: (b) => out.push(b),
  });
  assert.throws(() => scan(tar, 512, scanner), /refused/);
  const written = Buffer.concat(out).toString('latin1');
  assert.ok(written.includes('data/hard') && !written.includes('data/sym'), 'what came before went on, the refused entry did not');
});

test('rewrite: the same entries under new names, contents as they were, the dropped root left out', async () => {
  const tar = await tarOf(sample);
  const out: Buffer[] = [];
  const stage = 'data/.moor-restore-00000000';
  const move = (n: string) => n.replace(/^data\//, `${stage}/`);
  const scanner = new TarScanner({
    rewrite: (h) => (h.name === 'data/' ? null : { name: move(h.name), linkname: h.type === 'link' ? move(h.linkname!) : h.linkname }),
    out: (b) => out.push(b),
  });
  const entries = scan(tar, 1000, scanner);
  const back: { name: string; type: string; linkname: string | null; uname: string; mode: number; uid: number; content: string }[] = [];
  const extract = tarStream.extract();
  const done = (async () => {
    for await (const e of extract) {
      const chunks: Buffer[] = [];
      for await (const c of e) chunks.push(Buffer.from(c as Uint8Array));
      back.push({ name: e.header.name, type: e.header.type!, linkname: e.header.linkname ?? null, uname: e.header.uname ?? '', mode: e.header.mode!, uid: e.header.uid!, content: createHash('sha256').update(Buffer.concat(chunks)).digest('hex') });
    }
  })();
  extract.end(Buffer.concat(out));
  await done;
  const originals = sample.filter((s) => s.header.name !== 'data/');
  assert.is(back.length, originals.length);
  for (const [i, s] of originals.entries()) {
    const b = back[i]!;
    assert.is(b.name.replace(/\/$/, ''), move(s.header.name).replace(/\/$/, ''));
    assert.is(b.linkname, s.header.type === 'link' ? move(s.header.linkname!) : s.header.linkname ?? null);
    assert.is(b.uname, '');
    assert.is(b.mode, s.header.mode);
    assert.is(b.uid, s.header.uid ?? 0);
    assert.is(b.content, createHash('sha256').update(s.content ?? Buffer.alloc(0)).digest('hex'));
  }
  // The manifest is of the archive as it came (its own names).
  assert.equal(entries.map((e) => e.path), sample.map((s) => s.header.name.replace(/\/$/, '')));
});

test.run();
