/**
 * What a copy from directory to directory (dir-copy.ts) would copy, decided before anything is
 * written, on the main thread: the source's entries in the engine's walk order, with the
 * metadata the copy gives them, or why this tree must go through the API instead.
 *
 * Only trees that can be copied exactly are: directories, regular files, symlinks and hardlinks
 * (sockets are skipped, as the engine's tar skips them). A fifo or a device node (Node cannot
 * make them), or an entry with an extended attribute (security.capability, which the engine's tar
 * carries; an ACL, user.*…; SELinux's label aside, which the file system gives new files itself
 * and the engine's tar does not carry either), and the copy is left to the API. Likewise when the
 * destination is not empty, or a path on the way to either root is not a plain directory.
 *
 * The extended attributes are read through ffi-rs, which may only be loaded by a thread that
 * lives as long as the process (a worker that loaded it crashes the process when it ends): hence
 * this scan here, and the copy itself in a worker.
 */
import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { hasXattr, xattrListLength } from '../../native/libc.js';
import { byteOrder } from './dir-manifest.js';
import { realDirUnder } from './local.js';

/** Extended attributes a copy may leave behind: the file system labels new files itself (so does the engine's tar). */
const IGNORED_XATTRS = ['security.selinux'];
/** Longest stretch of synchronous work before the event loop gets a turn. */
const SLICE_MS = 8;

/** One entry to copy, relative to the copy's root, with what the copy gives it. */
export interface TreeItem {
  rel: string;
  kind: 'directory' | 'file' | 'symlink' | 'hardlink';
  /** mode & 0o7777 */
  mode: number;
  uid: number;
  gid: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  /** Symlinks: the target; hardlinks: the relative path of the first one walked. */
  linkname?: string;
}

/** A copy decided: from `src` into `dst`, creating `create` first (missing directories, `dst` last). */
export interface TreeCopy {
  src: string;
  dst: string;
  create: string[];
  items: TreeItem[];
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

/** `volumeDir/…sub`, each component (`volumeDir` too) a directory that is not a symlink; null when one is not. */
function plainDir(volumeDir: string, sub: string[]): string | null {
  return lstatOrNull(volumeDir)?.isDirectory() ? realDirUnder(volumeDir, sub.join('/')) : null;
}

/**
 * The copy of `srcVolumeDir/…srcSub` into `dstVolumeDir/…dstSub` (an empty directory, or missing:
 * then created with its missing parents), or why it is left to the API. Reads only.
 */
export async function planTreeCopy(srcVolumeDir: string, srcSub: string[], dstVolumeDir: string, dstSub: string[]): Promise<TreeCopy | { skipped: string }> {
  const src = plainDir(srcVolumeDir, srcSub);
  if (!src) return { skipped: 'the source is not a plain directory' };
  if (!plainDir(dstVolumeDir, [])) return { skipped: 'the destination is not a plain directory' };
  let existing = 0;
  for (; existing < dstSub.length; existing++) {
    const st = lstatOrNull(path.join(dstVolumeDir, ...dstSub.slice(0, existing + 1)));
    if (!st) break;
    if (!st.isDirectory()) return { skipped: 'the destination is not a plain directory' };
  }
  const dst = path.join(dstVolumeDir, ...dstSub);
  if (existing === dstSub.length && readdirSync(dst).length) return { skipped: 'the destination is not empty' };
  const create = dstSub.slice(existing).map((_, i) => path.join(dstVolumeDir, ...dstSub.slice(0, existing + i + 1)));
  try {
    const items = await scan(src);
    return typeof items === 'string' ? { skipped: items } : { src, dst, create, items };
  } catch (e) {
    // A file moor may not read, ffi-rs missing…: the API decides.
    return { skipped: (e as Error).message };
  }
}

/** The tree's entries in the engine's walk order (as manifestFromDir visits them), or why it cannot be copied here. */
async function scan(root: string): Promise<TreeItem[] | string> {
  const items: TreeItem[] = [];
  const firstOfInode = new Map<string, string>();
  let sliceStart = performance.now();
  const visit = async (abs: string, rel: string): Promise<string | null> => {
    if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise((r) => setImmediate(r));
      sliceStart = performance.now();
    }
    const st = lstatSync(abs, { bigint: true });
    if (st.isSocket()) return null;
    const list = xattrListLength(abs);
    if (list > 0) {
      const ignored = IGNORED_XATTRS.filter((name) => hasXattr(abs, name)).reduce((n, name) => n + Buffer.byteLength(name) + 1, 0);
      if (ignored !== list) return `${rel} has extended attributes`;
    }
    const base = { rel, mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), atimeNs: st.atimeNs, mtimeNs: st.mtimeNs };
    if (st.isDirectory()) {
      items.push({ ...base, kind: 'directory' });
      for (const name of readdirSync(abs).sort(byteOrder)) {
        const why = await visit(path.join(abs, name), rel === '.' ? name : `${rel}/${name}`);
        if (why) return why;
      }
      return null;
    }
    if (st.isSymbolicLink()) {
      items.push({ ...base, kind: 'symlink', linkname: readlinkSync(abs) });
      return null;
    }
    if (!st.isFile()) return `${rel} is a fifo or a device node`;
    if (st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const first = firstOfInode.get(key);
      if (first !== undefined) {
        items.push({ ...base, kind: 'hardlink', linkname: first });
        return null;
      }
      firstOfInode.set(key, rel);
    }
    items.push({ ...base, kind: 'file' });
    return null;
  };
  return (await visit(root, '.')) ?? items;
}
