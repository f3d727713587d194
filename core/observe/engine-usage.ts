/**
 * What other objects on the engine use that a stack's new objects could collide with: subnets
 * of networks (from the network list) and host ports of running containers (from a list filtered
 * by the stack's host ports); the engine would refuse the collision only half-way through an apply.
 */
import type { EngineClient } from '../engine/client.js';
import type { ContainerSummary, NetworkSummary } from '../engine/api-types.js';
import { LABEL } from '../model/labels.js';
import type { EngineNetwork, PublishedPort } from './types.js';

export function engineNetworks(list: NetworkSummary[]): EngineNetwork[] {
  return list.map((n) => ({
    name: n.Name,
    driver: n.Driver,
    stack: n.Labels?.[LABEL.stack],
    subnets: (n.IPAM?.Config ?? []).flatMap((c) => (c.Subnet ? [c.Subnet] : [])),
  }));
}

/**
 * Running containers publishing one of `hostPorts` ("8080/tcp"): Docker's `publish` filter matches
 * host ports; Podman refuses that filter, so there its running containers are listed and filtered here.
 */
export async function containersPublishing(client: EngineClient, hostPorts: string[]): Promise<ContainerSummary[]> {
  if (!hostPorts.length) return [];
  if (!(await client.engineInfo()).podman) {
    return client.request<ContainerSummary[]>('GET', '/containers/json', { query: { filters: JSON.stringify({ publish: hostPorts }) } });
  }
  const running = await client.request<ContainerSummary[]>('GET', '/containers/json');
  return running.filter((c) => (c.Ports ?? []).some((p) => p.PublicPort && hostPorts.includes(`${p.PublicPort}/${p.Type}`)));
}

export function publishedPorts(list: ContainerSummary[]): PublishedPort[] {
  return list
    .filter((c) => c.State === 'running')
    .flatMap((c) => (c.Ports ?? []).flatMap((p) => (p.PublicPort ? [{
      container: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      stack: c.Labels?.[LABEL.stack],
      hostIp: p.IP ?? '0.0.0.0',
      hostPort: p.PublicPort,
      protocol: p.Type,
    }] : [])));
}
