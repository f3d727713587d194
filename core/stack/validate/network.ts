/**
 * Network IPAM as the engine checks it when it creates a network: the subnet's syntax, the gateway
 * inside the subnet (and not its network or broadcast address), room for a gateway at all, and
 * no overlap with another network's subnet in the same address space.
 */
import { error, type Diagnostic } from '../../diagnostics.js';
import type { DesiredStack, NetworkSpec } from '../../model/spec.js';
import { contains, isNetworkOrBroadcast, overlaps, parseCidr, parseIp, type Cidr } from './ip.js';

export interface Issue {
  field: string;
  message: string;
}

/** One network's subnet and gateway. */
export function ipamIssues(subnet: string | undefined, gateway: string | undefined): Issue[] {
  if (subnet === undefined) return gateway === undefined ? [] : [{ field: 'gateway', message: 'a gateway needs a subnet' }];
  const cidr = parseCidr(subnet);
  if (typeof cidr === 'string') return [{ field: 'subnet', message: cidr }];
  const issues: Issue[] = [];
  if (cidr.family === 4 && cidr.prefix > 30) {
    issues.push({ field: 'subnet', message: `${subnet} leaves no address for a gateway and containers: use a prefix of /30 or shorter` });
  }
  if (cidr.family === 6 && cidr.prefix > 126) {
    issues.push({ field: 'subnet', message: `${subnet} leaves no address for a gateway and containers: use a prefix of /126 or shorter` });
  }
  if (gateway === undefined) return issues;
  const gw = parseIp(gateway);
  if (!gw) issues.push({ field: 'gateway', message: `"${gateway}" is not an IPv4 or IPv6 address` });
  else if (gw.family !== cidr.family) issues.push({ field: 'gateway', message: `gateway ${gateway} is an IPv${gw.family} address but the subnet ${subnet} is IPv${cidr.family}` });
  else if (!contains(cidr, gw)) issues.push({ field: 'gateway', message: `gateway ${gateway} is outside the subnet ${subnet}` });
  else if (isNetworkOrBroadcast(cidr, gw.value)) {
    issues.push({ field: 'gateway', message: `gateway ${gateway} is the ${gw.value === cidr.first ? 'network' : 'broadcast'} address of ${subnet}: pick an address inside it` });
  }
  return issues;
}

/**
 * Networks of one address space: the engine's local IPAM (bridge, macvlan, ipvlan) or the swarm's
 * global one (overlay). Subnets overlap only within one.
 */
export function addressSpace(driver: string): 'local' | 'global' {
  return driver === 'overlay' ? 'global' : 'local';
}

export function isIPv6Subnet(subnet: string | null): boolean {
  if (subnet === null) return false;
  const cidr = parseCidr(subnet);
  return typeof cidr !== 'string' && cidr.family === 6;
}

/** Subnets of the stack's networks that overlap each other: the second one's create would fail. */
export function checkSubnetOverlaps(stack: DesiredStack, diags: Diagnostic[]): void {
  const seen: { net: NetworkSpec; cidr: Cidr }[] = [];
  for (const net of stack.networks) {
    if (net.subnet === null) continue;
    const cidr = parseCidr(net.subnet);
    if (typeof cidr === 'string') continue;
    const other = seen.find((s) => addressSpace(s.net.driver) === addressSpace(net.driver) && overlaps(s.cidr, cidr));
    if (other) {
      const id = `network.${net.name}`;
      diags.push(error(`subnet ${net.subnet} overlaps subnet ${other.net.subnet} of network "${other.net.name}": the engine refuses overlapping subnets`, {
        resource: id, field: 'subnet', location: stack.locations[id],
      }));
    }
    seen.push({ net, cidr });
  }
}
