/** The last word of an apply: exactly what was done and what was not. */
import type { ApplyResult } from '../apply/apply.js';
import { stepResource } from '../plan/schedule.js';
import type { Style } from './style.js';

export function renderApplySummary(result: ApplyResult, style: Style, verb = 'Apply'): string {
  const done = result.steps.filter((s) => s.outcome.status === 'done');
  const failed = result.steps.filter((s) => s.outcome.status === 'failed');
  const skipped = result.steps.filter((s) => s.outcome.status === 'skipped');
  const count = (phase: string) => done.filter((s) => s.phase === phase).length;
  const parts = `${count('create')} created, ${count('update')} updated, ${count('replace')} replaced, ${count('destroy')} removed`;
  if (result.ok) return style.create(`${verb} complete: ${parts}.`);
  const lines = [style.error(`${verb} incomplete: ${parts}; ${failed.length} failed, ${skipped.length} not attempted.`)];
  for (const f of failed) {
    const e = f.outcome.status === 'failed' ? f.outcome.error : undefined;
    lines.push(`  failed:  ${f.resource} (${f.phase}): ${(e as Error)?.message ?? String(e)}`);
  }
  for (const s of skipped) {
    if (s.outcome.status === 'skipped') lines.push(`  skipped: ${s.resource} (${s.phase}), because ${stepResource(s.outcome.because)} failed`);
  }
  lines.push('Run the same command again to converge what is left.');
  return lines.join('\n');
}
