/**
 * Objects adopted in place (model/adoption.ts) keep their engine names (`shop_web_1`,
 * `shop_default`) until moor replaces them; a replacement gets moor's name and labels, and its
 * record entry is dropped. Pure: from what observe read and the nodes planned so far.
 */
import { entryKey, type AdoptedKind } from '../model/adoption.js';
import { engineName } from '../model/names.js';
import type { ObservedBase } from '../observe/types.js';
import type { PlanContext } from './context.js';
import type { Plan, PlanNode } from './types.js';

function observedOf(ctx: PlanContext, kind: AdoptedKind): ObservedBase[] {
  return kind === 'container' ? ctx.observed.containers : kind === 'network' ? ctx.observed.networks : ctx.observed.volumes;
}

const goes = (n: PlanNode | undefined) => !!n && (n.action === 'replace' || n.action === 'delete' || n.action === 'migrate');

/** The adopted object of a resource, when there is one. */
export function adoptedObject<T extends ObservedBase>(list: T[], resource: string): T | undefined {
  return list.find((o) => o.adopted && o.resource === resource);
}

/** Engine name of an adopted object this plan keeps (so far); undefined for anything else. */
export function adoptedName(ctx: PlanContext, kind: AdoptedKind, resource: string): string | undefined {
  const obs = adoptedObject(observedOf(ctx, kind), resource);
  return obs && !goes(ctx.nodes.get(`${kind}.${resource}`)) ? obs.name : undefined;
}

/** The engine name a resource has once this plan is applied. */
export function nameOf(ctx: PlanContext, kind: AdoptedKind, resource: string): string {
  return adoptedName(ctx, kind, resource) ?? engineName(ctx.desired.name, resource);
}

/** The record as this plan leaves it: entries whose object is still there and is neither replaced nor deleted. */
export function planAdoption(ctx: PlanContext, nodes: PlanNode[]): Plan['adoption'] {
  const record = ctx.observed.adoption;
  if (!record) return undefined;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  // Objects this plan removes, by engine id (a second container of a resource is removed under its own node id).
  const removed = new Set(nodes.flatMap((n) => {
    switch (n.op.type) {
      case 'container.delete': return [n.op.id];
      case 'container.replace': return [n.op.oldId];
      case 'network.delete': case 'network.replace': return [n.op.id];
      case 'volume.delete': case 'volume.replace': case 'volume.migrate': return [n.engineName];
      default: return [];
    }
  }));
  const keep: string[] = [];
  const names: Record<string, string> = {};
  for (const e of record.entries) {
    const obs = observedOf(ctx, e.kind).find((o) => o.adopted && o.id === e.id);
    if (!obs || removed.has(obs.id) || goes(byId.get(entryKey(e)))) continue;
    keep.push(entryKey(e));
    names[entryKey(e)] = obs.name;
  }
  return { generation: record.generation, volumes: record.volumes, entries: record.entries, keep, names };
}

/**
 * destroy: once no adopted object stays, the record goes too — with moor's other bookkeeping
 * (the `ledger` node), so that a destroy finds it even when nothing else is left to remove.
 */
export function dropRecordOnDestroy(ctx: PlanContext, nodes: PlanNode[], adoption: Plan['adoption']): PlanNode[] {
  if (!adoption || ctx.options.mode !== 'destroy' || adoption.keep.length || !adoption.volumes.length) return nodes;
  const ledger = nodes.find((n) => n.id === 'ledger');
  if (ledger?.op.type === 'ledger.delete') {
    const volumes = [...ledger.op.volumes, ...adoption.volumes];
    return nodes.map((n) => (n === ledger ? { ...n, engineName: volumes.join(', '), op: { type: 'ledger.delete', volumes } } : n));
  }
  const containers = ctx.observed.containers.filter((c) => c.owner === 'stack').map((c) => `container.${c.resource ?? c.name}`);
  return [...nodes, {
    id: 'ledger', kind: 'volume', name: '(moor bookkeeping)', engineName: adoption.volumes.join(', '), action: 'delete',
    causes: ['moor bookkeeping, holds no data'], changes: [], dependsOn: [], dependents: containers, op: { type: 'ledger.delete', volumes: adoption.volumes },
  }];
}
