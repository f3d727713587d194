/**
 * Swarm services: a three-way comparison like containers'. Desired vs last applied (the spec in
 * the service's labels, which a service update rewrites) finds changes; what the swarm runs now vs
 * last applied finds drift (scaled, updated or removed by hand). Every attribute changes in place
 * through `/services/{id}/update?version=` — the swarm rolls the tasks — so a service is never
 * replaced; `--replace service.x` is a forced rolling update (TaskTemplate.ForceUpdate raised). The image is compared as written: the digest the swarm pins is not a change.
 */
import { error } from '../diagnostics.js';
import { isIgnored, rulesOf, type Lifecycle } from '../model/lifecycle.js';
import { engineName } from '../model/names.js';
import type { ServiceSpec } from '../model/service.js';
import { swarmSecretName } from '../model/swarm-secret.js';
import type { LiveServiceState, ObservedService } from '../observe/services.js';
import { describeAttributes, diffAttributes, type AttributeRule } from './attributes.js';
import { collision, type PlanContext } from './context.js';
import type { AttributeChange, PlanNode, SwarmSecretPlan } from './types.js';

const live = (forcesReplacement = false) => forcesReplacement;
const seconds = (ns: number) => `${ns / 1e9}s`;

/** Limits and reservations in the stack's units, only those set; null when none is. */
function showResources(r: ServiceSpec['resources']): Record<string, number> | null {
  const out: Record<string, number> = {};
  const put = (k: string, v: number | null, scale = 1) => { if (v !== null) out[k] = v / scale; };
  put('limits.cpus', r.limits.nanoCpus, 1e9); put('limits.memory', r.limits.memoryBytes); put('limits.pids', r.limits.pids);
  put('reservations.cpus', r.reservations.nanoCpus, 1e9); put('reservations.memory', r.reservations.memoryBytes);
  return Object.keys(out).length ? out : null;
}

function showPolicy(u: ServiceSpec['update']): Record<string, string | number> | null {
  return u ? { parallelism: u.parallelism, delay: seconds(u.delayNs), order: u.order, failureAction: u.failureAction, monitor: seconds(u.monitorNs) } : null;
}
const RULES: AttributeRule<ServiceSpec>[] = [
  { path: 'image', get: (s) => s.image, forcesReplacement: live() },
  { path: 'replicas', get: (s) => s.replicas, forcesReplacement: live() },
  { path: 'command', get: (s) => s.command, forcesReplacement: live() },
  { path: 'entrypoint', get: (s) => s.entrypoint, forcesReplacement: live() },
  { path: 'env', get: (s) => s.env, perKey: true, forcesReplacement: live() },
  { path: 'secrets', get: (s) => s.secrets, perKey: true, forcesReplacement: live() },
  { path: 'ports', get: (s) => s.ports, forcesReplacement: live() },
  { path: 'networks', get: (s) => s.networks, forcesReplacement: live() },
  { path: 'mounts', get: (s) => s.mounts, forcesReplacement: live() },
  { path: 'healthcheck', get: (s) => s.healthcheck, forcesReplacement: live() },
  { path: 'user', get: (s) => s.user, forcesReplacement: live() },
  { path: 'workingDir', get: (s) => s.workingDir, forcesReplacement: live() },
  { path: 'labels', get: (s) => s.labels, perKey: true, forcesReplacement: live() },
  { path: 'stopSignal', get: (s) => s.stopSignal, forcesReplacement: live() },
  { path: 'stopTimeout', get: (s) => s.stopTimeout, forcesReplacement: live() },
  { path: 'resources', get: (s) => showResources(s.resources), forcesReplacement: live() },
  { path: 'restart', get: (s) => s.restart, forcesReplacement: live() },
  { path: 'update', get: (s) => showPolicy(s.update), forcesReplacement: live() },
  { path: 'rollback', get: (s) => showPolicy(s.rollback), forcesReplacement: live() },
  { path: 'placement', get: (s) => (s.placement.constraints.length || s.placement.preferences.length ? s.placement : null), forcesReplacement: live() },
  { path: 'endpointMode', get: (s) => (s.endpointMode === 'vip' ? null : s.endpointMode), forcesReplacement: live() },
];

