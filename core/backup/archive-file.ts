/**
 * What a backup writes into its target, under `<stack>/<job>/`:
 *   <id>.tar.gz (or .tar)      the archive: one top-level directory per volume
 *   <id>.manifest.jsonl        line 1: the summary; then one line per entry of the archive
 *                              (path, type, mode, owner, size, sha256, link target)
 * `<id>` is the UTC time the run started, `20261123T030000.123Z`: names sort by time.
 * A run writes the manifest only once it has read the archive back and found it equal to the
 * volumes it archived (status "verified"), or with status "failed" and the reason.
 */
import type { ManifestEntry } from '../volume-data/manifest.js';

export const MANIFEST_FORMAT = 1;

export interface ArchiveSummary {
  moor_backup_manifest: typeof MANIFEST_FORMAT;
  stack: string;
  job: string;
  id: string;
  archive: string;
  /** When the run started (ISO). */
  created: string;
  compression: 'gzip' | 'none';
  volumes: string[];
  archiveBytes: number;
  /** The archive file's sha256; '' when only its tree digest was read (an uncompressed archive read back on the engine's machine). */
  archiveSha256: string;
  /**
   * Uncompressed archives: the tree digest (tar-scan.ts, ScanOptions.tree), the sha256 of the
   * archive with each file's content replaced by that content's sha256. Absent in manifests
   * written before it existed, and for gzip archives.
   */
  archiveTreeSha256?: string;
  /** Every entry: files, directories, links. */
  entries: number;
  files: number;
  directories: number;
  symlinks: number;
  /** Bytes in files. */
  bytes: number;
  status: 'verified' | 'failed';
  reason?: string;
}

export interface ArchiveManifest {
  summary: ArchiveSummary;
  entries: ManifestEntry[];
}

const ID = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)\.(\d{3})Z$/;

export function archiveId(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '');
}

export function timeOfId(id: string): Date | null {
  const m = ID.exec(id);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`) : null;
}

export function isArchiveId(id: string): boolean {
  return ID.test(id);
}

export function archiveFileName(id: string, compression: 'gzip' | 'none'): string {
  return `${id}.${compression === 'gzip' ? 'tar.gz' : 'tar'}`;
}

export function manifestFileName(id: string): string {
  return `${id}.manifest.jsonl`;
}

/** A file a run writes for archive `id`: the archive (.tar.gz/.tar) or its manifest, or either's .part (written, not yet verified or named). */
export function isRunFile(id: string, name: string): boolean {
  return [`${id}.tar.gz`, `${id}.tar`, `${id}.tar.gz.part`, `${id}.tar.part`, manifestFileName(id), `${manifestFileName(id)}.part`].includes(name);
}

/**
 * A run's file pruned here and left for a process of its own to delete (run.ts, prune): renamed
 * to `.<name>.moor-pruned` in the job's folder, hidden from the listing.
 */
export function prunedName(name: string): string {
  return `.${name}.moor-pruned`;
}

/** prunedName's names, of the files isRunFile names (the deleting process matches them with this, old-data.ts). */
export const PRUNED = /^\.(\d{8}T\d{6}\.\d{3}Z)\.(?:tar\.gz|tar|manifest\.jsonl)(?:\.part)?\.moor-pruned$/;

/** The run's file `hidden` was (prunedName), or null when it is not such a name. */
export function unprunedName(hidden: string): string | null {
  return PRUNED.test(hidden) ? hidden.slice(1, -'.moor-pruned'.length) : null;
}

/** An entry's line, its keys always in this order, whichever reader made the entry (the engine's tar or the directory here). */
function entryLine(e: ManifestEntry): string {
  const { path, type, mode, uid, gid, size, sha256, linkname, ...rest } = e;
  return JSON.stringify({ path, type, mode, uid, gid, size, sha256, linkname, ...rest });
}

export function serializeManifest(m: ArchiveManifest): Buffer {
  return Buffer.from([JSON.stringify(m.summary), ...m.entries.map(entryLine)].join('\n') + '\n');
}

export function parseSummary(line: string): ArchiveSummary | null {
  try {
    const s = JSON.parse(line) as ArchiveSummary;
    return s && s.moor_backup_manifest === MANIFEST_FORMAT && typeof s.id === 'string' ? s : null;
  } catch {
    return null;
  }
}

export function parseManifest(text: string): ArchiveManifest | null {
  const lines = text.split('\n').filter(Boolean);
  const summary = lines.length ? parseSummary(lines[0]!) : null;
  if (!summary) return null;
  try {
    return { summary, entries: lines.slice(1).map((l) => JSON.parse(l) as ManifestEntry) };
  } catch {
    return null;
  }
}
