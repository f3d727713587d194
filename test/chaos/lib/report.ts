/**
 * Results of the chaos suite and the table it prints. A row is one scenario; its figures are what
 * the targets are about: every try converged, no orphan, no byte lost, and for bad input
 * no mutating engine call and a proper diagnostic.
 */

export interface Failure {
  /** The crash point or input that failed, e.g. `k=7 after SIGKILL` or `bad-stacks/gateway.ts`. */
  what: string;
  symptom: string;
}

export interface Row {
  family: string;
  scenario: string;
  tried: number;
  converged: number;
  /** Orphan objects found, summed over the tries. */
  orphans: number;
  bytesLost: number;
  /** Declared containers found not running after the recovery, summed over the tries. */
  stopped: number;
  /** Bad input only: mutating engine calls, summed. */
  mutations?: number;
  /** Bad input only: tries whose diagnostic was as expected. */
  diagnosed?: number;
  failures: Failure[];
  /** A note for the table, e.g. the clean run's mutation count. */
  note?: string;
}

export function newRow(family: string, scenario: string, note?: string): Row {
  return { family, scenario, tried: 0, converged: 0, orphans: 0, bytesLost: 0, stopped: 0, failures: [], note };
}

export function rowMissed(r: Row): boolean {
  if (r.mutations !== undefined) return r.mutations > 0 || r.diagnosed !== r.tried || r.failures.length > 0;
  return r.tried === 0 || r.converged !== r.tried || r.orphans > 0 || r.bytesLost > 0 || r.stopped > 0 || r.failures.length > 0;
}

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`).join('\n');
}

/** A markdown table (so it can go into docs/reliability.md as printed). */
export function table(rows: Row[]): string {
  const head = ['scenario', 'tried', 'converged', 'orphans', 'stopped', 'data lost / mutations', 'ok', 'note'];
  const cells = rows.map((r) => [
    `${r.family}: ${r.scenario}`,
    String(r.tried),
    r.mutations !== undefined ? `${r.diagnosed}/${r.tried} diagnosed` : `${r.converged}/${r.tried}`,
    r.mutations !== undefined ? '–' : String(r.orphans),
    r.mutations !== undefined ? '–' : String(r.stopped),
    r.mutations !== undefined ? `${r.mutations} mutations` : `${r.bytesLost} B`,
    rowMissed(r) ? 'MISSED' : 'ok',
    r.note ?? '',
  ]);
  const all = [head, ...cells];
  const text = pad(all).split('\n');
  const sep = `|${all[0]!.map((_, i) => '-'.repeat(Math.max(...all.map((r) => r[i]!.length)) + 2)).join('|')}|`;
  return [text[0], sep, ...text.slice(1)].join('\n');
}

export function failureList(rows: Row[]): string {
  const out: string[] = [];
  for (const r of rows) {
    if (!r.failures.length) continue;
    out.push(`${r.family}: ${r.scenario}`);
    for (const f of r.failures) out.push(`  - ${f.what}: ${f.symptom}`);
  }
  return out.join('\n');
}
