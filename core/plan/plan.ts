/**
 * plan: a pure, synchronous function from (desired stack, observed state) to a plan.
 * No engine calls, no clock, no randomness: the same inputs always give the same plan.
 */
import { byCodePoint, topoSort } from '../graph.js';
import { containerDependencies } from '../model/spec.js';
import type { DesiredStack } from '../model/spec.js';
import type { ObservedState } from '../observe/types.js';
import { planContainers } from './container.js';
import type { PlanContext, PlanOptions } from './context.js';
import { planImages } from './image.js';
import { planNetworks } from './network.js';
import { rulesOf } from '../model/lifecycle.js';
import type { Plan, PlanNode } from './types.js';
import { planVolumes } from './volume.js';
import { planBackups } from './backup.js';
import { checkEngineConflicts } from './engine-conflicts.js';
import { planInterrupted } from './intents.js';
import { planServices } from './service.js';
import { dropRecordOnDestroy, planAdoption } from './adopted.js';

export type { PlanOptions } from './context.js';

export function planStack(desired: DesiredStack, observed: ObservedState, options: PlanOptions = { mode: 'apply' }): Plan {
  const ctx: PlanContext = { desired, observed, options, diagnostics: [], notes: [], nodes: new Map() };
  const remember = (ns: PlanNode[]) => ns.forEach((n) => ctx.nodes.set(n.id, n));
  remember(planImages(ctx));
  remember(planNetworks(ctx));
  remember(planVolumes(ctx));
  remember(planInterrupted(ctx));
  // Containers in dependency order, so a replaced namespace/volumes-from source is known to its users.
  const containerOrder = topoSort(desired.containers.map((c) => ({ id: c.name, dependsOn: containerDependencies(c), spec: c }))).map((n) => n.spec);
  remember(planContainers(ctx, containerOrder));
  remember(planServices(ctx));
  remember(planBackups(ctx));
  remember(planLedger(ctx));
  let nodes = ctx.options.targets?.length ? targeted([...ctx.nodes.values()], ctx.options.targets) : [...ctx.nodes.values()];
  checkProtection(ctx, nodes);
  checkEngineConflicts(ctx, nodes);
  const adoption = planAdoption(ctx, nodes);
  nodes = dropRecordOnDestroy(ctx, nodes, adoption);

  return {
    format: 2,
    stack: desired.name,
    mode: options.mode,
    engine: observed.engine,
    nodes: orderNodes(nodes),
    ...(ctx.options.targets?.length ? { targets: [...ctx.options.targets].sort() } : {}),
    refreshed: observed.refreshed,
    diagnostics: ctx.diagnostics,
    notes: ctx.notes,
    ...(adoption ? { adoption } : {}),
    ledger: {
      generation: observed.ledger.generation,
      // Only what this plan removes: with --target, containers left out of it keep their record.
      entries: keptLedgerEntries(observed, nodes),
      volumes: observed.ledger.volumes,
    },
  };
}

/** Entries of containers that still exist and that this plan does not replace or delete. */
function keptLedgerEntries(observed: ObservedState, nodes: PlanNode[]): Plan['ledger']['entries'] {
  const gone = new Set(nodes.flatMap((n) => (n.op.type === 'container.replace' ? [n.op.oldId] : n.op.type === 'container.delete' ? [n.op.id] : [])));
  const present = new Set(observed.containers.map((c) => c.id));
  return Object.fromEntries(Object.entries(observed.ledger.entries).filter(([id]) => present.has(id) && !gone.has(id)));
}

/**
 * --target: the targeted resources, what they need (transitively), and whatever uses a resource in
 * that set that is deleted, replaced or migrated. Everything else is left out of the plan.
 */
