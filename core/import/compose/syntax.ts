/**
 * Compose's short syntaxes → their long form (as the Compose spec documents them), shared by the
 * merge (unique keys) and the mapping.
 */
import type { Dict } from './types.js';
import { isDict } from './types.js';

export interface PortLong {
  target: string;
  published?: string;
  host_ip?: string;
  protocol?: string;
  [k: string]: unknown;
}

/** "[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]", ranges and [IPv6] allowed; numbers too. */
export function parsePortShort(spec: string | number): PortLong | undefined {
  let s = String(spec).trim();
  let protocol: string | undefined;
  const slash = s.lastIndexOf('/');
  if (slash >= 0) { protocol = s.slice(slash + 1); s = s.slice(0, slash); }
  let hostIp: string | undefined;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return undefined;
    hostIp = s.slice(1, close);
    s = s.slice(close + 1).replace(/^:/, '');
  }
  const parts = s.split(':');
  let target: string;
  let published: string | undefined;
  if (parts.length === 1) target = parts[0]!;
  else if (parts.length === 2) {
    if (hostIp !== undefined) { published = parts[0]; target = parts[1]!; } else { published = parts[0]; target = parts[1]!; }
  } else {
    target = parts.pop()!;
    published = parts.pop();
    hostIp = parts.join(':');
  }
  if (!/^\d+(-\d+)?$/.test(target)) return undefined;
  if (published !== undefined && published !== '' && !/^\d+(-\d+)?$/.test(published)) return undefined;
  return {
    target,
    ...(published ? { published } : {}),
    ...(hostIp ? { host_ip: hostIp } : {}),
    ...(protocol ? { protocol } : {}),
  };
}

/** A port entry (short or long) in long form, or undefined when it is not one. */
export function portLong(entry: unknown): PortLong | undefined {
  if (typeof entry === 'string' || typeof entry === 'number') return parsePortShort(entry);
  if (isDict(entry) && entry.target !== undefined) {
    const { target, published, ...rest } = entry;
    return { ...rest, target: String(target), ...(published !== undefined && published !== null && published !== '' ? { published: String(published) } : {}) } as PortLong;
  }
  return undefined;
}

export function portKey(entry: unknown): string {
  const p = portLong(entry);
  return p ? `${p.host_ip ?? ''}|${p.target}|${p.published ?? ''}|${p.protocol ?? 'tcp'}` : JSON.stringify(entry);
}

export interface VolumeLong {
  type: 'volume' | 'bind' | 'tmpfs' | string;
  source?: string;
  target: string;
  read_only?: boolean;
  /** Short-syntax mode flags other than ro/rw (z, Z, nocopy, cached, …). */
  flags?: string[];
  [k: string]: unknown;
}

/** A short volume source is a host path when it starts with . / or ~ (else a named volume). */
export const isHostPath = (source: string) => /^(\.|\/|~)/.test(source);

/** "[SOURCE:]TARGET[:MODE]". */
export function parseVolumeShort(spec: string): VolumeLong | undefined {
  const parts = spec.split(':');
  if (parts.length === 1) return { type: 'volume', target: parts[0]! };
  if (parts.length > 3) return undefined;
  const [source, target, mode] = parts as [string, string, string | undefined];
  const flags = mode ? mode.split(',').filter(Boolean) : [];
  const out: VolumeLong = { type: isHostPath(source) ? 'bind' : 'volume', source, target };
  if (flags.includes('ro')) out.read_only = true;
  const rest = flags.filter((f) => f !== 'ro' && f !== 'rw');
  if (rest.length) out.flags = rest;
  return out;
}

export function volumeLong(entry: unknown): VolumeLong | undefined {
  if (typeof entry === 'string') return parseVolumeShort(entry);
  if (isDict(entry) && typeof entry.target === 'string') return { type: 'volume', ...entry } as VolumeLong;
  return undefined;
}

export function volumeKey(entry: unknown): string {
  return volumeLong(entry)?.target ?? JSON.stringify(entry);
}

/** secrets/configs entries: "name" or { source, target }; keyed by target (the name by default). */
export function fileRefKey(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (isDict(entry)) return String(entry.target ?? entry.source);
  return JSON.stringify(entry);
}

/** ['K=V', 'K'] or { K: V } → a map (a bare 'K' and a null value: undefined, "take it from the shell"). */
export function listOrMap(value: unknown, sep = '='): Record<string, unknown> {
  if (isDict(value)) return { ...value };
  const out: Dict = {};
  if (Array.isArray(value)) {
    for (const item of value) {
      const s = String(item);
      const i = s.indexOf(sep);
      if (i < 0) out[s] = null;
      else out[s.slice(0, i)] = s.slice(i + 1);
    }
  }
  return out;
}

/** depends_on / networks: a list of names or a map of name → options. */
export function namesOrMap(value: unknown): Record<string, Dict | null> {
  if (Array.isArray(value)) return Object.fromEntries(value.map((n) => [String(n), null]));
  if (isDict(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isDict(v) ? v : null]));
  return {};
}
