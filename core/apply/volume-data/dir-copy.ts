/**
 * A copy of a volume's tree from directory to directory on this machine, for a local engine whose
 * volumes directory was proven (see local.ts): what PUT archive of the tree GET archive gives
 * would write, without the bytes crossing the Engine API twice. The manifest of what was read is
 * built on the way (as the tee does for a stream); the caller then reads the destination back on
 * its own and compares.
 *
 * Only trees this can copy exactly are copied: directories, regular files, symlinks and hardlinks
 * (sockets are skipped, as the engine's tar skips them), with owners, permission bits (setuid,
 * setgid and sticky too), and access and modification times. A fifo or device node, or an entry
 * with an extended attribute (security.capability, an ACL, user.*…; SELinux's label aside, which
 * the engine's tar does not carry either), and the copy is not done: `skipped` says why, nothing
 * was written, and the caller copies through the API as before. Likewise when the destination is
 * not empty, or a path on the way to either root is not a plain directory.
 *
 * Only node:fs, node:crypto and the libc xattr calls: it runs in a worker thread (dir-worker.ts).
 */
import { createHash } from 'node:crypto';
import {
  closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync,
  readdirSync, readlinkSync, readSync, symlinkSync, chmodSync, utimesSync, writeSync, type BigIntStats,
} from 'node:fs';
import path from 'node:path';
import { hasXattr, xattrListLength } from '../../../native/libc.js';
import { buildManifest, type Manifest, type ManifestEntry } from './manifest.js';
import { byteOrder } from './dir-manifest.js';

/** Extended attributes a copy may leave behind: the file system labels new files itself (so does the engine's tar). */
const IGNORED_XATTRS = ['security.selinux'];

export type CopyTreeResult = { manifest: Manifest } | { skipped: string };

interface Item {
  abs: string;
  rel: string;
  st: BigIntStats;
  kind: 'directory' | 'file' | 'symlink' | 'hardlink';
  /** Symlinks: the target; hardlinks: the relative path of the first one walked. */
  linkname?: string;
}

const BLOCK = 1 << 20;

