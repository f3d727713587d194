/**
 * The archives of a job, read from its target by a worker: the summary line of every manifest,
 * and every file with its size (stat, not `wc -c`: busybox's wc reads the whole file), so an
 * archive whose run died before it wrote a manifest shows too.
 */
import type { EngineClient } from '../engine/client.js';
import type { BackupSpec } from '../model/spec.js';
import { isArchiveId, parseSummary, timeOfId, type ArchiveSummary } from './archive-file.js';
import { jobDir, targetMount } from './target.js';
import { BACKUP_LABEL, runCommand, workerName } from './worker.js';

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
  const out = await runCommand(client, {
    image: job.image, name: workerName(stack, job.name, 'list'), mounts: [targetMount(stack, job, true)],
    cmd: ['sh', '-c', LIST_SCRIPT], env: { DIR: jobDir(stack, job) }, labels: { [BACKUP_LABEL]: `${stack}/${job.name}` },
  }, `listing the archives of ${job.name}`);
  return parseListing(out);
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
