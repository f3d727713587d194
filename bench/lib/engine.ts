/**
 * The harness's own engine calls (never timed): build the image, describe the machine, count
 * what a tool left running, and sweep away every object whose name starts with our prefix.
 * Nothing else on the engine is ever touched.
 */
import path from 'node:path';
import tar from 'tar-fs';
import { createEngine, type Engine } from './engine-http.mjs';

interface Named { Id: string; Names?: string[]; Name?: string; State?: string }

export function harnessEngine(): Engine {
  return createEngine({ maxSockets: 8 });
}

const q = (filters: Record<string, string[]>) => encodeURIComponent(JSON.stringify(filters));
const hasPrefix = (name: string, prefix: string) => name.replace(/^\//, '').startsWith(prefix);

export async function buildImage(engine: Engine, context: string, tag: string): Promise<void> {
  const text = await engine.requestText('POST', `/build?t=${encodeURIComponent(tag)}&rm=1&forcerm=1`, {
    headers: { 'content-type': 'application/x-tar' },
    stream: tar.pack(path.resolve(context)),
  });
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    let m: { error?: string; errorDetail?: { message?: string } };
    try { m = JSON.parse(line); } catch { continue; }
    const err = m.errorDetail?.message ?? m.error;
    if (err) throw new Error(`building ${tag}: ${err.trim()}`);
  }
}

export interface Owned {
  containers: { id: string; name: string; state: string }[];
  volumes: string[];
  networks: { id: string; name: string }[];
}

/** Everything on the engine whose name starts with `prefix` (the name filter matches substrings). */
export async function listOwned(engine: Engine, prefix: string): Promise<Owned> {
  const [cs, vs, ns] = await Promise.all([
    engine.request<Named[]>('GET', `/containers/json?all=1&filters=${q({ name: [prefix] })}`),
    engine.request<{ Volumes: { Name: string }[] | null }>('GET', `/volumes?filters=${q({ name: [prefix] })}`),
    engine.request<Named[]>('GET', `/networks?filters=${q({ name: [prefix] })}`),
  ]);
  return {
    containers: cs
      .filter((c) => hasPrefix(c.Names?.[0] ?? '', prefix))
      .map((c) => ({ id: c.Id, name: (c.Names?.[0] ?? '').replace(/^\//, ''), state: c.State ?? '' })),
    volumes: (vs.Volumes ?? []).map((v) => v.Name).filter((n) => hasPrefix(n, prefix)),
    networks: ns.filter((n) => hasPrefix(n.Name ?? '', prefix)).map((n) => ({ id: n.Id, name: n.Name! })),
  };
}

export const ownedCount = (o: Owned) => o.containers.length + o.volumes.length + o.networks.length;

/** Remove every container, volume and network named with `prefix`; returns how many were found. */
export async function sweep(engine: Engine, prefix: string): Promise<number> {
  const owned = await listOwned(engine, prefix);
  const quiet = (p: Promise<unknown>) => p.catch(() => undefined);
  await Promise.all(owned.containers.map((c) => quiet(engine.request('DELETE', `/containers/${c.id}?force=true&v=false`, { ok: [404] }))));
  await Promise.all(owned.volumes.map((v) => quiet(engine.request('DELETE', `/volumes/${encodeURIComponent(v)}?force=true`, { ok: [404] }))));
  await Promise.all(owned.networks.map((n) => quiet(engine.request('DELETE', `/networks/${n.id}`, { ok: [404] }))));
  return ownedCount(owned);
}

/** Sweep until nothing with the prefix is left (a killed client's last request may still land). */
export async function sweepAll(engine: Engine, prefix: string, imageTag?: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await sweep(engine, prefix);
    if (ownedCount(await listOwned(engine, prefix)) === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (imageTag) await engine.request('DELETE', `/images/${encodeURIComponent(imageTag)}`, { ok: [404, 409] }).catch(() => undefined);
}

export interface EngineFacts {
  version: string;
  apiVersion: string;
  os: string;
  kernel: string;
  storageDriver: string;
  cgroup: string;
  ncpu: number;
  memTotal: number;
}

export async function engineFacts(engine: Engine): Promise<EngineFacts> {
  const v = await engine.version();
  const info = await engine.request<{ Driver: string; CgroupVersion?: string; CgroupDriver?: string; NCPU: number; MemTotal: number; OperatingSystem: string; KernelVersion: string }>('GET', '/info');
  return {
    version: v.Version,
    apiVersion: v.ApiVersion,
    os: info.OperatingSystem,
    kernel: info.KernelVersion,
    storageDriver: info.Driver,
    cgroup: `v${info.CgroupVersion ?? '?'} (${info.CgroupDriver ?? '?'})`,
    ncpu: info.NCPU,
    memTotal: info.MemTotal,
  };
}

/** The end of every scenario: remove everything named with the run's prefix, and say whether that worked. */
export async function finalSweep(engine: Engine, prefix: string, imageTag: string, log: (line: string) => void): Promise<void> {
  await sweepAll(engine, prefix, imageTag).catch((e: Error) => log(`cleanup: ${e.message}`));
  const left = ownedCount(await listOwned(engine, prefix).catch(() => ({ containers: [], volumes: [], networks: [] })));
  if (left) log(`cleanup: ${left} object(s) named ${prefix}… could not be removed; remove them by hand`);
  else log(`cleanup: nothing named ${prefix}… is left on the engine`);
}
