/**
 * Host-side state of the stack's volumes, as their providers see it (is the sshfs mount there and
 * answering? is the bind directory still there?). Reads the host, never the engine: a no-op plan
 * keeps its constant number of engine calls. Only volumes whose provider observes anything cost time.
 */
import { getProvider, type HostContext } from '../../providers/index.js';
import type { ObservedVolume } from './types.js';

export async function observeVolumeHealth(stack: string, volumes: ObservedVolume[], host: HostContext): Promise<void> {
  await Promise.all(
    volumes.map(async (v) => {
      if (v.owner !== 'stack' || !v.spec || !v.resource) return;
      const provider = getProvider(v.spec.provider.name);
      if (!provider?.health) return;
      const ctx = { stack, volume: v.resource, engineName: v.name, stackFile: '' };
      v.health = await provider.health(v.spec.provider.options as never, ctx, host).catch((e: Error) => ({ ok: false as const, reason: `moor could not check it: ${e.message}` }));
    }),
  );
}
