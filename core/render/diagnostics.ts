/** Diagnostics as people read them: where, which resource and field, what is wrong. */
import path from 'node:path';
import { formatLocation, type Diagnostic } from '../diagnostics.js';
import type { Style } from './style.js';

export function renderDiagnostic(d: Diagnostic, style: Style, cwd = process.cwd()): string {
  const loc = d.location ? { ...d.location, file: path.relative(cwd, d.location.file) || d.location.file } : undefined;
  const where = [formatLocation(loc), d.resource ? `${d.resource}${d.field ? ` › ${d.field}` : ''}` : d.field].filter(Boolean).join(' ');
  const head = d.severity === 'error' ? style.error('error') : style.warn('warning');
  const lines = [`${head}: ${where ? `${where}: ` : ''}${d.summary}`];
  if (d.detail) lines.push(...d.detail.split('\n').map((l) => `  ${style.dim(l)}`));
  return lines.join('\n');
}

export function renderDiagnostics(diags: readonly Diagnostic[], style: Style): string {
  const sorted = [...diags].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  const errors = diags.filter((d) => d.severity === 'error').length;
  const out = sorted.map((d) => renderDiagnostic(d, style));
  if (errors > 0) out.push(`${errors} error${errors === 1 ? '' : 's'}; nothing was changed.`);
  return out.join('\n');
}