/** The attributes the swarm reports back, as moor would have sent them from a spec. */
const DRIFT: AttributeRule<LiveServiceState>[] = [
  { path: 'image', get: (s) => s.image, forcesReplacement: false },
  { path: 'replicas', get: (s) => s.replicas, forcesReplacement: false },
  { path: 'command', get: (s) => s.command, forcesReplacement: false },
  { path: 'entrypoint', get: (s) => s.entrypoint, forcesReplacement: false },
  { path: 'env', get: (s) => s.env, perKey: true, forcesReplacement: false },
  { path: 'labels', get: (s) => s.labels, perKey: true, forcesReplacement: false },
  { path: 'ports', get: (s) => s.ports, forcesReplacement: false },
  { path: 'secrets', get: (s) => s.secrets, forcesReplacement: false },
];

export function serviceAttributes(s: ServiceSpec, gone = false): AttributeChange[] {
  return describeAttributes(RULES, s, gone);
}

/** The engine reference a service's image resource stands for. */
export function serviceImageRef(ctx: { desired: { images: { name: string; ref: string }[] } }, image: string): string {
  return ctx.desired.images.find((i) => i.name === image)?.ref ?? image;
}

/** What the swarm should report for a spec moor sent. */
export function expectedLive(stack: string, s: ServiceSpec, imageRef: string): LiveServiceState {
  return {
    image: imageRef, replicas: s.replicas, command: s.command, entrypoint: s.entrypoint, env: s.env, labels: s.labels, ports: s.ports,
    secrets: Object.entries(s.secrets).map(([file, ref]) => swarmSecretName(stack, s.name, file, ref)).sort(),
  };
}

/** The desired spec with ignored attributes as they were last applied (replicas: as the swarm runs them). */
function withIgnored(want: ServiceSpec, last: ServiceSpec, obs: ObservedService, rules: Lifecycle): ServiceSpec {
  const out = structuredClone(want) as unknown as Record<string, unknown>;
  const was = last as unknown as Record<string, unknown>;
  for (const p of rules.ignoreChanges) {
    const [head, key] = p.split('.', 2) as [string, string | undefined];
    if (head === 'replicas') { out.replicas = obs.live.replicas; continue; }
    if (key === undefined) { out[head] = structuredClone(was[head]); continue; }
    const rec = out[head] as Record<string, unknown>;
    const before = was[head] as Record<string, unknown>;
    if (key in before) rec[key] = before[key];
    else delete rec[key];
  }
  return out as unknown as ServiceSpec;
}

/** Swarm secrets the desired spec needs that do not exist yet, and those of the last spec it no longer uses. */
function secretPlan(ctx: PlanContext, want: ServiceSpec | null, last: ServiceSpec | undefined): SwarmSecretPlan {
  const stack = ctx.desired.name;
  const existing = ctx.observed.swarmSecrets ?? [];
  const wanted = want ? Object.entries(want.secrets).map(([file, ref]) => ({ name: swarmSecretName(stack, want.name, file, ref), file, secret: ref.secret })) : [];
  const names = new Set(wanted.map((w) => w.name));
  const service = want?.name ?? last?.name;
  return {
    create: wanted.filter((w) => !existing.some((e) => e.name === w.name)),
    remove: existing.filter((e) => e.labels['moor.name'] === service && !names.has(e.name)).map((e) => e.id),
  };
}

const volumeNote = (stack: string, s: ServiceSpec, volume: string) =>
  `service ${s.name} mounts volume ${volume}: a named volume lives on each node separately (${engineName(stack, volume)} on the node that runs the task); for data shared across nodes use an nfs() or sshfs() volume (docs/swarm.md)`;

