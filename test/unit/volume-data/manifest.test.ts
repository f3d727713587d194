/**
 * Manifests without an engine: tars built in memory are parsed as the engine's archive endpoint
 * would send them, and differences are compared as exact text.
 */
import { tarOf, type TarEntry } from '../../fixtures/tar.js';
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildManifest,
  compareManifests,
  manifestDigest,
  manifestFromTar,
  relativeTarPath,
  type Manifest,
  type ManifestEntry,
} from '../../../core/volume-data/manifest.js';

type Entry = TarEntry;

/** A tar as small chunks, the way a response arrives. */
async function* chunked(buf: Buffer, size = 1000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const big = Buffer.alloc(300_000, 7);

const sample: Entry[] = [
  { header: { name: 'data/', type: 'directory', mode: 0o40750, uid: 1234, gid: 5678 } },
  { header: { name: 'data/b/', type: 'directory', mode: 0o755 } },
  { header: { name: 'data/b/big', mode: 0o100600, uid: 1234, gid: 5678 }, content: big },
  { header: { name: 'data/b/empty', mode: 0o644 }, content: Buffer.alloc(0) },
  { header: { name: 'data/a', mode: 0o104755 }, content: Buffer.from('hello') },
  { header: { name: 'data/a-hard', type: 'link', linkname: 'data/a', mode: 0o104755 } },
  { header: { name: 'data/dangling', type: 'symlink', linkname: '../nowhere' } },
  { header: { name: 'data/fifo', type: 'fifo', mode: 0o644 } },
];

const parse = suite('manifestFromTar');

parse('every entry, relative to the prefix, sorted with the root first; modes without type bits', async () => {
  const m = await manifestFromTar(chunked(await tarOf(sample)), 'data');
  assert.equal(m.entries.map((e) => e.path), ['.', 'a', 'a-hard', 'b', 'b/big', 'b/empty', 'dangling', 'fifo']);
  const by = Object.fromEntries(m.entries.map((e) => [e.path, e]));
  assert.equal(by['.'], { path: '.', type: 'directory', mode: 0o750, uid: 1234, gid: 5678, size: 0 });
  assert.equal(by['b/big'], { path: 'b/big', type: 'file', mode: 0o600, uid: 1234, gid: 5678, size: 300_000, sha256: sha(big) });
  assert.equal(by['b/empty']?.sha256, sha(Buffer.alloc(0)));
  assert.equal(by['a'], { path: 'a', type: 'file', mode: 0o4755, uid: 0, gid: 0, size: 5, sha256: sha(Buffer.from('hello')) });
  assert.equal(by['a-hard'], { path: 'a-hard', type: 'hardlink', mode: 0o4755, uid: 0, gid: 0, size: 0, linkname: 'a' }, 'a hardlink names the linked path relative to the root');
  assert.equal(by['dangling'], { path: 'dangling', type: 'symlink', mode: 0o644, uid: 0, gid: 0, size: 0, linkname: '../nowhere' }, 'a symlink keeps its target as stored');
  assert.is(by['fifo']?.type, 'other');
  assert.is(m.files, 3);
  assert.is(m.directories, 2);
  assert.is(m.symlinks, 1);
  assert.is(m.bytes, 300_005);
});

parse('a tar rebased on another top name, or on "./", gives the same manifest', async () => {
  const rename = (prefix: string) => sample.map((e) => ({
    ...e,
    header: { ...e.header, name: e.header.name.replace(/^data/, prefix), ...(e.header.type === 'link' ? { linkname: e.header.linkname!.replace(/^data/, prefix) } : {}) },
  }));
  const data = await manifestFromTar(chunked(await tarOf(sample)), 'data');
  const payload = await manifestFromTar(chunked(await tarOf(rename('payload'))), 'payload');
  const dot = await manifestFromTar(chunked(await tarOf(rename('.'))), '');
  assert.equal(compareManifests(data, payload), []);
  assert.equal(compareManifests(data, dot), []);
  assert.is(manifestDigest(data), manifestDigest(payload));
});

parse('long and non-ASCII names (PAX headers) are read whole', async () => {
  const long = `data/${'d'.repeat(80)}/${'f'.repeat(90)}-é.txt`;
  const m = await manifestFromTar(chunked(await tarOf([{ header: { name: long }, content: Buffer.from('x') }])), 'data');
  assert.equal(m.entries.map((e) => e.path), [long.slice('data/'.length)]);
});

parse('an entry outside the prefix is an error', async () => {
  const tar = await tarOf([{ header: { name: 'data/', type: 'directory' } }, { header: { name: 'other/x' }, content: Buffer.from('x') }]);
  try {
    await manifestFromTar(chunked(tar), 'data');
    assert.unreachable('no error');
  } catch (e) {
    assert.match((e as Error).message, 'tar entry "other/x" is not inside "data/"');
  }
});

parse('a truncated tar is an error', async () => {
  const tar = await tarOf(sample);
  try {
    await manifestFromTar(chunked(tar.subarray(0, 2048)), 'data');
    assert.unreachable('no error');
  } catch (e) {
    assert.instance(e, Error);
  }
});

parse('a failing source stops the parse with its error', async () => {
  const tar = await tarOf(sample);
  async function* broken(): AsyncGenerator<Uint8Array> {
    yield tar.subarray(0, 1024);
    throw new Error('connection reset');
  }
  try {
    await manifestFromTar(broken(), 'data');
    assert.unreachable('no error');
  } catch (e) {
    assert.is((e as Error).message, 'connection reset');
  }
});

parse.run();

const paths = suite('relativeTarPath');

paths('root, nested, "./" and trailing slashes', () => {
  assert.is(relativeTarPath('data/', 'data'), '.');
  assert.is(relativeTarPath('data', 'data'), '.');
  assert.is(relativeTarPath('./data/a/b/', 'data'), 'a/b');
  assert.is(relativeTarPath('./', ''), '.');
  assert.is(relativeTarPath('a/b', ''), 'a/b');
});

paths('".." and foreign prefixes are refused', () => {
  assert.throws(() => relativeTarPath('data/../etc/passwd', 'data'), /not inside "data\/"/);
  assert.throws(() => relativeTarPath('database/x', 'data'), /not inside "data\/"/);
});

paths.run();

const compare = suite('compareManifests');

const file = (path: string, over: Partial<ManifestEntry> = {}): ManifestEntry => ({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 3, sha256: 'aaa', ...over });
const dir = (path: string, over: Partial<ManifestEntry> = {}): ManifestEntry => ({ path, type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, ...over });
const m = (...entries: ManifestEntry[]): Manifest => buildManifest(entries);

compare('equal manifests have no differences, whatever the order of their entries', () => {
  const a = m(dir('.'), dir('a'), file('a/f'));
  const b = { ...a, entries: [...a.entries].reverse() };
  assert.equal(compareManifests(a, b), []);
  assert.is(manifestDigest(a), manifestDigest(b));
});

compare('one line per path, in path order, every difference named', () => {
  const expected = m(dir('.'), dir('a'), file('a/f', { mode: 0o640 }), file('a/g'), { path: 'a/l', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkname: 'f' }, file('b'), file('c', { uid: 1234, gid: 5678 }));
  const actual = m(
    dir('.', { mode: 0o700 }),
    dir('a'),
    file('a/f', { mode: 0o644, sha256: 'bbb', size: 4 }),
    { path: 'a/g', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkname: 'x' },
    { path: 'a/l', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkname: 'g' },
    file('c'),
    file('x'),
  );
  assert.equal(compareManifests(expected, actual), [
    '.: mode 0755 → 0700',
    'a/f: mode 0640 → 0644, size 3 → 4, sha256 differs',
    'a/g: type file → symlink',
    'a/l: link target "f" → "g"',
    'b: missing',
    'c: owner 1234:5678 → 0:0',
    'x: unexpected',
  ]);
});

compare('only the content differs: "sha256 differs"', () => {
  assert.equal(compareManifests(m(file('f')), m(file('f', { sha256: 'bbb' }))), ['f: sha256 differs']);
});

compare('special bits are shown in the mode', () => {
  assert.equal(compareManifests(m(file('f', { mode: 0o4755 })), m(file('f', { mode: 0o755 }))), ['f: mode 4755 → 0755']);
});

compare('at most 20 lines, then "and N more"', () => {
  const many = Array.from({ length: 25 }, (_, i) => file(`f${String(i).padStart(2, '0')}`));
  const out = compareManifests(m(dir('.'), ...many), m(dir('.')));
  assert.is(out.length, 21);
  assert.is(out[0], 'f00: missing');
  assert.is(out[19], 'f19: missing');
  assert.is(out[20], 'and 5 more');
});

compare.run();

const digest = suite('manifestDigest');

digest('a stable hex sha256 that changes with any field', () => {
  const a = m(dir('.'), file('f'));
  assert.match(manifestDigest(a), /^[0-9a-f]{64}$/);
  assert.is(manifestDigest(a), manifestDigest(JSON.parse(JSON.stringify(a)) as Manifest), 'survives a JSON round trip');
  assert.is.not(manifestDigest(a), manifestDigest(m(dir('.'), file('f', { mode: 0o600 }))));
  assert.is.not(manifestDigest(a), manifestDigest(m(dir('.'), file('f', { gid: 1 }))));
  assert.is.not(manifestDigest(a), manifestDigest(m(dir('.'), file('g'))));
});

digest.run();
