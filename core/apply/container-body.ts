/** Translate a canonical container spec into the Engine API's create body. Pure. */
import { specLabels } from '../model/labels.js';
import { engineName as nameOf } from '../model/names.js';
import type { ContainerSpec, DesiredStack } from '../model/spec.js';
import { isSecretRef, type EnvValue } from '../model/secret.js';

export interface CreateBody {
  body: Record<string, unknown>;
  /** Networks to connect after creation (the create call takes only one on older engines). */
  extraNetworks: { network: string; aliases: string[] }[];
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
 * `names`: engine names of adopted objects that kept theirs (`network.default` → `shop_default`,
 * see model/adoption.ts), by resource id; every other resource is named `<stack>-<name>`.
 */
export function containerCreateBody(stack: string, imageRef: string, c: ContainerSpec, secrets: SecretValues = new Map(), names: Record<string, string> = {}): CreateBody {
  const engineName = (s: string, name: string, kind: 'network' | 'volume' | 'container') => names[`${kind}.${name}`] ?? nameOf(s, name);
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  const exposed: Record<string, object> = {};
  for (const p of c.ports) {
    exposed[p.containerPort] = {};
    (portBindings[p.containerPort] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort });
  }
  const nets = c.networkMode.type === 'networks' ? c.networks.map((n) => ({ network: engineName(stack, n.network, 'network'), aliases: aliasesFor(c, n.aliases) })) : [];
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
    HostConfig: {
      NetworkMode: networkMode,
      PortBindings: portBindings,
      PublishAllPorts: c.publishAll,
      Mounts: c.mounts.map((m) => {
        switch (m.type) {
          case 'volume': return { Type: 'volume', Source: engineName(stack, m.volume, 'volume'), Target: m.target, ReadOnly: m.readOnly };
          case 'bind': return { Type: 'bind', Source: m.source, Target: m.target, ReadOnly: m.readOnly };
          case 'tmpfs': return { Type: 'tmpfs', Target: m.target, TmpfsOptions: { ...(m.sizeBytes ? { SizeBytes: m.sizeBytes } : {}), ...(m.mode !== null ? { Mode: m.mode } : {}) } };
        }
      }),
      VolumesFrom: c.volumesFrom.map((v) => `${engineName(stack, v.container, 'container')}${v.readOnly ? ':ro' : ''}`),
      RestartPolicy: { Name: c.restart.policy, MaximumRetryCount: c.restart.maxRetries },
      NanoCpus: c.resources.nanoCpus ?? 0,
      Memory: c.resources.memoryBytes ?? 0,
      PidsLimit: c.resources.pids ?? 0,
    },
    NetworkingConfig: nets.length ? { EndpointsConfig: { [nets[0]!.network]: { Aliases: nets[0]!.aliases } } } : undefined,
  };
  return { body, extraNetworks: nets.slice(1) };
}
