/**
 * Collisions with what is already on the engine that it would refuse half-way through an apply: a
 * subnet overlapping another network's, a host port a running container already publishes, a CPU
 * limit above the host's CPUs. Read from what observe read; reported as plan diagnostics, so
 * nothing changes.
 */
import { error } from '../diagnostics.js';
import type { PortSpec } from '../model/spec.js';
import type { PublishedPort } from '../observe/types.js';
import { overlaps, parseCidr } from '../stack/validate/ip.js';
import { addressSpace } from '../stack/validate/network.js';
import type { PlanContext } from './context.js';
import type { PlanNode } from './types.js';

/** `nodes`: the plan's nodes (with --target, only those): only what this apply creates or starts is checked. */
export function checkEngineConflicts(ctx: PlanContext, nodes: readonly PlanNode[]): void {
  if (ctx.options.mode !== 'apply') return;
  const planned = new Map(nodes.map((n) => [n.id, n]));
  checkSubnets(ctx, planned);
  checkHostPorts(ctx, planned);
  checkCpus(ctx, planned);
  checkNetworkDrivers(ctx, planned);
  checkPullable(ctx, planned);
}

/** An image the plan pulls that its registry says cannot be had (observe/pullable.ts). */
function checkPullable(ctx: PlanContext, planned: Map<string, PlanNode>): void {
  for (const img of ctx.desired.images) {
    const id = `image.${img.name}`;
    const why = ctx.observed.unpullable?.[img.ref];
    if (why === undefined || planned.get(id)?.op.type !== 'image.pull') continue;
    // Named where the user wrote the reference: the first container using it, else the image.
    const user = ctx.desired.containers.find((c) => c.image === img.name);
    const where = user ? { resource: `container.${user.name}`, field: 'image', location: ctx.desired.locations[`container.${user.name}`] } : { resource: id, location: ctx.desired.locations[id] };
    ctx.diagnostics.push({ severity: 'error', summary: why, ...where });
  }
}

/** A network driver the engine does not have: it would refuse the network at create. */
function checkNetworkDrivers(ctx: PlanContext, planned: Map<string, PlanNode>): void {
  const known = ctx.observed.networkDrivers;
  if (!known) return;
  for (const net of ctx.desired.networks) {
    const id = `network.${net.name}`;
    const node = planned.get(id);
    if (known.includes(net.driver) || !node || node.action === 'noop' || node.action === 'delete') continue;
    ctx.diagnostics.push(error(`network driver "${net.driver}" is not available on the engine (it has ${known.join(', ')})`, {
      resource: id, field: 'driver', location: ctx.desired.locations[id],
      detail: 'Install the driver\'s plugin on the engine, or use one it has.',
    }));
  }
}

/** "Range of CPUs is from 0.01 to N.00, as there are only N CPUs available": at create and at live update. */
function checkCpus(ctx: PlanContext, planned: Map<string, PlanNode>): void {
  const cpus = ctx.observed.engineCpus;
  if (!cpus) return;
  for (const c of ctx.desired.containers) {
    const id = `container.${c.name}`;
    const node = planned.get(id);
    if (c.resources.nanoCpus === null || c.resources.nanoCpus <= cpus * 1e9 || !node || node.action === 'noop') continue;
    ctx.diagnostics.push(error(`resources.cpus ${c.resources.nanoCpus / 1e9} is more than the ${cpus} CPUs of the engine's host: the engine refuses it`, {
      resource: id, field: 'resources.cpus', location: ctx.desired.locations[id],
      detail: `Use at most ${cpus}.`,
    }));
  }
}

function checkSubnets(ctx: PlanContext, planned: Map<string, PlanNode>): void {
  const others = (ctx.observed.engineNetworks ?? []).filter((n) => n.stack !== ctx.desired.name);
  for (const net of ctx.desired.networks) {
    const id = `network.${net.name}`;
    const node = planned.get(id);
    if (net.subnet === null || !node || node.action === 'noop') continue;
    const mine = parseCidr(net.subnet);
    if (typeof mine === 'string') continue;
    for (const other of others) {
      if (addressSpace(other.driver) !== addressSpace(net.driver)) continue;
      const hit = other.subnets.find((s) => { const c = parseCidr(s); return typeof c !== 'string' && overlaps(mine, c); });
      if (!hit) continue;
      ctx.diagnostics.push(error(`subnet ${net.subnet} overlaps subnet ${hit} of the engine's network "${other.name}"${other.stack ? ` (stack "${other.stack}")` : ''}: the engine refuses overlapping subnets`, {
        resource: id, field: 'subnet', location: ctx.desired.locations[id],
        detail: 'Pick a subnet no other network on the engine uses, or leave subnet out and let the engine choose.',
      }));
      break;
    }
  }
}

/** Two bindings of one port and protocol collide when their addresses are equal or one is "every address". */
function collides(want: PortSpec, held: PublishedPort): boolean {
  const [port, protocol] = want.containerPort.split('/');
  if (want.hostPort === '' || Number(want.hostPort) !== held.hostPort || protocol !== held.protocol || port === undefined) return false;
  const any = (ip: string) => ip === '' || ip === '0.0.0.0' || ip === '::';
  const v6 = (ip: string) => ip.includes(':');
  if (want.hostIp === '' || want.hostIp === held.hostIp) return true;
  return (any(held.hostIp) && v6(held.hostIp) === v6(want.hostIp)) || (any(want.hostIp) && v6(want.hostIp) === v6(held.hostIp));
}

function checkHostPorts(ctx: PlanContext, planned: Map<string, PlanNode>): void {
  const held = (ctx.observed.publishedPorts ?? []).filter((p) => p.stack !== ctx.desired.name);
  for (const c of ctx.desired.containers) {
    const id = `container.${c.name}`;
    const node = planned.get(id);
    const starts = node && (node.action === 'create' || node.action === 'replace' || (node.op.type === 'container.update' && node.op.start));
    if (!starts) continue;
    const reported = new Set<string>();
    for (const want of c.ports) {
      const holder = held.find((h) => collides(want, h));
      const key = `${want.hostIp}:${want.hostPort}`;
      if (!holder || reported.has(key)) continue;
      reported.add(key);
      ctx.diagnostics.push(error(`host port ${showBinding(want.hostIp, want.hostPort)} is already in use by container ${holder.container}${holder.stack ? ` (stack "${holder.stack}")` : ''}, which publishes ${showBinding(holder.hostIp, String(holder.hostPort))}/${holder.protocol}`, {
        resource: id, field: 'ports', location: ctx.desired.locations[id],
        detail: 'Publish another host port, or stop that container first.',
      }));
    }
  }
}

export function showBinding(ip: string, port: string): string {
  if (ip === '') return `*:${port}`;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
