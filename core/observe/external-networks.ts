/**
 * Networks a stack declares external: true are not its own, so no label finds them: each is read
 * by its name, one inspect per network. The engine resolves a name to an ID prefix as well, so
 * only a network whose name is exactly the declared one counts.
 */
import type { EngineClient } from '../engine/client.js';
import { isNotFound } from '../engine/errors.js';

export interface ObservedExternalNetwork {
  id: string;
  driver: string;
}

/** Declared name → the engine network, or null when the engine has none by that name. */
export async function observeExternalNetworks(client: EngineClient, names: string[]): Promise<Record<string, ObservedExternalNetwork | null>> {
  const found = await Promise.all(names.map(async (name) => {
    try {
      const n = await client.request<{ Id: string; Name: string; Driver: string }>('GET', `/networks/${encodeURIComponent(name)}`);
      return [name, n.Name === name ? { id: n.Id, driver: n.Driver } : null] as const;
    } catch (e) {
      if (isNotFound(e)) return [name, null] as const;
      throw e;
    }
  }));
  return Object.fromEntries(found);
}
