/** Translate a canonical service spec into the Engine API's service spec (create and update bodies). Pure. */
import { specLabels } from '../model/labels.js';
import { engineName } from '../model/names.js';
import type { DesiredStack } from '../model/spec.js';
import type { ServiceSpec, UpdatePolicySpec } from '../model/service.js';
import { swarmSecretName } from '../model/swarm-secret.js';
import type { SwarmServiceSpec, SwarmUpdateConfig } from '../engine/swarm-types.js';
import { serviceImageRef } from '../plan/service.js';

function updateConfig(u: UpdatePolicySpec | null): SwarmUpdateConfig | undefined {
  if (!u) return undefined;
  return { Parallelism: u.parallelism, Delay: u.delayNs, FailureAction: u.failureAction, Monitor: u.monitorNs, Order: u.order };
}

/** Swarm secret ids by name, for the secrets the tasks mount. */
export type SecretIds = ReadonlyMap<string, string>;

export function serviceBody(stack: DesiredStack, s: ServiceSpec, secretIds: SecretIds): SwarmServiceSpec {
  const name = stack.name;
  const hc = s.healthcheck;
  const lim = s.resources.limits;
  const res = s.resources.reservations;
  const nonNull = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
  return {
    Name: engineName(name, s.name),
    Labels: { ...s.labels, ...specLabels(name, s) },
    TaskTemplate: {
      ContainerSpec: {
        Image: serviceImageRef({ desired: stack }, s.image),
        ...(s.entrypoint ? { Command: s.entrypoint } : {}),
        ...(s.command ? { Args: s.command } : {}),
        Env: Object.entries(s.env).map(([k, v]) => `${k}=${v}`),
        Labels: { ...s.labels },
        ...(s.user ? { User: s.user } : {}),
        ...(s.workingDir ? { Dir: s.workingDir } : {}),
        ...(s.stopSignal ? { StopSignal: s.stopSignal } : {}),
        ...(s.stopTimeout !== null ? { StopGracePeriod: Math.round(s.stopTimeout * 1e9) } : {}),
        ...(hc ? { Healthcheck: { Test: hc.test, Interval: hc.intervalNs ?? 0, Timeout: hc.timeoutNs ?? 0, StartPeriod: hc.startPeriodNs ?? 0, Retries: hc.retries ?? 0 } } : {}),
        Mounts: s.mounts.map((m) => {
          switch (m.type) {
            case 'volume': {
              // Every node creates the volume the same way when a task first lands there.
              const v = stack.volumes.find((x) => x.name === m.volume);
              return {
                Type: 'volume', Source: engineName(name, m.volume), Target: m.target, ReadOnly: m.readOnly,
                ...(v ? { VolumeOptions: { DriverConfig: { Name: v.driver, Options: v.driverOpts } } } : {}),
              };
            }
            case 'bind': return { Type: 'bind', Source: m.source, Target: m.target, ReadOnly: m.readOnly};
            case 'anonymous': return { Type: 'volume', Target: m.target };
            case 'tmpfs': return { Type: 'tmpfs', Target: m.target, TmpfsOptions: { ...(m.sizeBytes ? { SizeBytes: m.sizeBytes } : {}), ...(m.mode !== null ? { Mode: m.mode } : {}) } };
          }
        }),
        Secrets: Object.entries(s.secrets).map(([file, ref]) => {
          const secretName = swarmSecretName(name, s.name, file, ref);
          return { File: { Name: file, UID: '0', GID: '0', Mode: 0o444 }, SecretID: secretIds.get(secretName) ?? secretName, SecretName: secretName };
        }),
      },
      Resources: {
        Limits: nonNull({ NanoCPUs: lim.nanoCpus, MemoryBytes: lim.memoryBytes, Pids: lim.pids }),
        Reservations: nonNull({ NanoCPUs: res.nanoCpus, MemoryBytes: res.memoryBytes }),
      },
      ...(s.restart ? { RestartPolicy: nonNull({ Condition: s.restart.condition, MaxAttempts: s.restart.maxAttempts, Delay: s.restart.delayNs }) } : {}),
      Placement: {
        Constraints: s.placement.constraints,
        Preferences: s.placement.preferences.map((p) => ({ Spread: { SpreadDescriptor: p } })),
      },
      Networks: s.networks.map((n) => ({ Target: engineName(name, n.network), Aliases: [s.name, ...n.aliases] })),
    },
    Mode: { Replicated: { Replicas: s.replicas } },
    ...(s.update ? { UpdateConfig: updateConfig(s.update) } : {}),
    ...(s.rollback ? { RollbackConfig: updateConfig(s.rollback) } : {}),
    EndpointSpec: {
      Mode: s.endpointMode,
      Ports: s.ports.map((p) => ({ TargetPort: p.target, ...(p.published !== null ? { PublishedPort: p.published } : {}), Protocol: p.protocol, PublishMode: p.mode })),
    },
  };
}
