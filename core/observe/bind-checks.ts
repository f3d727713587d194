/**
 * Bind mounts of containers a plan creates or replaces: the engine refuses to create a container
 * whose bind source does not exist ("bind source path does not exist"), after the stack's other
 * objects were created. When the engine shares this host (a unix socket), moor looks first.
 */
import { stat } from 'node:fs/promises';
import type { Diagnostic } from '../diagnostics.js';
import type { DesiredStack } from '../model/spec.js';
import type { Plan } from '../plan/types.js';
import type { HostContext } from '../../providers/types.js';

export async function checkBindSources(plan: Plan, desired: DesiredStack, host: HostContext): Promise<Diagnostic[]> {
  if (!host.localEngine) return [];
  const found = await Promise.all(plan.nodes.map(async (node) => {
    if (node.op.type !== 'container.create' && node.op.type !== 'container.replace') return [];
    const missing = await Promise.all(node.op.container.mounts.map(async (m) => {
      if (m.type !== 'bind') return [];
      const exists = await stat(m.source).then(() => true, () => false);
      return exists ? [] : [{
        severity: 'error' as const,
        summary: `bind mount source ${m.source} (for ${m.target}) does not exist on the engine's host: the engine refuses to create the container`,
        resource: node.id,
        field: 'mounts',
        location: desired.locations[node.id],
        detail: 'Create the directory (or file) first, or fix the path in the stack (a relative path is resolved against the stack file\'s directory).',
      }];
    }));
    return missing.flat();
  }));
  return found.flat();
}
