/** What `moor backup` prints: run summaries, archive lists, restore plans. */
import type { ListedArchive } from '../backup/list.js';
import type { RestorePlan } from '../backup/restore.js';
import type { RunResult } from '../backup/run.js';
import { showUsage } from './plan-text.js';

export function runLine(job: string, r: RunResult): string {
  const a = r.archive;
  const pruned = r.pruned.length ? `; pruned ${r.pruned.length} (${r.pruned.join(', ')})` : '; nothing to prune';
  return `${job}: archive ${a.archive} verified (${showUsage({ bytes: a.bytes, files: a.entries })}, ${showUsage({ bytes: a.archiveBytes, files: null })} on disk) in ${(r.ms / 1000).toFixed(1)}s${pruned}`;
}

function status(a: ListedArchive): string {
  if (!a.summary) return a.files.some((f) => f.name.endsWith('.part')) ? 'incomplete (the run did not finish)' : 'no manifest';
  return a.summary.status === 'verified' ? 'verified' : `FAILED: ${a.summary.reason ?? ''}`;
}

export function archiveTable(job: string, archives: ListedArchive[]): string {
  if (!archives.length) return `${job}: no archives yet`;
  const rows = archives.map((a) => {
    const onDisk = a.files.find((f) => /\.tar(\.gz)?$/.test(f.name))?.bytes ?? a.summary?.archiveBytes ?? 0;
    return [a.id, a.time.toISOString().replace('.000Z', 'Z'), showUsage({ bytes: onDisk, files: null }), a.summary ? a.summary.entries.toLocaleString('en-US') : '?', status(a)];
  });
  const head = ['ARCHIVE', 'TIME (UTC)', 'SIZE', 'ENTRIES', 'STATUS'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [`${job}:`, line(head), ...rows.map(line)].join('\n');
}

export function archiveJson(job: string, a: ListedArchive): Record<string, unknown> {
  return {
    job,
    id: a.id,
    time: a.time.toISOString(),
    files: a.files,
    status: a.summary?.status ?? 'incomplete',
    ...(a.summary ? { volumes: a.summary.volumes, entries: a.summary.entries, files_count: a.summary.files, bytes: a.summary.bytes, archive_bytes: a.summary.archiveBytes, sha256: a.summary.archiveSha256, ...(a.summary.archiveTreeSha256 ? { tree_sha256: a.summary.archiveTreeSha256 } : {}), compression: a.summary.compression } : {}),
    ...(a.summary?.reason ? { reason: a.summary.reason } : {}),
  };
}

export function restorePlanText(job: string, p: RestorePlan): string {
  const a = p.archive;
  const lines = [
    `Restore archive ${a.id} of job ${job} (${a.time.toISOString()}${a.summary ? `, ${showUsage({ bytes: a.summary.bytes, files: a.summary.entries })}` : ''}):`,
    ...p.into.map((i) => `  volume ${i.engineVolume}: its current contents are deleted and replaced by ${i.volume}/ of the archive`),
    p.stop.length ? `  containers stopped during the restore and started again after: ${p.stop.join(', ')}` : '  no running container uses these volumes',
  ];
  return lines.join('\n');
}
