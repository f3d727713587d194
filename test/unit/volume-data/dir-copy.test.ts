/**
 * A tree copied from directory to directory (copyTree, dir-copy.ts) without an engine: every kind
 * of entry it copies arrives with its owner, mode, times and links, the copy reads back with the
 * source's manifest (as manifestFromDir reads both); and whatever it cannot copy
 * exactly (a fifo, an extended attribute, a destination that is not empty or not a plain
 * directory) is left to the API copy with nothing written. The same against the real engine's
 * volumes: test/e2e/volume-data.test.ts ('a local engine: a copy from directory to directory…').
 */
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, linkSync, lstatSync, lutimesSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyTree } from '../../../core/volume-data/dir-copy.js';
import { planTreeCopy } from '../../../core/volume-data/dir-scan.js';
import { manifestFromDir } from '../../../core/volume-data/dir-manifest.js';

const t = suite('volume data: copies from directory to directory');
// moor copies this way only as root (see local.ts): owners are set on every entry.
const test = (name: string, fn: () => Promise<void>) => (process.getuid?.() === 0 ? t(name, fn) : t.skip(name, fn));

/** lsetxattr(2) through ffi-rs, for the test only (moor itself only reads them). */
function setXattr(file: string, name: string, value: string): void {
  const ffi = createRequire(import.meta.url)('ffi-rs') as typeof import('ffi-rs');
  ffi.open({ library: 'moor-test-libc', path: '' });
  const r = ffi.load({
    library: 'moor-test-libc', funcName: 'lsetxattr', retType: ffi.DataType.I32,
    paramsType: [ffi.DataType.String, ffi.DataType.String, ffi.DataType.String, ffi.DataType.U64, ffi.DataType.I32],
    paramsValue: [file, name, value, Buffer.byteLength(value), 0],
  });
  if (r !== 0) throw new Error(`lsetxattr ${name} on ${file} failed`);
}

/** What the copy does: planned (nothing written when skipped), then written. */
async function copyAt(src: string, srcSub: string[], dst: string, dstSub: string[]): Promise<{ bytes: number } | { skipped: string }> {
  const plan = await planTreeCopy(src, srcSub, dst, dstSub);
  return 'skipped' in plan ? plan : copyTree(plan);
}

function withDirs(fn: (src: string, dst: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'moor-dir-copy-'));
    try {
      const src = path.join(base, 'src');
      const dst = path.join(base, 'dst');
      mkdirSync(src);
      mkdirSync(dst);
      await fn(src, dst);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  };
}

/**
 * Times to the microsecond (utimes' precision), owners, modes and the link target of every entry;
 * access times of files only (listing a directory moves its own).
 */
function metadata(dir: string): string[] {
  const out: string[] = [];
  const visit = (abs: string, rel: string) => {
    const st = lstatSync(abs, { bigint: true });
    const link = st.isSymbolicLink() ? ` → ${readlinkOf(abs)}` : '';
    out.push(`${rel} ${(st.mode & 0o7777n).toString(8)} ${st.uid}:${st.gid} nlink=${st.isDirectory() ? '-' : st.nlink} mtime=${st.mtimeNs / 1000n}${st.isFile() ? ` atime=${st.atimeNs / 1000n}` : ''}${link}`);
    if (st.isDirectory()) for (const n of readdirSync(abs).sort()) visit(path.join(abs, n), `${rel}/${n}`);
  };
  visit(dir, '.');
  return out;
}
const readlinkOf = (p: string) => execFileSync('readlink', [p]).toString().trim();

