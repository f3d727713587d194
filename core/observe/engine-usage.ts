/**
 * What other objects on the engine use that a stack's new objects could collide with: subnets
 * of networks (from the network list) and host ports of running containers (from a list filtered
 * by the stack's host ports); the engine would refuse the collision only half-way through an apply.
 */
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
