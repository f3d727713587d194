/**
 * From plan nodes to executable steps: pure and deterministic. A delete-before-create
 * replacement becomes a destroy step and a create step; deletions wait for whatever used the
 * resource (as last applied) to let go of it; creations wait for what they need; and everything
 * waits for the stack's pulls and builds, which run first.
 */
import type { GraphNode } from '../graph.js';
import { deletesFirst, type PlanNode } from './types.js';

export type StepPhase = 'create' | 'update' | 'replace' | 'destroy';

export interface Step extends GraphNode {
  node: PlanNode;
  phase: StepPhase;
}

function phasesOf(node: PlanNode): StepPhase[] {
  switch (node.action) {
    case 'noop': return [];
    case 'create': return ['create'];
    case 'update': return ['update'];
    case 'delete': return ['destroy'];
    case 'replace': return deletesFirst(node) ? ['destroy', 'create'] : ['replace'];
    // The old volume is stashed and released, then the new one is created and filled.
    case 'migrate': return ['destroy', 'create'];
  }
}

export function scheduleSteps(nodes: readonly PlanNode[]): Step[] {
  const steps = new Map<string, Step>();
  const byNode = new Map<string, Step[]>();
  for (const node of nodes) {
    const own = phasesOf(node).map((phase) => ({ id: `${node.id}:${phase}`, node, phase, dependsOn: [] as string[] }));
    byNode.set(node.id, own);
    own.forEach((s) => steps.set(s.id, s));
  }
  const forwardOf = (id: string) => byNode.get(id)?.find((s) => s.phase !== 'destroy');
  const destroyOf = (id: string) => byNode.get(id)?.find((s) => s.phase === 'destroy');
  // A container with replicas has one node per replica (`container.worker#2`): what depends on the resource waits for all.
  const replicasOf = (id: string) => (byNode.has(id) ? [id] : nodes.filter((n) => n.replica !== undefined && n.id.startsWith(`${id}#`)).map((n) => n.id));

  for (const node of nodes) {
    for (const step of byNode.get(node.id) ?? []) {
      const deps = step.dependsOn as string[];
      if (step.phase === 'destroy') {
        // Whatever used this resource lets go first: it is destroyed, or moved off by its own step.
        for (const user of node.dependents.flatMap(replicasOf)) {
          const s = destroyOf(user) ?? forwardOf(user);
          if (s && s.id !== step.id) deps.push(s.id);
        }
        // A leftover (`container.web#<id>`) goes before the resource's own step, which may reuse its name.
        const hash = node.id.indexOf('#');
        if (hash > 0 && node.replica === undefined) {
          const owner = forwardOf(node.id.slice(0, hash));
          if (owner) (owner.dependsOn as string[]).push(step.id);
        }
      } else {
        for (const dep of node.dependsOn.flatMap(replicasOf)) {
          const s = forwardOf(dep);
          if (s) deps.push(s.id);
        }
        const own = destroyOf(node.id);
        if (own) deps.push(own.id);
      }
    }
  }
  // Images first: every other step waits for every pull and build, so an image that cannot be
  // pulled or built is found out before anything else on the engine changes.
  const imageSteps = [...steps.values()].filter(isImageStep).map((s) => s.id);
  for (const step of steps.values()) {
    if (!isImageStep(step)) (step.dependsOn as string[]).push(...imageSteps.filter((id) => !step.dependsOn.includes(id)));
  }
  return [...steps.values()];
}

/** A pull or a build (not the removal of an image the stack no longer declares). */
export function isImageStep(step: Step): boolean {
  return step.node.kind === 'image' && step.phase !== 'destroy';
}

/** The resource id of a step id (`image.busybox:latest:create` → `image.busybox:latest`). */
export function stepResource(stepId: string): string {
  return stepId.replace(/:(?:create|update|replace|destroy)$/, '');
}
