/**
 * Replicas on one engine: which observed container stands for which replica of a container
 * resource, and what dependents wait for. Replica i is named `<stack>-<name>-i` (when replicas > 1)
 * or `<stack>-<name>` (1, as before replicas existed); the unsuffixed name is replica 1, so going
 * from 1 to N renames the running container to `-1` and going back renames `-1`.
 */
import { engineName, replicaBase, replicaIndex } from '../model/names.js';
import type { ContainerSpec } from '../model/spec.js';
import type { ObservedContainer } from '../observe/types.js';
import type { PlanContext } from './context.js';
import type { WaitFor } from './types.js';
import { nameOf } from './adopted.js';

export interface ReplicaSlot {
  index: number;
  obs: ObservedContainer | undefined;
}

/**
 * One slot per replica wanted, with the owned container that fills it (claimed). The container
 * named for the index fills its slot; replica 1 also takes the unsuffixed name (scaling up from
 * one) and, with one replica, `-1` (scaling down to one); a container renamed by hand or adopted
 * fills a slot still empty. Containers left unclaimed are deleted by the caller (scaled down).
 */
export function replicaSlots(ctx: PlanContext, want: ContainerSpec, owned: ObservedContainer[], claimed: Set<string>): ReplicaSlot[] {
  const stack = ctx.desired.name;
  const replicas = want.replicas ?? 1;
  const mine = owned.filter((c) => c.resource === want.name && !claimed.has(c.id));
  const slots: ReplicaSlot[] = [];
  const take = (c: ObservedContainer | undefined) => { if (c) claimed.add(c.id); return c; };
  for (let index = 1; index <= replicas; index++) {
    const exact = engineName(stack, replicaBase(want.name, index, replicas));
    const free = mine.filter((c) => !claimed.has(c.id));
    const named = free.find((c) => c.name === exact) ?? (index === 1 ? free.find((c) => replicaIndex(stack, want.name, c.name) === 1) : undefined);
    slots.push({ index, obs: take(named) });
  }
  // Adopted as a replica (model/adoption.ts): its own slot, when still empty.
  for (const slot of slots) slot.obs ??= take(mine.find((c) => !claimed.has(c.id) && c.adoptedReplica === slot.index));
  // Renamed by hand or adopted (no replica name): the first empty slots.
  for (const slot of slots) {
    if (slot.obs) continue;
    const other = mine.find((c) => !claimed.has(c.id) && (c.adopted || replicaIndex(stack, want.name, c.name) === null));
    slot.obs = take(other);
  }
  return slots;
}

/** The replica an owned container stands for: the one it was adopted as, else the one its name says. */
export function replicaOf(stack: string, c: ObservedContainer): number | null {
  return c.adoptedReplica ?? (c.resource ? replicaIndex(stack, c.resource, c.name) : null);
}

/** What a container waits for before it starts: every replica of each container it depends on. */
export function waitsOf(ctx: PlanContext, want: ContainerSpec): WaitFor[] {
  return want.dependsOn.flatMap((d) => {
    const replicas = ctx.desired.containers.find((c) => c.name === d.container)?.replicas ?? 1;
    if (replicas === 1) return [{ container: nameOf(ctx, 'container', d.container), resource: d.container, condition: d.condition }];
    // Planned before its dependents: the name each replica has once applied (an adopted one keeps its own).
    return Array.from({ length: replicas }, (_, i) => ({
      container: ctx.nodes.get(`container.${d.container}#${i + 1}`)?.engineName ?? engineName(ctx.desired.name, replicaBase(d.container, i + 1, replicas)),
      resource: d.container, condition: d.condition,
    }));
  });
}

/**
 * How many replicas a container resource had: `applied`, the count its labels say moor last
 * applied (the highest: replicas scaled down keep the labels of their creation); `before`, that
 * count as far as the engine still has it (the highest replica present), for the plan's
 * `3 → 5 replicas`. 0 when none is on the engine.
 */
export function replicaCounts(ctx: PlanContext, want: ContainerSpec, owned: ObservedContainer[]): { before: number; applied: number } {
  const mine = owned.filter((c) => c.resource === want.name);
  if (!mine.length) return { before: 0, applied: 0 };
  const applied = Math.max(...mine.map((c) => c.spec?.replicas ?? 1));
  const highest = Math.max(...mine.map((c) => replicaOf(ctx.desired.name, c) ?? 1));
  return { before: Math.min(applied, highest), applied };
}
