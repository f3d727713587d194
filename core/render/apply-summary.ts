/** The last word of an apply: exactly what was done and what was not. */
import type { ApplyResult, StepResult } from '../apply/apply.js';
import { isRetryable } from '../apply/failure.js';
import { stepResource } from '../plan/schedule.js';
import type { Style } from './style.js';

export function renderApplySummary(result: ApplyResult, style: Style, verb = 'Apply'): string {
  const done = result.steps.filter((s) => s.outcome.status === 'done');
  const failed = result.steps.filter((s) => s.outcome.status === 'failed');
  const skipped = result.steps.filter((s) => s.outcome.status === 'skipped');
  // Counted per resource as the plan counts them: a delete-first replacement is one "replaced".
  const finished = (action: string) => new Set(done.filter((s) => s.action === action && ((action !== 'replace' && action !== 'migrate') || s.phase !== 'destroy')).map((s) => s.resource)).size;
  const migrated = finished('migrate');
  const parts = `${finished('create')} created, ${finished('update')} updated, ${finished('replace')} replaced, ${migrated ? `${migrated} migrated, ` : ''}${finished('delete')} removed`;
  if (result.ok) return style.create(`${verb} complete: ${parts}.`);
  if (result.interrupted) return renderInterrupted(result, style, verb, parts);
  const lines = [style.error(`${verb} incomplete: ${parts}; ${failed.length} failed, ${skipped.length} not attempted.`)];
  for (const f of failed) {
    const e = f.outcome.status === 'failed' ? f.outcome.error : undefined;
    lines.push(`  failed:  ${f.resource} (${f.phase}): ${(e as Error)?.message ?? String(e)}`);
  }
  for (const s of skipped) {
    if (s.outcome.status === 'skipped') lines.push(`  skipped: ${s.resource} (${s.phase}), because ${stepResource(s.outcome.because)} failed`);
  }
  // A failed pull or build leaves nothing behind; a failed container step may have (a created container).
  if (done.length === 0 && failed.every((f) => f.resource.startsWith('image.') && f.phase !== 'destroy')) lines.push('Nothing on the engine was changed.');
  lines.push(advice(failed, verb));
  return lines.join('\n');
}

/** After Ctrl-C: what was done, what failed, what was not started, and that a re-run converges. */
function renderInterrupted(result: ApplyResult, style: Style, verb: string, parts: string): string {
  const cancelled = result.steps.filter((s) => s.outcome.status === 'cancelled' || s.outcome.status === 'skipped');
  const failed = result.steps.filter((s) => s.outcome.status === 'failed');
  const lines = [style.warn(`${verb} interrupted: ${parts}; ${failed.length} failed, ${cancelled.length} not started.`)];
  for (const f of failed) {
    const e = f.outcome.status === 'failed' ? f.outcome.error : undefined;
    lines.push(`  failed:      ${f.resource} (${f.phase}): ${(e as Error)?.message ?? String(e)}`);
  }
  for (const s of cancelled) lines.push(`  not started: ${s.resource} (${s.phase})`);
  lines.push(`Run the same command again to ${verb === 'Destroy' ? 'finish removing the stack' : 'converge'}: it picks up where this one stopped.`);
  return lines.join('\n');
}

/** A re-run only helps when every failure was passing (unreachable engine, timeout, lock); otherwise say what to fix. */
function advice(failed: StepResult[], verb: string): string {
  const errorOf = (s: StepResult) => (s.outcome.status === 'failed' ? s.outcome.error : undefined);
  const passing = failed.filter((s) => isRetryable(errorOf(s)));
  if (failed.length > 0 && passing.length === failed.length) return 'Run the same command again to converge what is left.';
  const fix = `Running the same command again would fail the same way: fix what the failures above name (the stack, or what is in its way on the engine), then ${verb.toLowerCase()} again.`;
  if (passing.length === 0) return fix;
  return `${fix}\nThe failures of ${passing.map((s) => s.resource).join(', ')} may pass on a re-run.`;
}
