/**
 * observe, swarm part: the stack's services (with their version, what the swarm runs now and the
 * spec moor last applied, from the service's labels), how many of their tasks run, and the swarm
 * secrets moor made for them. On an engine that is not a swarm manager the listing fails (503, or
 * 404 on engines without swarm): the state says so, and the planner tells the user what to do.
 */
import type { EngineClient } from '../engine/client.js';
import { EngineError } from '../engine/errors.js';
import type { SwarmSecret, SwarmService, SwarmServiceSpec, SwarmTask } from '../engine/swarm-types.js';
import { LABEL, readSpec } from '../model/labels.js';
import type { ServicePortSpec, ServiceSpec } from '../model/service.js';
import type { ObservedBase } from './types.js';

/** What the swarm runs now, in moor's terms: the attributes a change by hand shows up in. */
export interface LiveServiceState {
  /** The image reference without the `@sha256:` digest the swarm (or the docker CLI) pins. */
  image: string;
  replicas: number;
  command: string[] | null;
  entrypoint: string[] | null;
  env: Record<string, string>;
  labels: Record<string, string>;
  ports: ServicePortSpec[];
  /** Swarm secret names the tasks mount. */
  secrets: string[];
}

export interface ObservedService extends ObservedBase {
  spec?: ServiceSpec;
  /** The version an update must name (`/services/{id}/update?version=`). */
  version: number;
  live: LiveServiceState;
  /** UpdateStatus.State: 'updating', 'completed', 'paused', 'rollback_completed'…; null before any update. */
  updateState: string | null;
  /** TaskTemplate.ForceUpdate: raised to make the swarm replace every task with the spec unchanged. */
  forceUpdate: number;
  /** Tasks whose desired state is running, and how many of them run. */
  tasks: { running: number; desired: number };
}

export interface ObservedSwarm {
  /** True when the engine can create and change services. */
  manager: boolean;
  /** The engine's answer when it is not (its message names `docker swarm init`). */
  reason?: string;
}

export interface ObservedSwarmSecret {
  id: string;
  name: string;
  labels: Record<string, string>;
}

export interface ObservedServices {
  swarm: ObservedSwarm;
  services: ObservedService[];
  secrets: ObservedSwarmSecret[];
}

const filters = (f: Record<string, string[]>) => JSON.stringify(f);

/** `busybox:1.36@sha256:…` → `busybox:1.36`. */
export function withoutDigest(image: string): string {
  const at = image.indexOf('@sha256:');
  return at < 0 ? image : image.slice(0, at);
}

const sortRecord = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export function liveServiceState(spec: SwarmServiceSpec): LiveServiceState {
  const cs = spec.TaskTemplate.ContainerSpec;
  const env: Record<string, string> = {};
  for (const line of cs.Env ?? []) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  const labels = Object.fromEntries(Object.entries(spec.Labels ?? {}).filter(([k]) => !k.startsWith('moor.')));
  return {
    image: withoutDigest(cs.Image),
    replicas: spec.Mode?.Replicated?.Replicas ?? 0,
    command: cs.Args?.length ? cs.Args : null,
    entrypoint: cs.Command?.length ? cs.Command : null,
    env: sortRecord(env),
    labels: sortRecord(labels),
    ports: (spec.EndpointSpec?.Ports ?? []).map((p) => ({
      target: p.TargetPort, published: p.PublishedPort || null, protocol: (p.Protocol ?? 'tcp') as ServicePortSpec['protocol'], mode: (p.PublishMode ?? 'ingress') as ServicePortSpec['mode'],
    })).sort((a, b) => a.target - b.target || a.protocol.localeCompare(b.protocol) || (a.published ?? 0) - (b.published ?? 0)),
    secrets: (cs.Secrets ?? []).map((s) => s.SecretName).sort(),
  };
}

const notManager = (e: unknown) => e instanceof EngineError && [404, 501, 503].includes(e.status);

/**
 * One list by label always (a stack that dropped its last service must still remove it; a
 * non-swarm engine answers in a millisecond); the rest only when the stack has services.
 */
export async function observeServices(client: EngineClient, stack: string, declared: boolean): Promise<ObservedServices> {
  const byLabel = filters({ label: [`${LABEL.stack}=${stack}`] });
  let listed: SwarmService[];
  try {
    listed = await client.request<SwarmService[]>('GET', '/services', { query: { filters: byLabel } });
  } catch (e) {
    if (notManager(e)) return { swarm: { manager: false, reason: (e as EngineError).engineMessage }, services: [], secrets: [] };
    throw e;
  }
  const ours = listed.filter((s) => s.Spec.Labels?.[LABEL.stack] === stack && s.Spec.Labels?.[LABEL.kind] === 'service');
  // A stack without services, none on the swarm: nothing can collide, no secret can be left.
  if (!declared && !ours.length) return { swarm: { manager: true }, services: [], secrets: [] };
  const byName = filters({ name: [`${stack}-`] });
  const [named, tasks, secrets] = await Promise.all([
    client.request<SwarmService[]>('GET', '/services', { query: { filters: byName } }),
    ours.length
      ? client.request<SwarmTask[]>('GET', '/tasks', { query: { filters: filters({ service: ours.map((s) => s.ID), 'desired-state': ['running'] }) } })
      : Promise.resolve([] as SwarmTask[]),
    client.request<SwarmSecret[]>('GET', '/secrets', { query: { filters: byLabel } }),
  ]);
  const services: ObservedService[] = [];
  for (const s of [...ours, ...named.filter((n) => !ours.some((o) => o.ID === n.ID) && n.Spec.Name.startsWith(`${stack}-`))]) {
    const owned = ours.includes(s);
    const mine = tasks.filter((t) => t.ServiceID === s.ID);
    services.push({
      id: s.ID,
      name: s.Spec.Name,
      labels: s.Spec.Labels ?? {},
      owner: owned ? 'stack' : 'foreign',
      resource: owned ? s.Spec.Labels?.[LABEL.name] : undefined,
      spec: owned ? readSpec<ServiceSpec>(s.Spec.Labels, 'service') : undefined,
      version: s.Version.Index,
      live: liveServiceState(s.Spec),
      updateState: s.UpdateStatus?.State ?? null,
      forceUpdate: s.Spec.TaskTemplate.ForceUpdate ?? 0,
      tasks: { running: mine.filter((t) => t.Status.State === 'running').length, desired: mine.length },
    });
  }
  return {
    swarm: { manager: true },
    services,
    secrets: secrets.filter((x) => x.Spec.Labels?.[LABEL.stack] === stack).map((x) => ({ id: x.ID, name: x.Spec.Name, labels: x.Spec.Labels ?? {} })),
  };
}
