/** The plan as JSON for machines. The schema is versioned: see docs/plan-json.md. */
import type { Plan } from '../plan/types.js';
import { summarize } from '../plan/types.js';
import { actionSymbol } from './plan-text.js';
import { diagnosticJson } from './diagnostic-json.js';

export const PLAN_JSON_VERSION = '2';

export function planToJson(plan: Plan): Record<string, unknown> {
  return {
    format_version: PLAN_JSON_VERSION,
    stack: plan.stack,
    mode: plan.mode,
    engine: { ...(plan.engine.endpoint !== undefined ? { endpoint: plan.engine.endpoint } : {}), version: plan.engine.version, api_version: plan.engine.apiVersion, ...(plan.engine.podman ? { podman: true } : {}) },
    summary: summarize(plan),
    partial: !!plan.targets,
    targets: plan.targets ?? [],
    refreshed: plan.refreshed,
    resources: plan.nodes.map((n) => ({
      id: n.id,
      kind: n.kind,
      name: n.name,
      engine_name: n.engineName,
      action: n.action,
      symbol: actionSymbol(n).trim(),
      ...(n.op.type === 'container.replace' ? { replace_order: n.op.order } : {}),
      // One node per replica of a container with replicas: `container.worker#2`; `resource` is what --target takes.
      ...(n.replica !== undefined ? { resource: n.id.replace(/#.*$/, ''), replica: n.replica } : {}),
      ...(n.replicas ? { replicas: n.replicas } : {}),
      causes: n.causes,
      data_loss: !!n.dataLoss,
      ...(n.dataLossAllowed ? { data_loss_allowed_by: n.dataLossAllowed } : {}),
      ...(n.dataAtStake ? { data_at_stake: n.dataAtStake } : {}),
      ...(n.op.type === 'volume.migrate' ? { migration_steps: n.op.steps } : {}),
      ...(n.dataHome ? { data_home: n.dataHome } : {}),
      ...(n.op.type === 'volume.repair' ? { repair: { restarts: n.op.restart } } : {}),
      depends_on: n.dependsOn,
      changes: n.changes.map((c) => ({
        path: c.path,
        before: c.before,
        after: c.after,
        forces_replacement: c.forcesReplacement,
        source: c.source,
        ...(c.sensitive ? { sensitive: true } : {}),
        ...(c.note ? { note: c.note } : {}),
      })),
    })),
    notes: plan.notes,
    diagnostics: plan.diagnostics.map(diagnosticJson),
  };
}
