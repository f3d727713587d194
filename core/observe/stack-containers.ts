/**
 * The containers a stack has on the engine, from their labels alone (one list call): what the
 * day-2 commands (logs, exec, ps --stack) need when the stack file is not at hand, or not needed.
 */
import type { ContainerSummary } from '../engine/api-types.js';
import type { EngineClient } from '../engine/client.js';
import { byCodePoint } from '../graph.js';
import { LABEL } from '../model/labels.js';

export interface StackContainer {
  id: string;
  /** Engine name (`shop-web`). */
  name: string;
  /** Resource name (moor.name), e.g. `web`. */
  resource: string;
  /** What users see: the engine name without the stack's prefix (`web`, `web-1` for a replica). */
  display: string;
  state: string;
  /** The engine's status text: `Up 3 minutes (healthy)`, `Exited (1) 2 seconds ago`. */
  status: string;
  health: 'healthy' | 'unhealthy' | 'starting' | null;
  ports: string[];
}

/** `127.0.0.1:8080->80/tcp`, as docker ps writes them; exposed-only ports as `80/tcp`. */
export function portsOf(ports: ContainerSummary['Ports']): string[] {
  const seen = new Set<string>();
  for (const p of ports ?? []) {
    seen.add(p.PublicPort ? `${p.IP ? `${p.IP}:` : ''}${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`);
  }
  return [...seen].sort();
}

export function healthOf(status: string): StackContainer['health'] {
  return /\(healthy\)/.test(status) ? 'healthy' : /\(unhealthy\)/.test(status) ? 'unhealthy' : /health: starting/.test(status) ? 'starting' : null;
}

/** Every container labelled with the stack, by display name; the transient ones of an apply in flight left out. */
export async function listStackContainers(client: EngineClient, stack: string): Promise<StackContainer[]> {
  const filters = JSON.stringify({ label: [`${LABEL.stack}=${stack}`, `${LABEL.kind}=container`] });
  const list = await client.request<ContainerSummary[]>('GET', '/containers/json', { query: { all: 1, filters } });
  return list
    .map((c) => {
      const name = (c.Names[0] ?? '').replace(/^\//, '');
      const status = c.Status ?? '';
      return {
        id: c.Id, name, resource: c.Labels?.[LABEL.name] ?? name, display: name.startsWith(`${stack}-`) ? name.slice(stack.length + 1) : name,
        state: c.State, status, health: healthOf(status), ports: portsOf(c.Ports),
      };
    })
    .filter((c) => !/\.moor-(?:next|old)$/.test(c.name))
    .sort((a, b) => byCodePoint(a.display, b.display));
}
