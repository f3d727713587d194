/**
 * Plan-time provider checks: for every volume a plan creates, replaces, migrates into or repairs,
 * ask its provider what the engine would only find out when a container starts (a server that does
 * not answer, a missing directory, a host key that is not the pinned one, a host that cannot mount
 * NFS). Findings become diagnostics naming the stack file, the volume and the option; an error
 * stops apply before anything changes.
 */
import { getProvider, type HostContext, type ProviderFinding } from '../../providers/index.js';
import type { Diagnostic } from '../diagnostics.js';
import { engineName } from '../model/names.js';
import type { DesiredStack, VolumeSpec } from '../model/spec.js';
import type { Plan, PlanNode } from '../plan/types.js';

/** The volume a node brings into being (or back), if any. */
function volumeMade(node: PlanNode): VolumeSpec | undefined {
  const op = node.op;
  switch (op.type) {
    case 'volume.create':
    case 'volume.replace':
    case 'volume.repair':
      return op.volume;
    case 'volume.migrate':
      return op.steps.includes('create-new') ? op.volume : undefined;
    default:
      return undefined;
  }
}

export async function checkVolumeProviders(plan: Plan, desired: DesiredStack, host: HostContext): Promise<Diagnostic[]> {
  const made = plan.nodes.flatMap((n) => {
    const v = volumeMade(n);
    return v ? [{ node: n, volume: v }] : [];
  });
  const found = await Promise.all(
    made.map(async ({ node, volume }) => {
      const provider = getProvider(volume.provider.name);
      if (!provider?.check) return [];
      const ctx = { stack: desired.name, volume: volume.name, engineName: engineName(desired.name, volume.name), stackFile: desired.file };
      const findings: ProviderFinding[] = await provider.check(volume.provider.options as never, ctx, host).catch((e: Error) => [
        { severity: 'error', summary: `moor could not check the ${provider.name} volume: ${e.message}` },
      ]);
      return findings.map(
        (f): Diagnostic => ({
          severity: f.severity,
          summary: f.summary,
          resource: node.id,
          field: f.field ? `provider.${f.field}` : 'provider',
          location: desired.locations[node.id],
          ...(f.detail ? { detail: f.detail } : {}),
        }),
      );
    }),
  );
  return found.flat();
}

/** Where moor runs relative to the engine: a unix socket means the engine shares this host. */
export function hostContext(endpoint: { socketPath?: string; display: string }, skipChecks: boolean): HostContext {
  return { localEngine: !!endpoint.socketPath, engine: endpoint.display, skipChecks };
}
