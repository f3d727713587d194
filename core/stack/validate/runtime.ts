/**
 * Runtime options checked across resources, as the engine would at create or start time:
 * a fixed IPv4 address needs a network of the stack with a declared subnet (the engine: "user
 * specified IP address is supported only when connecting to networks with user configured
 * subnets"), inside it, not its network, broadcast or gateway address, and not taken by another
 * container of the stack; net.* sysctls cannot be set in the host's network namespace; a container
 * in another's network namespace takes no DNS servers, extra hosts or exposed ports (the engine:
 * "conflicting options: dns and the network mode").
 */
import { error, type Diagnostic } from '../../diagnostics.js';
import type { DesiredStack } from '../../model/spec.js';
import { contains, isNetworkOrBroadcast, parseCidr, parseIp } from './ip.js';

export function checkFixedAddresses(stack: DesiredStack, diags: Diagnostic[]): void {
  const taken = new Map<string, string>();
  for (const c of stack.containers) {
    const id = `container.${c.name}`;
    for (const att of c.networks) {
      const address = att.ipv4Address;
      if (address === undefined) continue;
      const where = { resource: id, field: `networks.${att.network}.ipv4Address`, location: stack.locations[id] };
      const net = stack.networks.find((n) => n.name === att.network);
      if (!net) continue; // an undeclared network, reported by the reference check
      if (net.subnet === null) {
        diags.push(error(`ipv4Address ${address} needs network "${net.name}" to declare a subnet: the engine only gives fixed addresses in a subnet the user configured`, {
          ...where, detail: `Add e.g. subnet: '10.77.0.0/24' to network('${net.name}', …) and pick the address inside it.`,
        }));
        continue;
      }
      const cidr = parseCidr(net.subnet);
      const ip = parseIp(address)!;
      if (typeof cidr === 'string') continue; // reported on the network
      if (!contains(cidr, ip)) {
        diags.push(error(`ipv4Address ${address} is outside the subnet ${net.subnet} of network "${net.name}"`, where));
        continue;
      }
      const gateway = net.gateway ?? null;
      const defaultGateway = gateway === null && ip.value === cidr.first + 1n;
      if (isNetworkOrBroadcast(cidr, ip.value)) {
        diags.push(error(`ipv4Address ${address} is the ${ip.value === cidr.first ? 'network' : 'broadcast'} address of ${net.subnet}`, where));
      } else if (address === gateway || defaultGateway) {
        diags.push(error(`ipv4Address ${address} is the gateway of network "${net.name}"${defaultGateway ? ' (the engine takes the first address when no gateway is declared)' : ''}`, where));
      } else {
        const key = `${net.name} ${address}`;
        const other = taken.get(key);
        if (other !== undefined) diags.push(error(`ipv4Address ${address} on network "${net.name}" is container "${other}"'s too`, where));
        else taken.set(key, c.name);
      }
    }
  }
}

export function checkHostNetworkSysctls(stack: DesiredStack, diags: Diagnostic[]): void {
  for (const c of stack.containers) {
    if (c.networkMode.type !== 'host') continue;
    const id = `container.${c.name}`;
    for (const name of Object.keys(c.sysctls ?? {}).filter((k) => k.startsWith('net.'))) {
      diags.push(error(`sysctl ${name} cannot be set with networkMode "host": it would change the host's own network stack`, {
        resource: id, field: `sysctls["${name}"]`, location: stack.locations[id],
      }));
    }
  }
}

/** What the engine refuses at create for a container in another container's network namespace. */
export function checkSharedNamespaceOptions(stack: DesiredStack, diags: Diagnostic[]): void {
  for (const c of stack.containers) {
    if (c.networkMode.type !== 'container') continue;
    const id = `container.${c.name}`;
    const other = c.networkMode.container;
    const refuse = (field: string, what: string) => diags.push(error(`${what} cannot be set with networkMode { container }: the container uses "${other}"'s network namespace, its name resolution and ports (the engine refuses it)`, {
      resource: id, field, location: stack.locations[id],
    }));
    if (c.dns?.servers.length) refuse('dns.servers', 'DNS servers');
    if (c.extraHosts) refuse('extraHosts', 'extra hosts');
    if (c.expose) refuse('expose', 'exposed ports');
  }
}
