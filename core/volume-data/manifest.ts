/**
 * A volume's manifest: every entry of its tree with type, permission bits, owner, size, the
 * sha256 of each file's content and the target of each link. Computed while a tar stream passes
 * (nothing is staged on disk or held in memory beyond one entry's hash state), compared entry by
 * entry, and digested from a canonical JSON form.
 *
 * Modification times, extended attributes and device numbers are not part of it.
 */
import { createHash } from 'node:crypto';
import tarStream, { type Extract, type Header } from 'tar-stream';
import { pumpInto } from './tee.js';

export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface ManifestEntry {
  /** Relative to the copied root, '/'-separated; the root itself is '.'. */
  path: string;
  type: EntryType;
  /** Permission bits with setuid, setgid and sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Content length for files, 0 otherwise. */
  size: number;
  /** Hex sha256 of the content (files only). */
  sha256?: string;
  /** Symlinks: the target as stored. Hardlinks: the linked path, relative like `path`. */
  linkname?: string;
}

export interface Manifest {
  /** Sorted by path, the root ('.') first. */
  entries: ManifestEntry[];
  files: number;
  /** Directories, the root included. */
  directories: number;
  symlinks: number;
  /** Sum of file sizes (a hardlinked file counts once). */
  bytes: number;
}

/** Differences listed by compareManifests before "and N more". */
export const MAX_DIFFERENCES = 20;

export function comparePaths(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '.') return -1;
  if (b === '.') return 1;
  return a < b ? -1 : 1;
}

/**
 * A tar path relative to `stripPrefix` (the archive's top-level directory, e.g. 'data'):
 * 'data/' → '.', './data/a/b' → 'a/b'. A path outside the prefix, or climbing with '..', is an error.
 */
export function relativeTarPath(name: string, stripPrefix: string): string {
  const parts = splitPath(name);
  const prefix = splitPath(stripPrefix);
  if (parts.includes('..') || prefix.some((p, i) => parts[i] !== p)) {
    throw new Error(`tar entry "${name}" is not inside "${stripPrefix}/"`);
  }
  const rest = parts.slice(prefix.length);
  return rest.length ? rest.join('/') : '.';
}

function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.');
}

/** A tar header's type (tar-stream's names) as a manifest entry's type. */
export function entryType(t: Header['type']): EntryType {
  switch (t) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      return 'other';
  }
}

/** The manifest of a list of entries (any order; the last entry of a path wins, as in tar). */
export function buildManifest(list: ManifestEntry[]): Manifest {
  const byPath = new Map<string, ManifestEntry>();
  for (const e of list) byPath.set(e.path, e);
  const entries = [...byPath.values()].sort((a, b) => comparePaths(a.path, b.path));
  const m: Manifest = { entries, files: 0, directories: 0, symlinks: 0, bytes: 0 };
  for (const e of entries) {
    if (e.type === 'file') { m.files++; m.bytes += e.size; }
    else if (e.type === 'directory') m.directories++;
    else if (e.type === 'symlink') m.symlinks++;
  }
  return m;
}

/** One tar entry as a manifest entry, hashing a file's content as it is read. */
export async function manifestEntry(entry: AsyncIterable<unknown> & { header: Header; resume(): unknown }, stripPrefix: string): Promise<ManifestEntry> {
  const h = entry.header;
  const type = entryType(h.type);
  const e: ManifestEntry = {
    path: relativeTarPath(h.name, stripPrefix),
    type,
    mode: h.mode & 0o7777,
    uid: h.uid,
    gid: h.gid,
    size: type === 'file' ? h.size : 0,
  };
  if (type === 'file') {
    const hash = createHash('sha256');
    for await (const chunk of entry) hash.update(chunk as Uint8Array);
    e.sha256 = hash.digest('hex');
  } else {
    entry.resume();
  }
  if (type === 'symlink') e.linkname = h.linkname ?? '';
  if (type === 'hardlink') e.linkname = relativeTarPath(h.linkname ?? '', stripPrefix);
  return e;
}

