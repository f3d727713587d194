/** Translate a canonical container spec into the Engine API's create body. Pure. */
import { specLabels } from '../model/labels.js';
import { attachedNetworkName, engineName as nameOf } from '../model/names.js';
import type { ContainerSpec, DesiredStack } from '../model/spec.js';
import { isSecretRef, type EnvValue } from '../model/secret.js';
import { exposedPorts, runtimeBody } from './runtime-body.js';

export interface CreateBody {
  body: Record<string, unknown>;
  /** Query of the create call besides the name (platform). */
  query: Record<string, string>;
  /** Networks to connect after creation (the create call takes only one on older engines). */
  extraNetworks: { network: string; aliases: string[]; ipv4Address?: string }[];
}

/** A network endpoint's settings: its aliases and, when fixed, its IPv4 address. */
export function endpointConfig(aliases: string[], ipv4Address?: string): Record<string, unknown> {
  return { ...(aliases.length ? { Aliases: aliases } : {}), ...(ipv4Address ? { IPAMConfig: { IPv4Address: ipv4Address } } : {}) };
}

export function imageRefFor(stack: DesiredStack | { images: DesiredStack['images'] }, image: string): string {
  return stack.images.find((i) => i.name === image)?.ref ?? image;
}

export function aliasesFor(c: ContainerSpec, aliases: string[]): string[] {
  return [c.name, ...aliases.filter((a) => a !== c.name)];
}

/** Secret values by reference ('env:NAME'), read when moor runs; never stored in plans. */
export type SecretValues = ReadonlyMap<string, string>;

function envLine(key: string, v: EnvValue, secrets: SecretValues): string {
  if (!isSecretRef(v)) return `${key}=${v}`;
  const value = secrets.get(v.secret);
  // The reference is safe to name; the value never is.
  if (value === undefined) throw new Error(`secret ${v.secret} for env.${key} was not read`);
  return `${key}=${value}`;
}

/**
 * `anonymous`: the engine names of the old container's anonymous volumes, by target, that a
 * replacement mounts again (its data kept); other anonymous mounts get a new volume.
 * `names`: engine names of adopted objects that kept theirs (`network.default` → `shop_default`,
 * see model/adoption.ts), by resource id; every other resource is named `<stack>-<name>`.
 */
/** Bind mounts with an SELinux relabel option, in the Binds form; none: no Binds field. */
function relabelledBinds(c: ContainerSpec): { Binds?: string[] } {
  const binds = c.mounts.flatMap((m) => (m.type === 'bind' && m.selinux ? [`${m.source}:${m.target}:${m.readOnly ? 'ro,' : ''}${m.selinux}`] : []));
  return binds.length ? { Binds: binds } : {};
}

export function containerCreateBody(stack: string, imageRef: string, c: ContainerSpec, secrets: SecretValues = new Map(), anonymous: Record<string, string> = {}, names: Record<string, string> = {}): CreateBody {
  const engineName = (s: string, name: string, kind: 'network' | 'volume' | 'container') => names[`${kind}.${name}`] ?? nameOf(s, name);
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of c.ports) (portBindings[p.containerPort] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort });
  const exposed = exposedPorts(c.ports.map((p) => p.containerPort), c.expose);
  const nets = c.networkMode.type === 'networks'
    ? c.networks.map((n) => ({ network: names[`network.${n.network}`] ?? attachedNetworkName(stack, n), aliases: aliasesFor(c, n.aliases), ...(n.ipv4Address ? { ipv4Address: n.ipv4Address } : {}) }))
    : [];
  const runtime = runtimeBody(c);
  const networkMode = (() => {
    switch (c.networkMode.type) {
      case 'networks': return nets[0]!.network;
      case 'container': return `container:${engineName(stack, c.networkMode.container, 'container')}`;
      default: return c.networkMode.type;
    }
  })();
  const hc = c.healthcheck;
  const body: Record<string, unknown> = {
    Image: imageRef,
    Cmd: c.command ?? undefined,
    Entrypoint: c.entrypoint ?? undefined,
    Env: Object.entries(c.env).map(([k, v]) => envLine(k, v, secrets)),
    Labels: { ...c.labels, ...specLabels(stack, c) },
    User: c.user ?? undefined,
    WorkingDir: c.workingDir ?? undefined,
    Hostname: c.hostname ?? undefined,
    StopSignal: c.stopSignal ?? undefined,
    StopTimeout: c.stopTimeout ?? undefined,
    ExposedPorts: exposed,
    Healthcheck: hc
      ? { Test: hc.test, Interval: hc.intervalNs ?? 0, Timeout: hc.timeoutNs ?? 0, StartPeriod: hc.startPeriodNs ?? 0, Retries: hc.retries ?? 0 }
      : undefined,
    ...runtime.config,
    HostConfig: {
      NetworkMode: networkMode,
      PortBindings: portBindings,
      PublishAllPorts: c.publishAll,
      // The Mounts API has no SELinux relabel option: those binds take the Binds form (`src:dst:ro,Z`).
      Mounts: c.mounts.filter((m) => !(m.type === 'bind' && m.selinux)).map((m) => {
        switch (m.type) {
          case 'volume': return { Type: 'volume', Source: engineName(stack, m.volume, 'volume'), Target: m.target, ReadOnly: m.readOnly };
          case 'bind': return { Type: 'bind', Source: m.source, Target: m.target, ReadOnly: m.readOnly };
          case 'tmpfs': return { Type: 'tmpfs', Target: m.target, TmpfsOptions: { ...(m.sizeBytes ? { SizeBytes: m.sizeBytes } : {}), ...(m.mode !== null ? { Mode: m.mode } : {}) } };
          case 'anonymous': return { Type: 'volume', Target: m.target, ...(anonymous[m.target] ? { Source: anonymous[m.target] } : {}) };
        }
      }),
      ...relabelledBinds(c),
      VolumesFrom: c.volumesFrom.map((v) => `${engineName(stack, v.container, 'container')}${v.readOnly ? ':ro' : ''}`),
      RestartPolicy: { Name: c.restart.policy, MaximumRetryCount: c.restart.maxRetries },
      NanoCpus: c.resources.nanoCpus ?? 0,
      Memory: c.resources.memoryBytes ?? 0,
      PidsLimit: c.resources.pids ?? 0,
      ...runtime.hostConfig,
    },
    NetworkingConfig: nets.length ? { EndpointsConfig: { [nets[0]!.network]: endpointConfig(nets[0]!.aliases, nets[0]!.ipv4Address) } } : undefined,
  };
  return { body, query: runtime.query, extraNetworks: nets.slice(1) };
}