function lstatOrNull(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

/**
 * `volumeDir/…sub` as a directory that exists and is reached through plain directories only (no
 * symlink on the way); null when it is not.
 */
function plainDir(volumeDir: string, sub: string[]): string | null {
  let dir = volumeDir;
  for (const part of ['', ...sub]) {
    dir = part ? path.join(dir, part) : dir;
    if (!lstatOrNull(dir)?.isDirectory()) return null;
  }
  return dir;
}

/** The source's entries in the engine's walk order, or why they cannot be copied here. */
function scan(root: string): Item[] | string {
  const items: Item[] = [];
  const firstOfInode = new Map<string, string>();
  const visit = (abs: string, rel: string): string | null => {
    const st = lstatSync(abs, { bigint: true });
    if (st.isSocket()) return null;
    const list = xattrListLength(abs);
    if (list > 0) {
      const ignored = IGNORED_XATTRS.filter((name) => hasXattr(abs, name)).reduce((n, name) => n + Buffer.byteLength(name) + 1, 0);
      if (ignored !== list) return `${rel} has extended attributes`;
    }
    if (st.isDirectory()) {
      items.push({ abs, rel, st, kind: 'directory' });
      for (const name of readdirSync(abs).sort(byteOrder)) {
        const why = visit(path.join(abs, name), rel === '.' ? name : `${rel}/${name}`);
        if (why) return why;
      }
      return null;
    }
    if (st.isSymbolicLink()) {
      items.push({ abs, rel, st, kind: 'symlink', linkname: readlinkSync(abs) });
      return null;
    }
    if (!st.isFile()) return `${rel} is a fifo or a device node`;
    if (st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const first = firstOfInode.get(key);
      if (first !== undefined) {
        items.push({ abs, rel, st, kind: 'hardlink', linkname: first });
        return null;
      }
      firstOfInode.set(key, rel);
    }
    items.push({ abs, rel, st, kind: 'file' });
    return null;
  };
  return visit(root, '.') ?? items;
}

/** Seconds since the epoch, to the microsecond, as utimes takes them. */
const seconds = (ns: bigint) => Number(ns / 1000n) / 1e6;

/**
 * Copy `srcVolumeDir/…srcSub` into `dstVolumeDir/…dstSub`, which must be an empty directory or
 * missing (it is then created, with its missing parents owned by root, mode 0755). The root of
 * the copy gets the source root's owner, mode and times. Returns the manifest of what was read
 * (the one manifestFromDir would give of the source), or why nothing was copied. An error after
 * the first write leaves a partial copy in the destination.
 */
export function copyTree(srcVolumeDir: string, srcSub: string[], dstVolumeDir: string, dstSub: string[]): CopyTreeResult {
  const src = plainDir(srcVolumeDir, srcSub);
  if (!src) return { skipped: 'the source is not a plain directory' };
  // The destination: existing components plain directories, the rest missing; itself empty if it exists.
  let existing = 0;
  for (; existing < dstSub.length; existing++) {
    const st = lstatOrNull(path.join(dstVolumeDir, ...dstSub.slice(0, existing + 1)));
    if (!st) break;
    if (!st.isDirectory()) return { skipped: 'the destination is not a plain directory' };
  }
  if (!lstatOrNull(dstVolumeDir)?.isDirectory()) return { skipped: 'the destination is not a plain directory' };
  const dst = path.join(dstVolumeDir, ...dstSub);
  if (existing === dstSub.length && readdirSync(dst).length) return { skipped: 'the destination is not empty' };

  let items: Item[] | string;
  try {
    items = scan(src);
  } catch (e) {
    // Nothing is written yet: the API decides (a file moor may not read, ffi-rs missing…).
    return { skipped: (e as Error).message };
  }
  if (typeof items === 'string') return { skipped: items };

  // Nothing written until here.
  for (let i = existing; i < dstSub.length; i++) {
    const dir = path.join(dstVolumeDir, ...dstSub.slice(0, i + 1));
    mkdirSync(dir, { mode: 0o700 });
    if (i < dstSub.length - 1) {
      lchownSync(dir, 0, 0);
      chmodSync(dir, 0o755);
    }
  }
  const list: ManifestEntry[] = [];
  const dirs: { to: string; st: BigIntStats }[] = [];
  const buf = Buffer.allocUnsafe(BLOCK);
  const target = (rel: string) => (rel === '.' ? dst : path.join(dst, rel));
  for (const item of items) {
    const { st, rel } = item;
    const to = target(rel);
    const base = { path: rel, mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), size: 0 };
    switch (item.kind) {
      case 'directory':
        if (rel !== '.') mkdirSync(to, { mode: 0o700 });
        // Owner, mode and times once its entries are in (writing them would change its mtime).
        dirs.push({ to, st });
        list.push({ ...base, type: 'directory' });
        break;
      case 'symlink':
        symlinkSync(item.linkname!, to);
        lchownSync(to, base.uid, base.gid);
        lutimesSync(to, seconds(st.atimeNs), seconds(st.mtimeNs));
        list.push({ ...base, type: 'symlink', linkname: item.linkname! });
        break;
      case 'hardlink':
        linkSync(target(item.linkname!), to);
        list.push({ ...base, type: 'hardlink', linkname: item.linkname! });
        break;
      case 'file': {
        const { sha256, size } = copyFile(item.abs, to, st, buf);
        list.push({ ...base, type: 'file', size, sha256 });
        break;
      }
    }
  }
  // Children before parents: the reverse of the walk.
  for (const { to, st } of dirs.reverse()) {
    lchownSync(to, Number(st.uid), Number(st.gid));
    chmodSync(to, Number(st.mode & 0o7777n));
    utimesSync(to, seconds(st.atimeNs), seconds(st.mtimeNs));
  }
  return { manifest: buildManifest(list) };
}

/** Copy one file's content, owner, mode and times; the sha256 and length of what was read. */
function copyFile(from: string, to: string, st: BigIntStats, buf: Buffer): { sha256: string; size: number } {
  const hash = createHash('sha256');
  const input = openSync(from, constants.O_RDONLY | constants.O_NOFOLLOW);
  let size = 0;
  try {
    const output = openSync(to, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      for (;;) {
        const n = readSync(input, buf, 0, buf.length, null);
        if (n === 0) break;
        const chunk = buf.subarray(0, n);
        hash.update(chunk);
        for (let off = 0; off < n; ) off += writeSync(output, chunk, off, n - off);
        size += n;
      }
      // chown clears setuid and setgid: the mode comes after it.
      fchownSync(output, Number(st.uid), Number(st.gid));
      fchmodSync(output, Number(st.mode & 0o7777n));
      futimesSync(output, seconds(st.atimeNs), seconds(st.mtimeNs));
    } finally {
      closeSync(output);
    }
  } finally {
    closeSync(input);
  }
  return { sha256: hash.digest('hex'), size };
}
