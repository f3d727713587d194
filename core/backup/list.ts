/**
 * The archives of a job, read from its target by a worker: the summary line of every manifest,
 * and every file with its size (stat, not `wc -c`: busybox's wc reads the whole file), so an
 * archive whose run died before it wrote a manifest shows too.
 *
 * When the engine is local and the target is a volume in its volumes directory, proven so (the
 * probe of local.ts, written into the job's record volume through a worker that is never
 * started), the folder is read here instead (listedHere): the same lines, without starting a
 * container (≈ 0.25 s). A symbolic link in the folder sends the listing back to the worker (a
 * link read here could name any file of this machine); so does anything unexpected.
 */
import { closeSync, constants, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';
import { localReadsPossible, plainLocalVolume, provenVolumeDir, realDirUnder } from '../volume-data/local.js';
import type { EngineClient } from '../engine/client.js';
import { archiveDir, backupRecordName } from '../model/backup.js';
import { engineName } from '../model/names.js';
import type { BackupSpec } from '../model/spec.js';
import { isArchiveId, parseSummary, timeOfId, type ArchiveSummary } from './archive-file.js';
import { proveThroughWorker } from './local-archive.js';
import { jobDir, PROBE, targetMount } from './target.js';
import { BACKUP_LABEL, runCommand, withWorker, workerName } from './worker.js';

export interface ListedArchive {
  id: string;
  time: Date;
  /** The manifest's summary; null when the archive has none (a run that did not finish). */
  summary: ArchiveSummary | null;
  /** Files of this archive in the job's folder, with their sizes. */
  files: { name: string; bytes: number }[];
}

/** Lists the job's folder ($DIR) as parseListing reads it; also run by a backup's finishing worker. */
export const LIST_SCRIPT = `cd "$DIR" 2>/dev/null || exit 0
for f in *; do
  [ -f "$f" ] || continue
  case "$f" in
    *.manifest.jsonl) printf 'M %s\\n' "$(head -n 1 "$f")" ;;
  esac
  printf 'F %s %s\\n' "$(stat -c %s "$f")" "$f"
done`;

export async function listArchives(client: EngineClient, stack: string, job: BackupSpec): Promise<ListedArchive[]> {
  const here = await listedHere(client, stack, job).catch(() => null);
  if (here !== null) return parseListing(here);
  const out = await runCommand(client, {
    image: job.image, name: workerName(stack, job.name, 'list'), mounts: [targetMount(stack, job, true)],
    cmd: ['sh', '-c', LIST_SCRIPT], env: { DIR: jobDir(stack, job) }, labels: { [BACKUP_LABEL]: `${stack}/${job.name}` },
  }, `listing the archives of ${job.name}`);
  return parseListing(out);
}

/** Per client, the record volumes whose proof failed in this command. */
const unproven = new WeakMap<EngineClient, Set<string>>();

/**
 * The job's folder as a directory of this machine, when the engine is local and proven so and the
 * target is a volume of its volumes directory (proving it once per command, see the module
 * comment); null otherwise.
 */
export async function jobFolderHere(client: EngineClient, stack: string, job: BackupSpec): Promise<{ root: string; folder: string } | null> {
  if (job.target.type !== 'volume' || !localReadsPossible(client)) return null;
  const recordVolume = backupRecordName(stack, job.name);
  if (!(await provenVolumeDir(client, recordVolume))) {
    // Tried once per command: a proof that failed (not the engine's directory) fails again.
    const failed = unproven.get(client) ?? new Set<string>();
    unproven.set(client, failed);
    if (failed.has(recordVolume)) return null;
    failed.add(recordVolume);
    const record = await plainLocalVolume(client, recordVolume);
    if (!record) return null;
    const spec = {
      image: job.image, name: workerName(stack, job.name, 'prove'), labels: { [BACKUP_LABEL]: `${stack}/${job.name}` },
      mounts: [{ type: 'volume' as const, source: recordVolume, target: PROBE, readOnly: false }], cmd: ['true'],
    };
    if (!(await withWorker(client, spec, (w) => proveThroughWorker(client, w, PROBE, record)))) return null;
    failed.delete(recordVolume);
  }
  const root = await provenVolumeDir(client, engineName(stack, job.target.volume));
  return root ? { root, folder: archiveDir(stack, job.name) } : null;
}

/** What LIST_SCRIPT prints, read here (see the module comment); null when the worker must list it. */
async function listedHere(client: EngineClient, stack: string, job: BackupSpec): Promise<string | null> {
  const at = await jobFolderHere(client, stack, job);
  return at ? listFolder(at.root, at.folder) : null;
}

/**
 * LIST_SCRIPT's lines for `<root>/<folder>`: names not starting with a dot, regular files only,
 * a manifest's first line. Null when the folder is not a directory reached through real ones
 * (missing too: the worker says that) or holds a symbolic link.
 */
export function listFolder(root: string, folder: string): string | null {
  const dir = realDirUnder(root, folder);
  if (!dir) return null;
  const lines: string[] = [];
  for (const name of readdirSync(dir).filter((n) => !n.startsWith('.')).sort()) {
    const file = path.join(dir, name);
    const st = lstatSync(file);
    if (st.isSymbolicLink()) return null;
    if (!st.isFile()) continue;
    if (name.endsWith('.manifest.jsonl')) lines.push(`M ${firstLine(file)}`);
    lines.push(`F ${st.size} ${name}`);
  }
  return lines.join('\n');
}

/** A file's first line (as `head -n 1` in `$(…)`: without its newline). */
function firstLine(file: string): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const parts: Buffer[] = [];
    const buf = Buffer.allocUnsafe(65536);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const nl = buf.subarray(0, n).indexOf(10);
      if (nl >= 0) {
        parts.push(Buffer.from(buf.subarray(0, nl)));
        break;
      }
      parts.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(parts).toString('utf8').replace(/\n+$/, '');
  } finally {
    closeSync(fd);
  }
}

/** Group the worker's lines by archive id (the file name up to its first dot after the time). */
export function parseListing(out: string): ListedArchive[] {
  const byId = new Map<string, ListedArchive>();
  const get = (id: string) => {
    let a = byId.get(id);
    if (!a) byId.set(id, (a = { id, time: timeOfId(id)!, summary: null, files: [] }));
    return a;
  };
  for (const line of out.split('\n')) {
    if (line.startsWith('M ')) {
      const s = parseSummary(line.slice(2));
      if (s && isArchiveId(s.id)) get(s.id).summary = s;
    } else if (line.startsWith('F ')) {
      const m = /^F (\d+) (.+)$/.exec(line);
      const id = m?.[2]!.slice(0, m[2]!.indexOf('.', 16));
      if (m && id && isArchiveId(id)) get(id).files.push({ name: m[2]!, bytes: Number(m[1]) });
    }
  }
  return [...byId.values()].sort((a, b) => b.time.getTime() - a.time.getTime());
}
