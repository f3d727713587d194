/** How spec values read in a plan: in the user's terms ('127.0.0.1:8080→80/tcp', '256 MiB'), not the engine's. */
import type { ContainerSpec, HealthcheckSpec, MountSpec, PortSpec, RestartSpec } from '../model/spec.js';

export function showPort(p: PortSpec): string {
  const host = p.hostPort ? `${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort}` : `${p.hostIp ? `${p.hostIp}:` : ''}(any)`;
  return `${host}→${p.containerPort}`;
}

export function showMount(m: MountSpec): string {
  switch (m.type) {
    case 'volume': return `volume ${m.volume} → ${m.target}${m.readOnly ? ' (ro)' : ''}`;
    case 'bind': return `bind ${m.source} → ${m.target}${m.readOnly || m.selinux ? ` (${[m.readOnly ? 'ro' : '', m.selinux ? `selinux ${m.selinux}` : ''].filter(Boolean).join(', ')})` : ''}`;
    case 'anonymous': return `anonymous volume → ${m.target}`;
    case 'tmpfs': return `tmpfs → ${m.target}${m.sizeBytes ? ` size=${showBytes(m.sizeBytes)}` : ''}${m.mode !== null ? ` mode=${m.mode.toString(8)}` : ''}`;
  }
}

export function showRestart(r: RestartSpec): string {
  return r.policy === 'on-failure' && r.maxRetries ? `on-failure:${r.maxRetries}` : r.policy;
}

export function showBytes(n: number | null): string | null {
  if (n === null) return null;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1 && Number.isInteger(v / 1024)) { v /= 1024; u++; }
  return `${v} ${units[u]}`;
}

export function showNetworkMode(m: ContainerSpec['networkMode']): string {
  return m.type === 'container' ? `container:${m.container}` : m.type;
}

export function showHealthcheck(h: HealthcheckSpec | null): string | null {
  if (!h) return null;
  const ns = (v: number | null) => (v === null ? null : `${v / 1e9}s`);
  const parts = [JSON.stringify(h.test)];
  if (h.intervalNs !== null) parts.push(`interval=${ns(h.intervalNs)}`);
  if (h.timeoutNs !== null) parts.push(`timeout=${ns(h.timeoutNs)}`);
  if (h.startPeriodNs !== null) parts.push(`start-period=${ns(h.startPeriodNs)}`);
  if (h.retries !== null) parts.push(`retries=${h.retries}`);
  return parts.join(' ');
}
