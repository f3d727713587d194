/**
 * Attribute rules of a container's runtime options (issue 14). The engine's live update endpoint
 * changes only the restart policy and resource limits: capabilities, devices, sysctls, ulimits,
 * DNS, logging, the terminal and the rest are fixed when the container is created (they become
 * its OCI runtime spec and files such as /etc/resolv.conf and /etc/hosts), so every change here
 * replaces the container, and says why. A value missing from a spec (an older label) reads as
 * the engine's default, so it is no change.
 */
import type { ContainerSpec, NetworkAttachmentSpec } from '../model/spec.js';
import type { AttributeRule } from './attributes.js';
import type { AttributeChange } from './types.js';

const AT_CREATE = 'the engine sets it only when it creates the container';
const fixed = (path: string, get: (c: ContainerSpec) => unknown, extra: Partial<AttributeRule<ContainerSpec>> = {}): AttributeRule<ContainerSpec> =>
  ({ path, get, forcesReplacement: true, note: AT_CREATE, ...extra });

export const RUNTIME_RULES: AttributeRule<ContainerSpec>[] = [
  fixed('capabilities.add', (c) => c.capabilities?.add ?? []),
  fixed('capabilities.drop', (c) => c.capabilities?.drop ?? []),
  fixed('privileged', (c) => c.privileged ?? false),
  fixed('readOnlyRoot', (c) => c.readOnlyRoot ?? false),
  fixed('init', (c) => c.init ?? false),
  fixed('securityOptions', (c) => c.securityOptions ?? []),
  fixed('sysctls', (c) => c.sysctls ?? {}, { perKey: true }),
  fixed('ulimits', (c) => c.ulimits ?? {}, { perKey: true }),
  fixed('devices', (c) => c.devices ?? []),
  fixed('shmSize', (c) => c.shmSize ?? null, { note: 'the engine sizes /dev/shm only when it creates the container' }),
  fixed('extraHosts', (c) => c.extraHosts ?? {}, { perKey: true, note: 'the engine writes /etc/hosts when it creates the container' }),
  fixed('dns.servers', (c) => c.dns?.servers ?? [], { note: 'the engine writes /etc/resolv.conf when it creates the container' }),
  fixed('dns.search', (c) => c.dns?.search ?? [], { note: 'the engine writes /etc/resolv.conf when it creates the container' }),
  fixed('dns.options', (c) => c.dns?.options ?? [], { note: 'the engine writes /etc/resolv.conf when it creates the container' }),
  fixed('logging.driver', (c) => c.logging?.driver ?? null),
  fixed('logging.options', (c) => c.logging?.options ?? {}, { perKey: true }),
  fixed('tty', (c) => c.tty ?? false),
  fixed('stdinOpen', (c) => c.stdinOpen ?? false),
  fixed('platform', (c) => c.platform ?? null),
  fixed('gpus', (c) => c.gpus ?? []),
  fixed('expose', (c) => c.expose ?? []),
  fixed('groupAdd', (c) => c.groupAdd ?? []),
];

/**
 * A fixed address of a network the container stays on: the engine could move it by disconnecting
 * and connecting it again, but moor replaces it, so that the labels it keeps its last-applied spec
 * in say what the container has. Attachments without an address are added and removed live, with the networks.
 */
export function addressChanges(last: ContainerSpec, want: ContainerSpec): AttributeChange[] {
  if (last.networkMode.type !== 'networks' || want.networkMode.type !== 'networks') return [];
  const out: AttributeChange[] = [];
  for (const w of want.networks) {
    const b: NetworkAttachmentSpec | undefined = last.networks.find((n) => n.network === w.network);
    // A network joined with a fixed address replaces the container too: connected live, the address
    // would be in no label, and a later change of it could not be seen.
    if (!b && w.ipv4Address === undefined) continue;
    if (b && (b.ipv4Address ?? null) === (w.ipv4Address ?? null)) continue;
    out.push({
      path: `networks.${w.network}.ipv4Address`, before: b?.ipv4Address ?? null, after: w.ipv4Address ?? null, forcesReplacement: true, source: 'change',
      note: 'moor gives a container its fixed address when it creates it',
    });
  }
  return out;
}

/** The replacement would take an address the old container still holds: it must go first. */
export function sharesFixedAddress(last: ContainerSpec, want: ContainerSpec): boolean {
  return want.networks.some((w) => w.ipv4Address !== undefined && last.networks.some((b) => b.network === w.network && b.ipv4Address === w.ipv4Address));
}
