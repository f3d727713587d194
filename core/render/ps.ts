/** `moor ps` as a table for people and as JSON for machines. Colour is a parameter. */
import type { ResourceStatus } from '../plan/resource-status.js';
import type { Style } from './style.js';

/** A row of `moor ps --stack NAME`: from the engine's labels only, so whether it matches the stack is unknown (null). */
export type PsRow = Omit<ResourceStatus, 'sync'> & { sync: ResourceStatus['sync'] | null };

function syncText(r: PsRow, style: Style): string {
  if (r.sync === null) return '-';
  const why = r.causes.length ? `: ${r.causes.join('; ')}` : '';
  switch (r.sync) {
    case 'in sync': return style.create(r.sync);
    case 'missing': return style.remove(r.sync);
    case 'extra': return style.warn('not in the stack') + why;
    default: return style.update(r.sync) + why;
  }
}

/** One line per engine object (a resource with none has one line, with its status). */
export function renderPs(stack: string, rows: PsRow[], style: Style): string {
  if (!rows.length) return `stack ${stack} has no resources on the engine`;
  const lines: { cells: string[]; status: string }[] = [];
  for (const r of rows) {
    const objects = r.objects.length ? r.objects : [{ name: '-', id: '' }];
    objects.forEach((o, i) => {
      const object = o.id && o.id !== o.name ? `${o.name} (${o.id})` : o.name;
      lines.push({ cells: [i === 0 ? r.id : '', object, r.state || '-', r.health ?? '-', r.ports.join(', ') || '-'], status: i === 0 ? syncText(r, style) : '' });
    });
  }
  const head = ['RESOURCE', 'ENGINE OBJECT', 'STATE', 'HEALTH', 'PORTS'];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l.cells[i]!.length)));
  // Padded on plain text; the status, the only coloured cell, comes last.
  const row = (cells: string[], last: string) => `${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}  ${last}`.trimEnd();
  return [style.bold(row(head, 'STACK')), ...lines.map((l) => row(l.cells, l.status))].join('\n');
}

export function psJson(stack: string, rows: PsRow[]): Record<string, unknown> {
  return {
    stack,
    resources: rows.map((r) => ({ id: r.id, kind: r.kind, name: r.name, objects: r.objects, state: r.state || null, health: r.health, ports: r.ports, sync: r.sync, causes: r.causes })),
  };
}
