/** What the per-kind planners share while one plan is being computed. */
import type { Diagnostic } from '../diagnostics.js';
import type { DesiredStack } from '../model/spec.js';
import type { ObservedState } from '../observe/types.js';
import type { PlanNode } from './types.js';

export interface PlanOptions {
  mode: 'apply' | 'destroy';
  /** destroy only: remove volumes too. */
  destroyVolumes?: boolean;
  /** Every volume replacement copies its data across (`--migrate-volumes`). */
  migrateVolumes?: boolean;
  /** Limit the plan to these resource ids and what they depend on (`--target`). */
  targets?: string[];
  /** Replace these resource ids even when nothing changed (`--replace`). */
  replace?: string[];
}

export interface PlanContext {
  desired: DesiredStack;
  observed: ObservedState;
  options: PlanOptions;
  diagnostics: Diagnostic[];
  notes: string[];
  /** Nodes planned so far, by resource id. */
  nodes: Map<string, PlanNode>;
}

export function collision(ctx: PlanContext, kind: string, name: string, engineName: string): void {
  ctx.diagnostics.push({
    severity: 'error',
    summary: `a ${kind} named "${engineName}" already exists on the engine and is not managed by stack "${ctx.desired.name}"; moor will not touch it`,
    resource: `${kind}.${name}`,
    location: ctx.desired.locations[`${kind}.${name}`],
    detail: `Rename the ${kind} in the stack, or remove or rename the existing one yourself.`,
  });
}
