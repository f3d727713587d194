/**
 * `apply --json` / `destroy --json`: JSON lines on stdout, one object per line, each with a
 * `type`: "plan" (the plan, as `plan --json` prints it), "step" (a step started or ended),
 * "summary" (what was done), "error" (see cli/main.ts). Documented in docs/cli.md.
 */
import type { ApplyResult } from '../apply/apply.js';
import type { WalkOutcome } from '../graph.js';
import type { Plan } from '../plan/types.js';
import type { Step } from '../plan/schedule.js';
import { planToJson } from './plan-json.js';

export function planEvent(plan: Plan): Record<string, unknown> {
  return { type: 'plan', plan: planToJson(plan) };
}

export function stepStartEvent(step: Step): Record<string, unknown> {
  return { type: 'step', event: 'start', step: step.id, resource: step.node.id, action: step.node.action, phase: step.phase };
}

export function stepEndEvent(step: Step, outcome: WalkOutcome, ms: number): Record<string, unknown> {
  return {
    type: 'step', event: 'end', step: step.id, resource: step.node.id, action: step.node.action, phase: step.phase,
    outcome: outcome.status, ms: Math.round(ms),
    ...(outcome.status === 'failed' ? { error: (outcome.error as Error)?.message ?? String(outcome.error) } : {}),
    ...(outcome.status === 'skipped' ? { because: outcome.because } : {}),
  };
}

export function summaryEvent(result: ApplyResult | null): Record<string, unknown> {
  if (!result) return { type: 'summary', ok: true, interrupted: false, changes: false, steps: { done: 0, failed: 0, skipped: 0, cancelled: 0 } };
  const count = (s: WalkOutcome['status']) => result.steps.filter((x) => x.outcome.status === s).length;
  return {
    type: 'summary', ok: result.ok, interrupted: result.interrupted, changes: true,
    steps: { done: count('done'), failed: count('failed'), skipped: count('skipped'), cancelled: count('cancelled') },
  };
}