/**
 * A tar parser that computes the manifest of what is written into `input`. `manifest` settles
 * when the input has ended (or fails with the parse error); `input` is destroyed on failure.
 */
export function manifestSink(stripPrefix: string): { input: Extract; manifest: Promise<Manifest> } {
  const input = tarStream.extract();
  const manifest = (async () => {
    const list: ManifestEntry[] = [];
    for await (const entry of input) {
      try {
        list.push(await manifestEntry(entry, stripPrefix));
      } catch (e) {
        // Destroy with the cause before leaving the loop (which destroys without one), so the
        // writer sees this error rather than a bare close.
        input.destroy(e as Error);
        throw e;
      }
    }
    return buildManifest(list);
  })();
  manifest.catch((e: Error) => input.destroy(e));
  return { input, manifest };
}

/** The manifest of a tar stream whose entries live under `stripPrefix/` (use '' for none). */
export async function manifestFromTar(stream: AsyncIterable<Uint8Array>, stripPrefix: string): Promise<Manifest> {
  const { input, manifest } = manifestSink(stripPrefix);
  try {
    await pumpInto(stream, [input], manifest);
  } catch (e) {
    input.destroy(e as Error);
    throw e;
  }
  return manifest;
}

export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** What differs in one entry present on both sides, as "what before → after" phrases. */
function entryDifferences(a: ManifestEntry, b: ManifestEntry): string[] {
  if (a.type !== b.type) return [`type ${a.type} → ${b.type}`];
  const out: string[] = [];
  if (a.mode !== b.mode) out.push(`mode ${formatMode(a.mode)} → ${formatMode(b.mode)}`);
  if (a.uid !== b.uid || a.gid !== b.gid) out.push(`owner ${a.uid}:${a.gid} → ${b.uid}:${b.gid}`);
  if (a.size !== b.size) out.push(`size ${a.size} → ${b.size}`);
  if (a.sha256 !== b.sha256) out.push('sha256 differs');
  if (a.linkname !== b.linkname) out.push(`link target ${JSON.stringify(a.linkname ?? '')} → ${JSON.stringify(b.linkname ?? '')}`);
  return out;
}

/**
 * The differences from `expected` to `actual`, one line per path in path order, e.g.
 * `a/b/f: sha256 differs`, `a/l: missing`, `x: unexpected`, `a/b/f: mode 0640 → 0644`;
 * at most MAX_DIFFERENCES lines, then `and N more`. Empty when the manifests are equal.
 */
export function compareManifests(expected: Manifest, actual: Manifest): string[] {
  const lines: string[] = [];
  const exp = [...expected.entries].sort((a, b) => comparePaths(a.path, b.path));
  const act = [...actual.entries].sort((a, b) => comparePaths(a.path, b.path));
  let i = 0;
  let j = 0;
  while (i < exp.length || j < act.length) {
    const a = exp[i];
    const b = act[j];
    const order = a && b ? comparePaths(a.path, b.path) : a ? -1 : 1;
    if (order < 0) {
      lines.push(`${a!.path}: missing`);
      i++;
    } else if (order > 0) {
      lines.push(`${b!.path}: unexpected`);
      j++;
    } else {
      const d = entryDifferences(a!, b!);
      if (d.length) lines.push(`${a!.path}: ${d.join(', ')}`);
      i++;
      j++;
    }
  }
  if (lines.length <= MAX_DIFFERENCES) return lines;
  return [...lines.slice(0, MAX_DIFFERENCES), `and ${lines.length - MAX_DIFFERENCES} more`];
}

/** Hex sha256 of the manifest's canonical JSON: entries in path order, fields in a fixed order. */
export function manifestDigest(m: Manifest): string {
  const entries = [...m.entries].sort((a, b) => comparePaths(a.path, b.path)).map((e) => ({
    path: e.path,
    type: e.type,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    size: e.size,
    sha256: e.sha256 ?? null,
    linkname: e.linkname ?? null,
  }));
  return createHash('sha256').update(JSON.stringify({ version: 1, entries })).digest('hex');
}
