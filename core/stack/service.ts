/** From a service() declaration to its canonical spec: validated, sorted, defaults filled in. */
import path from 'node:path';
import { error, type Diagnostic } from '../diagnostics.js';
import type { DesiredStack, MountSpec } from '../model/spec.js';
import type { ServicePortSpec, ServiceSpec, UpdatePolicySpec } from '../model/service.js';
import type { Declaration } from './collect.js';
import { isHandle, resourceId, type Handle, type ResourceKind } from './handles.js';
import { durationToNanos, sizeToBytes } from './schema/common.js';
import { SERVICE_REFUSED, type ServiceOptionsParsed } from './schema/service.js';
import { healthcheckSpec } from './healthcheck.js';
import type { Secret } from './secret.js';

const sortRecord = <T>(r: Record<string, T> | undefined): Record<string, T> =>
  Object.fromEntries(Object.entries(r ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

type Ref = (h: Handle<ResourceKind>, from: Declaration, field: string) => string;

/** Container options given to service(): one clear diagnostic each (the zod message would only say "unrecognized key"). */
export function refusedServiceOptions(d: Declaration, diags: Diagnostic[]): boolean {
  const where = { resource: resourceId('service', d.name), location: d.location };
  const o = (d.options ?? {}) as Record<string, unknown>;
  let refused = false;
  for (const [key, why] of Object.entries(SERVICE_REFUSED)) {
    if (o[key] === undefined) continue;
    diags.push(error(`a service has no ${key}: ${why}`, { ...where, field: key }));
    refused = true;
  }
  if (typeof o.restart === 'string') {
    diags.push(error(`a service has no container restart policy "${o.restart}": the swarm restarts tasks; use restart: { condition: 'any' | 'on-failure' | 'none' }`, { ...where, field: 'restart' }));
    refused = true;
  }
  const env = o.env as Record<string, unknown> | undefined;
  for (const [key, v] of Object.entries(env && typeof env === 'object' ? env : {})) {
    if (typeof v === 'string') continue;
    diags.push(error('a service keeps secrets out of its environment (anyone who can inspect the service would read them): use secrets: { NAME: secret(...) }, a file /run/secrets/NAME in every task', { ...where, field: `env.${key}` }));
    refused = true;
  }
  return refused;
}

/** Backup jobs stop containers only: a service's tasks would be started again by the swarm at once. */
export function refusedBackupStops(d: Declaration, diags: Diagnostic[]): boolean {
  const stop = (d.options as { stop?: unknown } | undefined)?.stop;
  if (!Array.isArray(stop)) return false;
  let refused = false;
  stop.forEach((h, i) => {
    if (!isHandle(h, 'service')) return;
    diags.push(error(`backup jobs cannot stop service "${(h as Handle<'service'>).name}": the swarm would start its tasks again at once, and scaling it to 0 would take it down on every node`, {
      resource: resourceId('backup', d.name), location: d.location, field: `stop[${i}]`,
      detail: 'Back up a service\'s data with a hook instead (hooks: { before: [...] } running a dump in a container), or run the service as a container. See docs/swarm.md.',
    }));
    refused = true;
  });
  return refused;
}

function updatePolicy(u: ServiceOptionsParsed['update']): UpdatePolicySpec | null {
  if (!u) return null;
  return {
    parallelism: u.parallelism ?? 1,
    delayNs: u.delay === undefined ? 0 : durationToNanos(u.delay),
    order: u.order ?? 'stop-first',
    failureAction: u.failureAction ?? 'pause',
    monitorNs: u.monitor === undefined ? 5e9 : durationToNanos(u.monitor),
  };
}

export function serviceSpec(d: Declaration, o: ServiceOptionsParsed, dir: string, ref: Ref, diags: Diagnostic[]): ServiceSpec {
  const where = { resource: resourceId('service', d.name), location: d.location };
  const endpointMode = o.endpointMode ?? 'vip';
  const ports: ServicePortSpec[] = (o.ports ?? []).map((p, i) => {
    const mode = p.mode ?? 'ingress';
    if (endpointMode === 'dnsrr' && mode === 'ingress') {
      diags.push(error('the routing mesh (ingress ports) needs endpointMode "vip": with "dnsrr", publish with mode: "host"', { ...where, field: `ports[${i}].mode` }));
    }
    return { target: p.container, published: p.host ?? null, protocol: p.protocol ?? 'tcp', mode };
  }).sort((a, b) => a.target - b.target || a.protocol.localeCompare(b.protocol) || (a.published ?? 0) - (b.published ?? 0));
  const seen = new Set<string>();
  for (const p of ports) {
    const key = `${p.published}/${p.protocol}`;
    if (p.published !== null && seen.has(key)) diags.push(error(`port ${p.published}/${p.protocol} is published twice`, { ...where, field: 'ports' }));
    seen.add(key);
  }

  const mounts: MountSpec[] = (o.mounts ?? []).map((m, i): MountSpec => {
    if ('volume' in m) return { type: 'volume', volume: ref(m.volume, d, `mounts[${i}].volume`), target: m.target, readOnly: m.readOnly ?? false };
    if ('bind' in m) {
      // The swarm's mount API has no relabelling: it would mount the directory unlabelled.
      if (m.selinux) diags.push(error('a service cannot relabel a bind mount for SELinux (the swarm\'s mounts have no such option): label the directory yourself (chcon)', { ...where, field: `mounts[${i}].selinux` }));
      return { type: 'bind', source: path.resolve(dir, m.bind), target: m.target, readOnly: m.readOnly ?? false };
    }
    // Only a target: an anonymous volume of each task (gone with the task).
    if (!('tmpfs' in m)) return { type: 'anonymous', target: m.target };
    const t = m.tmpfs === true ? {} : m.tmpfs;
    return { type: 'tmpfs', target: m.target, sizeBytes: t.size === undefined ? null : sizeToBytes(t.size), mode: t.mode ?? null };
  }).sort((a, b) => a.target.localeCompare(b.target));
  mounts.forEach((m, i) => {
    if (i > 0 && mounts[i - 1]!.target === m.target) diags.push(error(`two mounts target ${m.target}`, { ...where, field: 'mounts' }));
  });

  const networks = (o.networks ?? []).map((n, i) => {
    const h = 'network' in n ? n.network : n;
    const aliases = 'network' in n ? (n.aliases ?? []) : [];
    return { network: ref(h, d, `networks[${i}]`), aliases: [...new Set(aliases)].filter((a) => a !== d.name).sort() };
  }).sort((a, b) => a.network.localeCompare(b.network));
  networks.forEach((n, i) => {
    if (i > 0 && networks[i - 1]!.network === n.network) diags.push(error(`network "${n.network}" is listed twice`, { ...where, field: 'networks' }));
  });

  const hc = o.healthcheck;
  const lim = o.resources?.limits;
  const res = o.resources?.reservations;
  const cpus = (v: number | undefined) => (v === undefined ? null : Math.round(v * 1e9));
  const bytes = (v: string | number | undefined) => (v === undefined ? null : sizeToBytes(v));
  return {
    kind: 'service',
    name: d.name,
    image: typeof o.image === 'string' ? o.image : ref(o.image, d, 'image'),
    replicas: o.replicas ?? 1,
    command: o.command ?? null,
    entrypoint: o.entrypoint ?? null,
    env: sortRecord(o.env),
    secrets: sortRecord(Object.fromEntries(Object.entries(o.secrets ?? {}).map(([k, v]) => [k, secretRef(v, dir)]))),
    ports,
    networks,
    mounts,
    healthcheck: healthcheckSpec(hc),
    user: o.user ?? null,
    workingDir: o.workingDir ?? null,
    labels: sortRecord(o.labels),
    stopSignal: o.stopSignal ?? null,
    stopTimeout: o.stopTimeout === undefined ? null : durationToNanos(o.stopTimeout) / 1e9,
    resources: {
      limits: { nanoCpus: cpus(lim?.cpus), memoryBytes: bytes(lim?.memory), pids: lim?.pids ?? null },
      reservations: { nanoCpus: cpus(res?.cpus), memoryBytes: bytes(res?.memory) },
    },
    restart: o.restart
      ? { condition: o.restart.condition, maxAttempts: o.restart.maxAttempts ?? null, delayNs: o.restart.delay === undefined ? null : durationToNanos(o.restart.delay) }
      : null,
    update: updatePolicy(o.update),
    rollback: updatePolicy(o.rollback),
    placement: { constraints: [...(o.placement?.constraints ?? [])].sort(), preferences: [...(o.placement?.preferences ?? [])] },
    endpointMode,
  };
}

function secretRef(v: Secret, dir: string): { secret: string; digest: null } {
  return { secret: 'env' in v.source ? `env:${v.source.env}` : `file:${path.resolve(dir, v.source.file)}`, digest: null };
}

/** Services refer to declared images, overlay networks and volumes. */
export function checkServiceReferences(stack: DesiredStack, has: (kind: ResourceKind, name: string) => boolean, isImageResource: (image: string) => boolean, diags: Diagnostic[]): void {
  for (const s of stack.services ?? []) {
    const id = resourceId('service', s.name);
    const where = { resource: id, location: stack.locations[id] };
    const missing = (kind: ResourceKind, name: string, field: string) => {
      if (!has(kind, name)) { diags.push(error(`refers to ${kind} "${name}", which is not declared in this stack`, { ...where, field })); return true; }
      return false;
    };
    if (isImageResource(s.image)) missing('image', s.image, 'image');
    s.networks.forEach((n, i) => {
      if (missing('network', n.network, `networks[${i}]`)) return;
      const net = stack.networks.find((x) => x.name === n.network);
      if (net && net.driver !== 'overlay') {
        diags.push(error(`network "${n.network}" has driver "${net.driver}": a service's tasks join swarm networks only`, {
          ...where, field: `networks[${i}]`, detail: `Declare it network('${n.network}', { driver: 'overlay', attachable: true }) (attachable lets containers join it too).`,
        }));
      }
    });
    s.mounts.forEach((m, i) => m.type === 'volume' && missing('volume', m.volume, `mounts[${i}].volume`));
  }
}
