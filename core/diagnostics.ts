/**
 * Diagnostics: user-facing problems collected and shown together, never thrown one at a time.
 * A diagnostic names where (stack file, line, resource, field) and what is wrong.
 */
import { MoorError } from './errors.js';
export type Severity = 'error' | 'warning';

export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export interface Diagnostic {
  severity: Severity;
  summary: string;
  /** `container.db`, `network.backend`, … when the problem belongs to one resource. */
  resource?: string;
  /** Attribute path inside the resource, e.g. `ports[0].host`. */
  field?: string;
  location?: SourceLocation;
  detail?: string;
}

export function error(summary: string, extra: Omit<Diagnostic, 'severity' | 'summary'> = {}): Diagnostic {
  return { severity: 'error', summary, ...extra };
}

export function warning(summary: string, extra: Omit<Diagnostic, 'severity' | 'summary'> = {}): Diagnostic {
  return { severity: 'warning', summary, ...extra };
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}

/** Raised when diagnostics stop a command; the CLI prints them all and exits 1. */
export class DiagnosticsError extends MoorError {
  constructor(readonly diagnostics: Diagnostic[], message = 'the stack has errors') {
    super(message);
    this.name = 'DiagnosticsError';
  }
}

export function formatLocation(loc: SourceLocation | undefined): string {
  if (!loc) return '';
  if (loc.line === undefined) return loc.file;
  return `${loc.file}:${loc.line}${loc.column === undefined ? '' : `:${loc.column}`}`;
}
