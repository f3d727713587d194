/**
 * plan: a pure, synchronous function from (desired stack, observed state) to a plan.
 * No engine calls, no clock, no randomness: the same inputs always give the same plan.
 */
import { topoSort } from '../graph.js';
import { containerDependencies } from '../stack/normalize.js';
import type { DesiredStack } from '../model/spec.js';
import type { ObservedState } from '../observe/types.js';
import { planContainers } from './container.js';
import type { PlanContext, PlanOptions } from './context.js';
import { planImages } from './image.js';
import { planNetworks } from './network.js';
import type { Plan, PlanNode } from './types.js';
import { planVolumes } from './volume.js';

export type { PlanOptions } from './context.js';

export function planStack(desired: DesiredStack, observed: ObservedState, options: PlanOptions = { mode: 'apply' }): Plan {
  const ctx: PlanContext = { desired, observed, options, diagnostics: [], notes: [], nodes: new Map() };
  const remember = (ns: PlanNode[]) => ns.forEach((n) => ctx.nodes.set(n.id, n));
  remember(planImages(ctx));
  remember(planNetworks(ctx));
  remember(planVolumes(ctx));
  // Containers in dependency order, so a replaced namespace/volumes-from source is known to its users.
  const containerOrder = topoSort(desired.containers.map((c) => ({ id: c.name, dependsOn: containerDependencies(c), spec: c }))).map((n) => n.spec);
  remember(planContainers(ctx, containerOrder));

  return {
    format: 1,
    stack: desired.name,
    mode: options.mode,
    engine: observed.engine,
    nodes: orderNodes([...ctx.nodes.values()]),
    diagnostics: ctx.diagnostics,
    notes: ctx.notes,
  };
}

/** Display order: creations and updates in dependency order, then deletions in reverse dependency order. */
function orderNodes(nodes: PlanNode[]): PlanNode[] {
  const kindRank = { image: 0, network: 1, volume: 2, container: 3 } as const;
  const stable = [...nodes].sort((a, b) => kindRank[a.kind] - kindRank[b.kind] || a.id.localeCompare(b.id));
  const forward = topoSort(stable.filter((n) => n.action !== 'delete'));
  const deletes = topoSort(
    stable.filter((n) => n.action === 'delete').map((n) => ({ ...n, dependsOn: n.dependents })),
  ).map((n) => nodes.find((x) => x.id === n.id)!);
  return [...forward, ...deletes];
}