function targeted(nodes: PlanNode[], targets: string[]): PlanNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const keep = new Set<string>();
  const queue = nodes.filter((n) => targets.includes(n.id) || targets.includes(n.id.replace(/#.*$/, ''))).map((n) => n.id);
  while (queue.length) {
    const id = queue.pop()!;
    if (keep.has(id)) continue;
    keep.add(id);
    const n = byId.get(id)!;
    for (const dep of n.dependsOn) if (byId.has(dep)) queue.push(dep);
    // Whatever uses a resource that goes away or is replaced moves with it (the planner replaces
    // containers sharing a replaced container's namespace or volumes, whatever the order).
    if (n.action === 'delete' || n.action === 'replace' || n.action === 'migrate') {
      for (const user of n.dependents) if (byId.get(user) && byId.get(user)!.action !== 'noop') queue.push(user);
    }
  }
  return nodes.filter((n) => keep.has(n.id));
}

/** protect: true — the plan refuses to delete or replace the resource, naming the rule and why it would. */
function checkProtection(ctx: PlanContext, nodes: PlanNode[]): void {
  for (const n of nodes) {
    if (n.action !== 'delete' && n.action !== 'replace' && n.action !== 'migrate') continue;
    // Cleaning up after a migration (rolling back, dropping a finished one's marker) leaves the volume be.
    if (n.op.type === 'volume.migrate' && !n.op.steps.includes('stash') && !n.op.steps.includes('drop-old')) continue;
    const id = n.id.replace(/#.*$/, '');
    // A replica (`container.worker#2`) is the resource: replaced or destroyed, it is protected; one scaled down is not.
    const replica = n.replica !== undefined && !n.causes.some((c) => c.startsWith('scaled down'));
    if ((id !== n.id && !replica) || !rulesOf(ctx.desired.lifecycle, id).protect) continue;
    const verb = n.action === 'delete' ? 'delete' : n.action === 'migrate' ? 'migrate (replace)' : 'replace';
    ctx.diagnostics.push({
      severity: 'error', resource: id, field: 'protect', location: ctx.desired.locations[id] ?? { file: ctx.desired.file },
      summary: `${n.kind} ${n.name} is protected (protect: true): this plan would ${verb} it${n.causes.length ? ` (${n.causes.join('; ')})` : ''}`,
      detail: `Nothing was changed. To go ahead, remove protect: true from ${id} in the stack${ctx.options.mode === 'apply' ? ', or, when this run does not need it, limit the run with --target to other resources' : ''}.`,
    });
  }
}

/** destroy removes moor's record of live updates too; it holds no user data. */
function planLedger(ctx: PlanContext): PlanNode[] {
  const volumes = [...ctx.observed.ledger.volumes, ...(ctx.observed.secretKey ? [ctx.observed.secretKey.volume] : [])];
  if (ctx.options.mode !== 'destroy' || volumes.length === 0) return [];
  const containers = ctx.observed.containers.filter((c) => c.owner === 'stack').map((c) => `container.${c.resource ?? c.name}`);
  return [{
    id: 'ledger', kind: 'volume', name: '(moor bookkeeping)', engineName: volumes.join(', '), action: 'delete',
    causes: ['moor bookkeeping, holds no data'], changes: [], dependsOn: [], dependents: containers, op: { type: 'ledger.delete', volumes },
  }];
}

/** Display order: creations and updates in dependency order, then deletions in reverse dependency order. */
function orderNodes(nodes: PlanNode[]): PlanNode[] {
  const kindRank = { image: 0, network: 1, volume: 2, container: 3, service: 4, backup: 5 } as const;
  const stable = [...nodes].sort((a, b) => kindRank[a.kind] - kindRank[b.kind] || byCodePoint(a.id, b.id));
  const forward = topoSort(stable.filter((n) => n.action !== 'delete'));
  const deletes = topoSort(
    stable.filter((n) => n.action === 'delete').map((n) => ({ ...n, dependsOn: n.dependents })),
  ).map((n) => nodes.find((x) => x.id === n.id)!);
  return [...forward, ...deletes];
}
