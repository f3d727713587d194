/**
 * A copy of a volume's tree from directory to directory on this machine, for a local engine whose
 * volumes directory was proven (see local.ts): what PUT archive of the tree GET archive gives
 * would write, without the bytes crossing the Engine API twice. What to copy was decided by
 * planTreeCopy (dir-scan.ts), before anything was written; this writes it, each entry with its
 * owner, permission bits (setuid, setgid and sticky too) and access and modification times (to
 * the microsecond; the engine's tar keeps whole seconds), hardlinks linked. Nothing is hashed on
 * the way: the caller reads the source (unless its manifest is known) and the destination back,
 * each on its own, and compares.
 *
 * Only node:fs and node:crypto: it runs in a worker thread (dir-manifest-worker.ts).
 */
import {
  chmodSync, closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lutimesSync, mkdirSync, openSync,
  readSync, symlinkSync, utimesSync, writeSync,
} from 'node:fs';
import path from 'node:path';
import type { TreeCopy, TreeItem } from './dir-scan.js';

const BLOCK = 1 << 20;

/**
 * Seconds since the epoch, as utimes takes them (a double: ≈ 0.2 µs apart today), half a
 * microsecond past the time's microsecond so that the nanoseconds libuv truncates it to keep it.
 */
const seconds = (ns: bigint) => (Number(ns / 1000n) + 0.5) / 1e6;

/**
 * Write the copy `plan` decided: the missing directories (parents owned by root, mode 0755), then
 * every entry. The root of the copy gets the source root's owner, mode and times. Returns how
 * many bytes of file content were copied. An error leaves a partial copy in the destination.
 */
export function copyTree(plan: TreeCopy): { bytes: number } {
  const { src, dst } = plan;
  plan.create.forEach((dir, i) => {
    mkdirSync(dir, { mode: 0o700 });
    if (i < plan.create.length - 1) {
      lchownSync(dir, 0, 0);
      chmodSync(dir, 0o755);
    }
  });
  let bytes = 0;
  const dirs: { to: string; item: TreeItem }[] = [];
  const buf = Buffer.allocUnsafe(BLOCK);
  const at = (root: string, rel: string) => (rel === '.' ? root : path.join(root, rel));
  for (const item of plan.items) {
    const to = at(dst, item.rel);
    switch (item.kind) {
      case 'directory':
        if (item.rel !== '.') mkdirSync(to, { mode: 0o700 });
        // Owner, mode and times once its entries are in (writing them would change its mtime).
        dirs.push({ to, item });
        break;
      case 'symlink':
        symlinkSync(item.linkname!, to);
        lchownSync(to, item.uid, item.gid);
        lutimesSync(to, seconds(item.atimeNs), seconds(item.mtimeNs));
        break;
      case 'hardlink':
        linkSync(at(dst, item.linkname!), to);
        break;
      case 'file':
        bytes += copyFile(at(src, item.rel), to, item, buf);
        break;
    }
  }
  // Children before parents: the reverse of the walk.
  for (const { to, item } of dirs.reverse()) {
    lchownSync(to, item.uid, item.gid);
    chmodSync(to, item.mode);
    utimesSync(to, seconds(item.atimeNs), seconds(item.mtimeNs));
  }
  return { bytes };
}

/** Copy one file's content, owner, mode and times; the length of what was copied. */
function copyFile(from: string, to: string, item: TreeItem, buf: Buffer): number {
  const input = openSync(from, constants.O_RDONLY | constants.O_NOFOLLOW);
  let size = 0;
  try {
    const output = openSync(to, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      for (;;) {
        const n = readSync(input, buf, 0, buf.length, null);
        if (n === 0) break;
        for (let off = 0; off < n; ) off += writeSync(output, buf, off, n - off);
        size += n;
      }
      // chown clears setuid and setgid: the mode comes after it.
      fchownSync(output, item.uid, item.gid);
      fchmodSync(output, item.mode);
      futimesSync(output, seconds(item.atimeNs), seconds(item.mtimeNs));
    } finally {
      closeSync(output);
    }
  } finally {
    closeSync(input);
  }
  return size;
}