test('every kind of entry arrives with owner, mode, times and links; the copy reads back with the source\'s manifest; sockets are skipped', withDirs(async (src, dst) => {
  const server = net.createServer();
  try {
    chmodSync(src, 0o750);
    for (const [d, mode] of [['z', 0o755], ['a', 0o700], ['a/b', 0o2775], ['sticky', 0o1777], ['empty', 0o711]] as const) {
      mkdirSync(path.join(src, d));
      chmodSync(path.join(src, d), mode);
    }
    writeFileSync(path.join(src, 'z/orig'), Buffer.alloc(3 << 20, 7));
    chmodSync(path.join(src, 'z/orig'), 0o4750);
    linkSync(path.join(src, 'z/orig'), path.join(src, 'a.b'));
    linkSync(path.join(src, 'z/orig'), path.join(src, 'a/b/link'));
    writeFileSync(path.join(src, 'a-b'), '');
    writeFileSync(path.join(src, 'sticky/f'), 'sticky\n');
    symlinkSync('../nowhere', path.join(src, 'a/dangling'));
    symlinkSync('b', path.join(src, 'a/to-dir'));
    {
      chownSync(src, 999, 998);
      chownSync(path.join(src, 'a'), 1234, 5678);
      chownSync(path.join(src, 'sticky/f'), 7, 8);
      chownSync(path.join(src, 'z/orig'), 999, 999);
      chmodSync(path.join(src, 'z/orig'), 0o4750);
    }
    await new Promise<void>((ok) => server.listen(path.join(src, 'sticky/sock'), ok));
    // Times last: writing into a directory changes its mtime.
    const when = (i: number) => new Date(Date.UTC(2021, 0, 1 + i, 12, 0, 0, 123));
    ['z/orig', 'a-b', 'sticky/f', 'a/b', 'a', 'z', 'sticky', 'empty', '.'].forEach((p, i) => utimesSync(path.join(src, p), when(i), when(i + 20)));
    lutimesSync(path.join(src, 'a/dangling'), when(40), when(41));

    const before = metadata(src);
    const result = await copyAt(src, [], dst, ['x', 'payload']);
    assert.equal(result, { bytes: (3 << 20) + 'sticky\n'.length }, 'copied, each file once (hardlinks linked)');
    const copied = path.join(dst, 'x', 'payload');
    // Before anything reads the copy: reading moves access times older than the mtime (relatime).
    const after = metadata(copied);
    // The socket is not copied (the engine's tar skips them too); everything else is the same.
    assert.equal(after, before.filter((l) => !l.startsWith('./sticky/sock ')));
    // Reading the source moved its access times, as any read does; nothing else.
    const noAtime = (ls: string[]) => ls.map((l) => l.replace(/ atime=\d+/, ''));
    assert.equal(noAtime(metadata(src)), noAtime(before), 'the source is untouched');
    const expected = await manifestFromDir(src);
    assert.equal(await manifestFromDir(copied), expected, 'the copy reads back identical');
    const parent = lstatSync(path.join(dst, 'x'));
    assert.equal([parent.mode & 0o7777, parent.uid, parent.gid], [0o755, 0, 0], 'a missing parent is created root-owned, 0755');
    assert.is(lstatSync(path.join(copied, 'a.b')).ino, lstatSync(path.join(copied, 'a/b/link')).ino, 'hardlinks stay linked');
  } finally {
    server.close();
  }
}));

test('the copy goes into an empty existing directory too, and the root takes the source root\'s mode', withDirs(async (src, dst) => {
  mkdirSync(path.join(src, 'payload'));
  writeFileSync(path.join(src, 'payload/f'), 'f\n');
  chmodSync(path.join(src, 'payload'), 0o701);
  const result = await copyAt(src, ['payload'], dst, []);
  assert.ok('bytes' in result, JSON.stringify(result));
  assert.is(lstatSync(dst).mode & 0o7777, 0o701);
  assert.equal(await manifestFromDir(dst), await manifestFromDir(path.join(src, 'payload')));
}));

test('what it cannot copy exactly is left to the API copy, with nothing written', withDirs(async (src, dst) => {
  mkdirSync(path.join(src, 'd'));
  writeFileSync(path.join(src, 'd/f'), 'f\n');
  const skipped = async (why: string, srcSub: string[] = [], dstSub: string[] = ['payload']) => {
    const r = await copyAt(src, srcSub, dst, dstSub);
    assert.ok('skipped' in r, `${why}: skipped`);
    assert.match(r.skipped, why);
  };
  const untouched = (why: string) => assert.equal(readdirSync(dst).filter((n) => n !== 'keep'), [], `${why}: nothing written`);

  execFileSync('mkfifo', [path.join(src, 'd/fifo')]);
  await skipped('d/fifo is a fifo or a device node');
  untouched('a fifo');
  rmSync(path.join(src, 'd/fifo'));

  setXattr(path.join(src, 'd/f'), 'user.note', 'kept by nothing');
  await skipped('d/f has extended attributes');
  untouched('an extended attribute');
  rmSync(path.join(src, 'd/f'));
  writeFileSync(path.join(src, 'd/f'), 'f\n');
  // SELinux's label is the file system's to give; the engine's tar does not carry it either.
  setXattr(path.join(src, 'd/f'), 'security.selinux', 'system_u:object_r:container_file_t:s0');
  const labelled = await copyAt(src, [], dst, ['labelled']);
  assert.ok('bytes' in labelled, `a SELinux label alone does not stop the copy: ${JSON.stringify(labelled)}`);
  rmSync(path.join(dst, 'labelled'), { recursive: true });

  writeFileSync(path.join(dst, 'keep'), 'already here\n');
  await skipped('the destination is not empty', [], []);
  symlinkSync(src, path.join(dst, 'link'));
  await skipped('the destination is not a plain directory', [], ['link', 'payload']);
  rmSync(path.join(dst, 'link'));
  await skipped('the source is not a plain directory', ['missing']);
  symlinkSync('d', path.join(src, 'to-d'));
  await skipped('the source is not a plain directory', ['to-d']);
  untouched('refused');
}));

t.run();
