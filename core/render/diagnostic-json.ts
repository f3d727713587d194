/** A diagnostic as moor's JSON outputs spell it (plan JSON, errors under --json). */
import type { Diagnostic } from '../diagnostics.js';

export function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  return {
    severity: d.severity,
    summary: d.summary,
    resource: d.resource ?? null,
    field: d.field ?? null,
    file: d.location?.file ?? null,
    line: d.location?.line ?? null,
    column: d.location?.column ?? null,
    detail: d.detail ?? null,
  };
}
