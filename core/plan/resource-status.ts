/**
 * What `moor ps` shows: each resource of the stack with its engine object(s), their state, and
 * whether they match the stack — read from the plan (drift is the planner's judgement, never
 * a second one made here) and the observed state. Pure: no engine access.
 *
 *   in sync   the plan has nothing to do for it
 *   drifted   the engine no longer matches what moor applied (changed by hand, stopped, removed from a network…)
 *   changed   the stack was edited since the last apply (the engine matches the old version)
 *   missing   declared but not on the engine (never applied, or removed by hand)
 *   extra     on the engine, labelled with the stack, but no longer declared: the next apply removes it
 */
import { byCodePoint } from '../graph.js';
import type { ObservedState } from '../observe/types.js';
import type { ResourceKind } from '../stack/handles.js';
import type { Plan, PlanNode } from './types.js';

export type SyncStatus = 'in sync' | 'drifted' | 'changed' | 'missing' | 'extra';

export interface EngineObjectStatus {
  name: string;
  /** The engine's id (12 hex digits for containers, networks and images; the name for volumes). */
  id: string;
}

export interface ResourceStatus {
  /** `container.web` */
  id: string;
  kind: ResourceKind;
  name: string;
  objects: EngineObjectStatus[];
  /** Containers: running, exited (1), created…; other kinds: present, or '' when missing. */
  state: string;
  health: string | null;
  ports: string[];
  sync: SyncStatus;
  /** Why it is not in sync, in the plan's words. */
  causes: string[];
}

const KIND_ORDER: ResourceKind[] = ['container', 'service', 'image', 'network', 'volume', 'backup'];
const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

export function syncOf(node: PlanNode): SyncStatus {
  switch (node.action) {
    case 'noop': return 'in sync';
    case 'create': return 'missing';
    case 'delete': return 'extra';
    default:
      // A change the stack made is 'change'; anything else the plan found is the engine's doing.
      return node.changes.length > 0 && node.changes.every((c) => c.source === 'change') ? 'changed' : 'drifted';
  }
}

function objectsOf(node: PlanNode, observed: ObservedState): { objects: EngineObjectStatus[]; state: string; health: string | null; ports: string[] } {
  const none = { objects: [], state: '', health: null, ports: [] };
  switch (node.kind) {
    case 'container': {
      // Replicas in their order (`-2` before `-10`).
      const found = observed.containers.filter((c) => c.owner === 'stack' && c.resource === node.name).sort((a, b) => a.name.length - b.name.length || byCodePoint(a.name, b.name));
      if (!found.length) return none;
      return {
        objects: found.map((c) => ({ name: c.name, id: short(c.id) })),
        state: found.map((c) => (c.state === 'exited' && c.exitCode !== null ? `exited (${c.exitCode})` : c.state)).join(', '),
        health: found.map((c) => c.health).find((h) => h) ?? null,
        ports: [...new Set(found.flatMap((c) => c.ports ?? []))],
      };
    }
    case 'network': {
      const found = observed.networks.filter((n) => n.owner === 'stack' && n.resource === node.name);
      return found.length ? { ...none, objects: found.map((n) => ({ name: n.name, id: short(n.id) })), state: 'present' } : none;
    }
    case 'volume': {
      const found = observed.volumes.filter((v) => v.owner === 'stack' && v.resource === node.name);
      return found.length ? { ...none, objects: found.map((v) => ({ name: v.name, id: v.name })), state: 'present' } : none;
    }
    case 'image': {
      const found = observed.images.filter((i) => i.resource === node.name || i.refs.includes(node.engineName));
      return found.length ? { ...none, objects: found.map((i) => ({ name: i.refs[0] ?? node.engineName, id: short(i.id) })), state: 'present' } : none;
    }
    case 'service': {
      const found = (observed.services ?? []).filter((s) => s.owner === 'stack' && s.resource === node.name);
      return found.length
        ? { ...none, objects: found.map((s) => ({ name: s.name, id: short(s.id) })), state: found.map((s) => `${s.tasks.running}/${s.live.replicas} tasks running`).join(', ') }
        : none;
    }
    case 'backup': {
      const found = observed.backups.filter((b) => b.resource === node.name);
      return found.length ? { ...none, objects: found.map((b) => ({ name: b.name, id: b.name })), state: 'present' } : none;
    }
  }
}

/**
 * A container with replicas is one row: its replicas' objects, the status of the replica worst
 * off (missing, drifted, changed, then extra: a scaled-down one), causes prefixed `#N`.
 */
function replicaStatus(nodes: PlanNode[], observed: ObservedState): ResourceStatus {
  const first = nodes[0]!;
  const rank: SyncStatus[] = ['missing', 'drifted', 'changed', 'extra', 'in sync'];
  const sync = nodes.map(syncOf).sort((a, b) => rank.indexOf(a) - rank.indexOf(b))[0]!;
  const causes = nodes.flatMap((n) => (syncOf(n) === 'in sync' ? [] : n.causes.map((c) => `#${n.replica}: ${c.replace(/: drifted$/, '')}`)));
  return { id: `container.${first.name}`, kind: 'container', name: first.name, ...objectsOf(first, observed), sync, causes };
}

export function resourceStatuses(plan: Plan, observed: ObservedState): ResourceStatus[] {
  const replicated = new Map<string, PlanNode[]>();
  for (const n of plan.nodes) if (n.replica !== undefined) replicated.set(n.name, [...(replicated.get(n.name) ?? []), n]);
  return plan.nodes
    .filter((n) => KIND_ORDER.includes(n.kind) && (n.id === `${n.kind}.${n.name}` || (n.replica !== undefined && replicated.get(n.name)![0] === n && !plan.nodes.some((m) => m.id === `container.${n.name}`))))
    .map((node) => {
      if (node.replica !== undefined) return replicaStatus(replicated.get(node.name)!, observed);
      const sync = syncOf(node);
      // 'restart: drifted' reads 'drifted: restart' in ps's column.
      const causes = sync === 'in sync' || sync === 'missing' ? [] : node.causes.map((c) => c.replace(/: drifted$/, ''));
      return { id: node.id, kind: node.kind, name: node.name, ...objectsOf(node, observed), sync, causes };
    })
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || byCodePoint(a.name, b.name));
}
