/** The import report: what was left out, what maps with a difference, and what needed no mapping. */
import { showLoc, type ReportItem } from './types.js';

const byPlace = (a: ReportItem, b: ReportItem) =>
  (a.loc?.file ?? '').localeCompare(b.loc?.file ?? '') || (a.loc?.line ?? 0) - (b.loc?.line ?? 0) || a.key.localeCompare(b.key);

function rows(items: ReportItem[], base: string): string[] {
  const cells = items.map((i) => [showLoc(i.loc, base) || '-', i.key, i.why] as const);
  const w0 = Math.max(...cells.map((c) => c[0].length));
  return cells.map(([l, k, why]) => `  ${l.padEnd(w0)}  ${k}: ${why}`);
}

export interface ReportSummary {
  sources: string[];
  stackName: string;
  counts: { containers: number; images: number; networks: number; volumes: number };
}

/** The report's lines (also the comment block at the top of the generated file). */
export function renderReport(items: ReportItem[], base: string, summary: ReportSummary): string[] {
  const left = items.filter((i) => i.kind === 'left-out').sort(byPlace);
  const notes = items.filter((i) => i.kind === 'note').sort(byPlace);
  const infos = items.filter((i) => i.kind === 'info').sort(byPlace);
  const c = summary.counts;
  const lines = [
    `Imported from ${summary.sources.join(', ')} by \`moor import compose\` (stack "${summary.stackName}":`,
    `${c.containers} container${c.containers === 1 ? '' : 's'}, ${c.images} built image${c.images === 1 ? '' : 's'}, ${c.networks} network${c.networks === 1 ? '' : 's'}, ${c.volumes} volume${c.volumes === 1 ? '' : 's'}).`,
    'Engine objects are named <stack>-<name> (compose: <project>_<name>): existing compose volumes are not reused.',
  ];
  lines.push('', left.length ? `Left out (${left.length}) — not in this stack:` : 'Left out: nothing — every compose key is mapped.');
  if (left.length) lines.push(...rows(left, base));
  if (notes.length) lines.push('', `Mapped with a difference (${notes.length}):`, ...rows(notes, base));
  if (infos.length) lines.push('', `Nothing lost (${infos.length}):`, ...rows(infos, base));
  return lines;
}

/** Exit code of `moor import compose`: 0 everything mapped, 3 something was left out. */
export const EXIT_LEFT_OUT = 3;

export function hasLeftOut(items: ReportItem[]): boolean {
  return items.some((i) => i.kind === 'left-out');
}
