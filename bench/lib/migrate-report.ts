/** The migration benchmark's results as a markdown table. Pure: data in, text out. */
import { median, pairedRatio, ratio, type Summary } from './stats.js';
import type { ListingTotals } from './volume-check.js';

export type Tool = 'moor' | 'raw';

export interface ToolResult {
  /** Whole process, spawn to exit. */
  total: Summary;
  /** CPU time of the whole machine while the command ran. */
  machineCpu?: Summary;
  /**
   * The two halves of the migration as the tool timed them: stash (copy aside, verify, remove
   * the old volume), restore (create the new volume, copy back, verify, remove the stash).
   */
  stash?: Summary;
  restore?: Summary;
  /** moor's own phases (wall ms, and `<phase>.cpu` for its process's CPU ms), by name. */
  phases?: Record<string, Summary | undefined>;
}

export interface MigrationResult {
  mib: number;
  small: number;
  reps: number;
  totals: ListingTotals;
  tools: Record<Tool, ToolResult>;
}

const sec = (ms: number) => (ms / 1000).toFixed(2);
const cell = (s: Summary | undefined) => (!s ? '?' : s.samples.length > 1 ? `${sec(s.median)} (${sec(s.min)}–${sec(s.max)})` : sec(s.median));
const x = (r: number) => `${r.toFixed(2)}×`;
const both = (a: Summary | undefined, b: Summary | undefined) =>
  a && b ? `${x(ratio(a.median, b.median))} (paired ${x(pairedRatio(a.samples, b.samples))})` : '';
const thousands = (n: number) => n.toLocaleString('en-US');

/** Per run: the whole process minus the two halves; undefined when the tool did not report them. */
function rest(t: ToolResult): Summary | undefined {
  if (!t.stash || !t.restore) return undefined;
  const xs = t.total.samples.map((ms, i) => ms - t.stash!.samples[i]! - t.restore!.samples[i]!);
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), samples: xs };
}

export function renderMigration(r: MigrationResult): string {
  const { moor, raw } = r.tools;
  const mib = r.totals.bytes / 2 ** 20;
  const rate = (s: Summary) => `${(mib / (s.median / 1000)).toFixed(1)} MiB/s`;
  return [
    `#### Volume migration of ${mib.toFixed(1)} MiB (${thousands(r.totals.files)} files, ${thousands(r.totals.directories)} directories, ${thousands(r.totals.entries)} entries); ${r.reps} runs each; seconds, median (min–max)`,
    '',
    '| step | moor `apply --replace data --yes` | raw floor: Engine API + busybox `tar` | moor/raw: ratio of medians (median of per-run ratios) |',
    '|---|---|---|---|',
    `| migration, whole process | ${cell(moor.total)} | ${cell(raw.total)} | ${both(moor.total, raw.total)} |`,
    `| volume data ÷ median time | ${rate(moor.total)} | ${rate(raw.total)} | |`,
    `| stash: copy aside, verify, remove the old volume | ${cell(moor.stash)} | ${cell(raw.stash)} | ${both(moor.stash, raw.stash)} |`,
    `| restore: new volume, copy back, verify, remove the stash | ${cell(moor.restore)} | ${cell(raw.restore)} | ${both(moor.restore, raw.restore)} |`,
    `| everything else: process, plan, container out and back | ${cell(rest(moor))} | ${cell(rest(raw))} | |`,
    `| CPU time of the whole machine during the command (all processes) | ${cell(moor.machineCpu)} | ${cell(raw.machineCpu)} | ${both(moor.machineCpu, raw.machineCpu)} |`,
    '',
    "- stash and restore as each tool times them: moor's progress lines (`data copied aside and verified in …`, `data restored and verified in …`), the raw floor's own clock (bench/raw-migrate.mjs).",
    '',
    ...renderPhases(moor.phases),
  ].join('\n');
}

/** What moor's phases are, in the order they run. */
const PHASES: [string, string][] = [
  ['migrate.discard-stash', 'discard a stash left by an earlier run (none here)'],
  ['migrate.stash', 'stash, the whole step: copy, read-back, manifest file, marker volume (and helpers when through the API)'],
  ['migrate.stash-volume', '— create the stash volume'],
  ['migrate.prove-local', '— proof that the engine is local: a probe file through PUT archive, found at the stash\'s Mountpoint (see volume-data/local.ts)'],
  ['stash.copy.local.scan', '— what to copy: the volume\'s tree walked (lstat, extended attributes), nothing written yet (see volume-data/dir-scan.ts)'],
  ['stash.copy.local', '— copy from the volume\'s directory into the stash\'s, in a worker, nothing hashed (when both are proven local; see volume-data/dir-copy.ts)'],
  ['stash.copy.source.local', '— the volume\'s manifest read from its directory (lstat, sha256), in a worker beside the read-back'],
  ['stash.copy.stream', '— copy: GET archive of the volume → PUT archive into the stash (tee parsed and hashed only when the volume is not read locally)'],
  ['stash.copy.source', '— the volume\'s manifest through GET archive (only when the local read failed)'],
  ['stash.copy.read-back', '— read-back of the stash, compared: from its directory when the engine is local, else GET archive parsed and hashed'],
  ['stash.copy.read-back.local', '— — of which read from the directory'],
  ['migrate.manifest-file', '— manifest.json written into the stash, during its read-back (from its directory when local, else through a helper)'],
  ['migrate.marker', '— the -ok marker volume, once the stash read back identical'],
  ['migrate.drop-old', 'remove the old volume'],
  ['migrate.create-new', 'create the new volume'],
  ['migrate.restore', 'restore, the whole step: marker and manifest read, copy, read-back (and helpers when through the API)'],
  ['migrate.manifest-read', '— manifest.json read from the stash (from its directory when local, else through a helper)'],
  ['restore.copy.local.scan', '— what to copy: the stash\'s tree walked'],
  ['restore.copy.local', '— copy from the stash\'s directory into the new volume\'s, in a worker (when both are proven local)'],
  ['restore.copy.stream', '— copy: GET archive of the stash → PUT archive into the new volume (not parsed: the stash is verified)'],
  ['restore.copy.read-back', '— read-back of the new volume, compared with the stash manifest: from its directory when local, else GET archive parsed and hashed'],
  ['restore.copy.read-back.local', '— — of which read from the directory'],
  ['migrate.drop-stash', 'remove the stash and the marker'],
];

function renderPhases(phases: Record<string, Summary | undefined> | undefined): string[] {
  if (!phases || !Object.keys(phases).length) return [];
  const rows = PHASES.filter(([k]) => phases[k]).map(([k, words]) => `| ${words} | ${cell(phases[k])} | ${cell(phases[`${k}.cpu`])} |`);
  return [
    "moor's phases (MOOR_PHASE_TIMES=1: its own clock, and the CPU time of its process — all threads — in the phase; seconds, median (min–max)):",
    '',
    '| phase | wall | moor process CPU |',
    '|---|---|---|',
    ...rows,
    '',
  ];
}
