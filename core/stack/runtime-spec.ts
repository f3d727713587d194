/**
 * The runtime options of container() (issue 14) in their canonical form: engine defaults left
 * out, names as the engine's own CLI sends them, stable order. A spec without a field and an
 * older label without it therefore mean the same thing: the engine's default.
 */
import { error, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import type { GpuRequestSpec, RuntimeSpec } from '../model/spec.js';
import { sizeToBytes } from './schema/common.js';
import type { ContainerOptionsParsed } from './schema/container.js';
import { canonicalCapability } from './validate/runtime-names.js';

/** The engine's /dev/shm size when none is given. */
export const DEFAULT_SHM_BYTES = 64 * 1024 * 1024;

const byKey = <T>(r: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const sortedUnique = (xs: string[]): string[] => [...new Set(xs)].sort();
const nonEmpty = <T>(xs: T[]): T[] | undefined => (xs.length ? xs : undefined);

type Where = { resource: string; location: SourceLocation };

export function runtimeSpec(o: ContainerOptionsParsed, where: Where, diags: Diagnostic[]): RuntimeSpec {
  const out: RuntimeSpec = {};
  const caps = capabilities(o.capabilities, where, diags);
  if (caps) out.capabilities = caps;
  if (o.privileged) out.privileged = true;
  if (o.readOnlyRoot) out.readOnlyRoot = true;
  if (o.init) out.init = true;
  const sec = nonEmpty(sortedUnique(o.securityOptions ?? []));
  if (sec) out.securityOptions = sec;
  if (o.sysctls && Object.keys(o.sysctls).length) out.sysctls = byKey(Object.fromEntries(Object.entries(o.sysctls).map(([k, v]) => [k, String(v)])));
  if (o.ulimits && Object.keys(o.ulimits).length) {
    out.ulimits = byKey(Object.fromEntries(Object.entries(o.ulimits).map(([k, v]) => [k, typeof v === 'number' ? { soft: v, hard: v } : { soft: v.soft, hard: v.hard }])));
  }
  const devices = devicesOf(o.devices ?? [], where, diags);
  if (devices) out.devices = devices;
  if (o.shmSize !== undefined && sizeToBytes(o.shmSize) !== DEFAULT_SHM_BYTES) out.shmSize = sizeToBytes(o.shmSize);
  if (o.extraHosts && Object.keys(o.extraHosts).length) out.extraHosts = byKey(o.extraHosts);
  const dns = { servers: [...new Set(o.dns?.servers ?? [])], search: [...new Set(o.dns?.search ?? [])], options: [...new Set(o.dns?.options ?? [])] };
  if (dns.servers.length || dns.search.length || dns.options.length) out.dns = dns;
  if (o.logging) out.logging = { driver: o.logging.driver, options: byKey(o.logging.options ?? {}) };
  if (o.logging?.driver === 'none' && Object.keys(o.logging.options ?? {}).length) {
    diags.push(error('log driver "none" takes no options', { ...where, field: 'logging.options' }));
  }
  if (o.tty) out.tty = true;
  if (o.stdinOpen) out.stdinOpen = true;
  if (o.platform) out.platform = o.platform;
  const gpus = gpusOf(o.gpus);
  if (gpus) out.gpus = gpus;
  const expose = exposeOf(o.expose ?? [], where, diags);
  if (expose) out.expose = expose;
  const groups = nonEmpty(sortedUnique((o.groupAdd ?? []).map(String)));
  if (groups) out.groupAdd = groups;
  return out;
}

function capabilities(c: ContainerOptionsParsed['capabilities'], where: Where, diags: Diagnostic[]): RuntimeSpec['capabilities'] {
  const add = sortedUnique((c?.add ?? []).map(canonicalCapability));
  const drop = sortedUnique((c?.drop ?? []).map(canonicalCapability));
  for (const cap of add.filter((x) => x !== 'ALL' && drop.includes(x))) {
    diags.push(error(`capability ${cap} is both added and dropped`, { ...where, field: 'capabilities' }));
  }
  return add.length || drop.length ? { add, drop } : undefined;
}

function devicesOf(list: NonNullable<ContainerOptionsParsed['devices']>, where: Where, diags: Diagnostic[]): RuntimeSpec['devices'] {
  const out = list.map((d) => {
    if (typeof d !== 'string') return { host: d.host, container: d.container ?? d.host, permissions: d.permissions ?? 'rwm' };
    const [host, second, third] = d.split(':') as [string, string | undefined, string | undefined];
    // '/dev/sda:r' is the host path and permissions, like the docker CLI reads it.
    if (second !== undefined && !second.startsWith('/')) return { host, container: host, permissions: second };
    return { host, container: second ?? host, permissions: third ?? 'rwm' };
  }).map((d) => ({ ...d, permissions: ['r', 'w', 'm'].filter((p) => d.permissions.includes(p)).join('') }));
  out.sort((a, b) => a.container.localeCompare(b.container));
  out.forEach((d, i) => {
    if (i > 0 && out[i - 1]!.container === d.container) diags.push(error(`two devices at ${d.container} in the container`, { ...where, field: 'devices' }));
  });
  return nonEmpty(out);
}

/** 'all' and a number are the docker CLI's `--gpus`: capabilities [['gpu']], any driver. */
function gpusOf(g: ContainerOptionsParsed['gpus']): GpuRequestSpec[] | undefined {
  if (g === undefined) return undefined;
  if (g === 'all') return [{ driver: '', count: -1, deviceIds: [], capabilities: ['gpu'] }];
  if (typeof g === 'number') return [{ driver: '', count: g, deviceIds: [], capabilities: ['gpu'] }];
  return g.map((r) => ({
    driver: r.driver ?? '',
    // Neither count nor device ids: every GPU (compose's rule).
    count: r.deviceIds ? 0 : r.count === undefined || r.count === 'all' ? -1 : r.count,
    deviceIds: r.deviceIds ?? [],
    capabilities: sortedUnique(r.capabilities ?? ['gpu']),
  }));
}

function exposeOf(list: NonNullable<ContainerOptionsParsed['expose']>, where: Where, diags: Diagnostic[]): string[] | undefined {
  const ports = new Set<string>();
  list.forEach((p, i) => {
    const [range, proto = 'tcp'] = String(p).split('/') as [string, string | undefined];
    const [lo, hi = lo] = range.split('-').map(Number) as [number, number | undefined];
    if (hi < lo || lo < 1 || hi > 65535) {
      diags.push(error('ports go from 1 to 65535, a range from low to high', { ...where, field: `expose[${i}]` }));
      return;
    }
    for (let n = lo; n <= hi; n++) ports.add(`${n}/${proto}`);
  });
  return nonEmpty([...ports].sort((a, b) => parseInt(a) - parseInt(b) || a.localeCompare(b)));
}
