/**
 * How an attribute's raw value (as the plan holds it, and the plan JSON carries it) reads in plan
 * text: in the user's terms ('127.0.0.1:8080→80/tcp', '256 MiB', 'on-failure:3'). Only the
 * renderer formats; the planner never does.
 */
import type { BackupSpec, ContainerSpec, DependsOnSpec, HealthcheckSpec, MountSpec, NetworkAttachmentSpec, PortSpec, RestartSpec } from '../model/spec.js';
import { showKeep, showTarget } from '../plan/backup.js';
import type { ResourceKind } from '../stack/handles.js';
import type { ServicePortSpec } from '../model/service.js';
import { showBytes, showHealthcheck, showMount, showNetworkMode, showPort, showRestart } from './display.js';
import { showValue } from './value.js';

const list = (items: string[]) => showValue(items);

function attachment(a: { aliases: string[] } | null): string {
  if (a === null) return '"not attached"';
  return a.aliases.length ? `"attached, aliases ${a.aliases.join(', ')}"` : '"attached"';
}

function showAttachment(n: NetworkAttachmentSpec): string {
  const extra = [...(n.ipv4Address ? [n.ipv4Address] : []), ...(n.aliases.length ? [`aliases ${n.aliases.join(', ')}`] : [])];
  return extra.length ? `${n.network} (${extra.join(', ')})` : n.network;
}

/** Formatters by kind and attribute path; `networks.<name>` and per-key paths fall back to their value. */
function formatter(kind: ResourceKind, path: string): ((v: never) => string) | undefined {
  if (kind === 'container') {
    // `networks.<name>` is an attachment; `networks.<name>.aliases` and `.ipv4Address` are plain values.
    if (/^networks\.[^.]+$/.test(path)) return attachment;
    // The docker CLI's forms: a ulimit as soft:hard, a device as host:container:permissions.
    if (path.startsWith('ulimits.')) return (v: { soft: number; hard: number }) => showValue(`${v.soft}:${v.hard}`);
    switch (path) {
      case 'ports': return (v: PortSpec[]) => list(v.map(showPort));
      case 'mounts': return (v: MountSpec[]) => list(v.map(showMount));
      case 'volumesFrom': return (v: ContainerSpec['volumesFrom']) => list(v.map((x) => x.container + (x.readOnly ? ':ro' : '')));
      case 'networkMode': return (v: ContainerSpec['networkMode']) => showValue(showNetworkMode(v));
      case 'healthcheck': return (v: HealthcheckSpec) => showHealthcheck(v) ?? '(none)';
      case 'restart': return (v: RestartSpec) => showValue(showRestart(v));
      case 'resources.memory': return (v: number) => showValue(showBytes(v));
      case 'shmSize': return (v: number) => showValue(showBytes(v));
      case 'devices': return (v: NonNullable<ContainerSpec['devices']>) => list(v.map((d) => `${d.host}:${d.container}:${d.permissions}`));
      case 'networks': return (v: NetworkAttachmentSpec[]) => list(v.map(showAttachment));
      case 'dependsOn': return (v: DependsOnSpec[]) => list(v.map((d) => `${d.container} (${d.condition})`));
    }
  }
  if (kind === 'service') {
    switch (path) {
      case 'ports': return (v: ServicePortSpec[]) => list(v.map((p) => `${p.published ?? '(any)'}→${p.target}/${p.protocol}${p.mode === 'host' ? ' (host mode)' : ''}`));
      case 'mounts': return (v: MountSpec[]) => list(v.map(showMount));
      case 'healthcheck': return (v: HealthcheckSpec) => showHealthcheck(v) ?? '(none)';
      case 'networks': return (v: NetworkAttachmentSpec[]) => list(v.map((n) => (n.aliases.length ? `${n.network} (aliases ${n.aliases.join(', ')})` : n.network)));
    }
  }
  if (kind === 'backup') {
    switch (path) {
      case 'target': return (v: BackupSpec['target']) => showValue(showTarget({ target: v }));
      case 'keep': return (v: BackupSpec['keep']) => showValue(showKeep({ keep: v }));
      case 'schedule': return (v: BackupSpec['schedule']) => showValue(`${v.cron} (${v.timezone})`);
    }
  }
  return undefined;
}

export function formatAttribute(kind: ResourceKind, path: string, value: unknown): string {
  if (value === null || value === undefined) return kind === 'container' && /^networks\.[^.]+$/.test(path) ? '"not attached"' : '(none)';
  const f = formatter(kind, path);
  return f ? f(value as never) : showValue(value);
}
