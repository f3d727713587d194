/**
 * The one dependency-graph utility: topological order with a readable cycle error, and a
 * bounded-concurrency walker that runs a vertex once its dependencies succeeded and skips
 * (once, naming the failed upstream) everything downstream of a failure.
 */
import { MoorError } from './errors.js';

export interface GraphNode {
  id: string;
  dependsOn: readonly string[];
}

export class CycleError extends MoorError {
  constructor(readonly cycle: string[]) {
    super(`dependency cycle: ${cycle.join(' → ')}`);
    this.name = 'CycleError';
  }
}

/** Stable topological order (ties keep input order). Unknown dependency ids are ignored. */
export function topoSort<N extends GraphNode>(nodes: readonly N[]): N[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const state = new Map<string, 'visiting' | 'done'>();
  const out: N[] = [];
  const stack: string[] = [];
  const visit = (node: N) => {
    const s = state.get(node.id);
    if (s === 'done') return;
    if (s === 'visiting') {
      const start = stack.indexOf(node.id);
      throw new CycleError([...stack.slice(start), node.id]);
    }
    state.set(node.id, 'visiting');
    stack.push(node.id);
    for (const dep of node.dependsOn) {
      const d = byId.get(dep);
      if (d) visit(d);
    }
    stack.pop();
    state.set(node.id, 'done');
    out.push(node);
  };
  for (const n of nodes) visit(n);
  return out;
}

/**
 * Every cycle of the graph, one per strongly connected component (Tarjan), each as a path that
 * starts and ends at the same id, in input order. A topological sort stops at the first; a
 * diagnostic should name them all.
 */
export function findCycles(nodes: readonly GraphNode[]): string[][] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const connect = (id: string) => {
    index.set(id, next);
    low.set(id, next++);
    stack.push(id);
    onStack.add(id);
    for (const dep of byId.get(id)!.dependsOn) {
      if (!byId.has(dep)) continue;
      if (!index.has(dep)) {
        connect(dep);
        low.set(id, Math.min(low.get(id)!, low.get(dep)!));
      } else if (onStack.has(dep)) low.set(id, Math.min(low.get(id)!, index.get(dep)!));
    }
    if (low.get(id) !== index.get(id)) return;
    const component: string[] = [];
    let popped: string;
    do {
      popped = stack.pop()!;
      onStack.delete(popped);
      component.push(popped);
    } while (popped !== id);
    const selfLoop = component.length === 1 && byId.get(id)!.dependsOn.includes(id);
    if (component.length > 1 || selfLoop) components.push(component);
  };
  for (const n of nodes) if (!index.has(n.id)) connect(n.id);
  const order = new Map(nodes.map((n, i) => [n.id, i]));
  return components
    .map((c) => cycleWithin(byId, new Set(c), [...c].sort((a, b) => order.get(a)! - order.get(b)!)[0]!))
    .sort((a, b) => order.get(a[0]!)! - order.get(b[0]!)!);
}

/** A path from `start` back to itself inside one strongly connected component (depth-first). */
function cycleWithin(byId: Map<string, GraphNode>, component: Set<string>, start: string): string[] {
  const path = [start];
  const seen = new Set([start]);
  const search = (id: string): boolean => {
    for (const dep of byId.get(id)!.dependsOn) {
      if (dep === start) return path.push(start), true;
      if (!component.has(dep) || seen.has(dep)) continue;
      seen.add(dep);
      path.push(dep);
      if (search(dep)) return true;
      path.pop();
    }
    return false;
  };
  search(start);
  return path;
}

export type WalkOutcome =
  | { status: 'done' }
  | { status: 'failed'; error: unknown }
  | { status: 'skipped'; because: string }
  /** Not started: the walk was told to stop (an interrupt). */
  | { status: 'cancelled' };

/**
 * Run `work` for every node, dependencies first, at most `concurrency` at a time.
 * A node whose dependency failed or was skipped is skipped with the id of the root failure.
 */
export async function walk<N extends GraphNode>(
  nodes: readonly N[],
  concurrency: number,
  /** `release()` gives the node's concurrency slot back while it only waits (a swarm rollout), before it ends. */
  work: (node: N, release: () => void) => Promise<void>,
  onOutcome?: (node: N, outcome: WalkOutcome) => void,
  /** Asked before each node starts: once it says stop, nothing new starts and the rest is cancelled. */
  shouldStop: () => boolean = () => false,
): Promise<Map<string, WalkOutcome>> {
  const ordered = topoSort(nodes);
  const ids = new Set(ordered.map((n) => n.id));
  const outcomes = new Map<string, WalkOutcome>();
  const pending = new Set(ordered);
  /** Nodes holding a concurrency slot; inFlight also counts those that released theirs. */
  let running = 0;
  let inFlight = 0;

  return new Promise((resolve) => {
    const settle = (node: N, outcome: WalkOutcome) => {
      outcomes.set(node.id, outcome);
      onOutcome?.(node, outcome);
    };
    const pump = () => {
      let progressed = true;
      while (progressed) {
        progressed = false;
        for (const node of pending) {
          if (shouldStop()) {
            pending.delete(node);
            settle(node, { status: 'cancelled' });
            progressed = true;
            continue;
          }
          const deps = node.dependsOn.filter((d) => ids.has(d));
          const blocked = deps.map((d) => outcomes.get(d)).find((o) => o && o.status !== 'done');
          if (blocked) {
            pending.delete(node);
            const upstream = deps.find((d) => outcomes.get(d) === blocked)!;
            const root = blocked.status === 'skipped' ? blocked.because : upstream;
            settle(node, { status: 'skipped', because: root });
            progressed = true;
            continue;
          }
          if (running >= concurrency) continue;
          if (!deps.every((d) => outcomes.get(d)?.status === 'done')) continue;
          pending.delete(node);
          running++;
          inFlight++;
          progressed = true;
          let held = true;
          const release = () => {
            if (!held) return;
            held = false;
            running--;
            queueMicrotask(pump);
          };
          work(node, release).then(
            () => settle(node, { status: 'done' }),
            (error: unknown) => settle(node, { status: 'failed', error }),
          ).finally(() => {
            inFlight--;
            if (held) { held = false; running--; }
            pump();
          });
        }
      }
      if (pending.size === 0 && inFlight === 0) resolve(outcomes);
    };
    pump();
  });
}

/**
 * Order strings by code point: stable across machines and locales, and free — localeCompare's
 * first call loads ICU's collation data, ≈10 ms of every command that sorts with it.
 */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