export function planServices(ctx: PlanContext): PlanNode[] {
  const nodes: PlanNode[] = [];
  const stack = ctx.desired.name;
  const desired = ctx.desired.services ?? [];
  const observed = ctx.observed.services ?? [];
  if (desired.length && ctx.observed.swarm && !ctx.observed.swarm.manager) {
    const first = desired[0]!;
    ctx.diagnostics.push(error(`the engine is not a swarm manager, so it cannot run service${desired.length > 1 ? 's' : ''} ${desired.map((s) => s.name).join(', ')}`, {
      resource: `service.${first.name}`, location: ctx.desired.locations[`service.${first.name}`],
      detail: `Make this engine a (single-node) swarm with \`docker swarm init\` (add --advertise-addr ADDRESS when it has several), or point moor at a manager (--context). moor never creates, joins or leaves a swarm itself. The engine said: ${ctx.observed.swarm.reason ?? 'not a swarm manager'}`,
    }));
    return [];
  }
  for (const want0 of desired) {
    const id = `service.${want0.name}`;
    const en = engineName(stack, want0.name);
    const obs = observed.find((o) => o.name === en);
    const rules = rulesOf(ctx.desired.lifecycle, id);
    const dependsOn = [
      `image.${want0.image}`,
      ...want0.networks.map((n) => `network.${n.network}`),
      ...want0.mounts.flatMap((m) => (m.type === 'volume' ? [`volume.${m.volume}`] : [])),
    ];
    for (const m of want0.mounts) if (m.type === 'volume' && ctx.desired.volumes.find((v) => v.name === m.volume)?.provider.name === 'local') ctx.notes.push(volumeNote(stack, want0, m.volume));
    const base = { id, kind: 'service' as const, name: want0.name, engineName: en, dependsOn, dependents: [] };
    if (obs?.owner === 'foreign') { collision(ctx, 'service', want0.name, en); continue; }
    if (!obs) {
      const causes = ['not on the swarm'];
      nodes.push({ ...base, action: 'create', causes, changes: serviceAttributes(want0), op: { type: 'service.create', service: want0, secrets: secretPlan(ctx, want0, undefined) } });
      continue;
    }
    const last = obs.spec;
    const want = last ? withIgnored(want0, last, obs, rules) : want0;
    const changes = last ? diffAttributes(RULES, last, want).filter((c) => !isIgnored(rules, c.path)) : serviceAttributes(want);
    const drift = last
      ? diffAttributes(DRIFT, expectedLive(stack, last, serviceImageRef(ctx, last.image)), obs.live, 'drift')
        .filter((d) => !isIgnored(rules, d.path) && !changes.some((c) => c.path === d.path))
      : [];
    const causes = [
      ...(last ? changes.map((c) => `${c.path} changed`) : ['moor cannot read what it last applied to this service']),
      ...drift.map((d) => (d.path === 'replicas' ? `scaled outside moor (${String(d.before)} → ${String(d.after)})` : `${d.path} changed outside moor`)),
    ];
    const forced = ctx.options.replace?.includes(id) ?? false;
    if (forced) causes.push('forced by --replace (the swarm replaces every task, one batch at a time)');
    if (obs.updateState === 'paused' || obs.updateState === 'rollback_paused') causes.push(`its last rollout is ${obs.updateState.replace('_', ' ')}`);
    const secrets = secretPlan(ctx, want, last);
    if (secrets.create.length && !causes.length) causes.push('a secret it mounts is missing from the swarm');
    if (!causes.length) { nodes.push({ ...base, action: 'noop', causes: [], changes: [], op: { type: 'noop' } }); continue; }
    nodes.push({
      ...base, action: 'update', causes, changes: [...changes, ...drift.map((d) => ({ ...d, before: d.after, after: d.before }))],
      op: { type: 'service.update', id: obs.id, version: obs.version, service: want, secrets, forceUpdate: obs.forceUpdate + (forced ? 1 : 0) },
    });
  }
  for (const obs of observed) {
    if (obs.owner !== 'stack' || !obs.resource || desired.some((s) => s.name === obs.resource)) continue;
    nodes.push({
      id: `service.${obs.resource}`, kind: 'service', name: obs.resource, engineName: obs.name, action: 'delete',
      causes: [ctx.options.mode === 'destroy' ? 'destroy' : 'no longer in the stack'], changes: obs.spec ? serviceAttributes(obs.spec, true) : [],
      dependsOn: [], dependents: [], op: { type: 'service.delete', id: obs.id, secrets: secretPlan(ctx, null, obs.spec ?? ({ name: obs.resource } as ServiceSpec)) },
    });
  }
  return nodes;
}

/** Resource ids of services that, as last applied, use a network or volume (they let go before it is deleted). */
export function serviceUsers(ctx: PlanContext, kind: 'network' | 'volume', name: string): string[] {
  return (ctx.observed.services ?? [])
    .filter((s) => s.owner === 'stack' && s.spec && (kind === 'network' ? s.spec.networks.some((n) => n.network === name) : s.spec.mounts.some((m) => m.type === 'volume' && m.volume === name)))
    .map((s) => `service.${s.resource}`);
}
