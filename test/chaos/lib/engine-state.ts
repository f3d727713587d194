/**
 * What the chaos suite reads back from the engine after a crash and the command that follows it:
 * objects of a stack that the stack does not declare (orphans), declared containers that are not
 * running, and a checksum of every file of a volume (read through the archive endpoint of a
 * container that is created, never started, and removed at once).
 */
import { createHash, randomBytes } from 'node:crypto';
import tarStream from 'tar-stream';
import type { EngineClient } from '../../../core/engine/client.js';
import { isNotFound } from '../../../core/engine/errors.js';
import { getArchive } from '../../../core/volume-data/archive.js';

interface Summary { Id: string; Names?: string[]; Name?: string; Labels: Record<string, string> | null; State?: string }

/** What a stack declares, by engine name. */
export interface Declared {
  stack: string;
  containers: string[];
  networks: string[];
  volumes: string[];
  /** Backup jobs (each lives as the volume `<stack>.moor-backup.<job>`). */
  jobs?: string[];
}

const mine = (stack: string, name: string, labels: Record<string, string> | null | undefined) =>
  labels?.['moor.stack'] === stack || name.replace(/^\//, '').startsWith(`${stack}-`) || name.replace(/^\//, '').startsWith(`${stack}.`);

/** Objects that carry the stack's name or label but are not declared: `container x`, `volume y`… */
export async function orphans(client: EngineClient, d: Declared): Promise<string[]> {
  const [containers, networks, volumes] = await Promise.all([
    client.request<Summary[]>('GET', '/containers/json', { query: { all: 1 } }),
    client.request<Summary[]>('GET', '/networks'),
    client.request<{ Volumes: (Summary & { Name: string })[] | null }>('GET', '/volumes'),
  ]);
  const found: string[] = [];
  for (const c of containers) {
    const name = (c.Names?.[0] ?? '').replace(/^\//, '');
    if (mine(d.stack, name, c.Labels) && !d.containers.includes(name)) found.push(`container ${name} (${c.State})`);
  }
  for (const n of networks) {
    const name = n.Name ?? '';
    if (mine(d.stack, name, n.Labels) && !d.networks.includes(name)) found.push(`network ${name}`);
  }
  const ledgers: string[] = [];
  for (const v of volumes.Volumes ?? []) {
    const name = v.Name;
    if (!mine(d.stack, name, v.Labels) || d.volumes.includes(name)) continue;
    if ((d.jobs ?? []).some((j) => name === `${d.stack}.moor-backup.${j}`)) continue;
    if (name.startsWith(`${d.stack}.moor-live.`)) {
      ledgers.push(name);
      continue;
    }
    found.push(`volume ${name}`);
  }
  // One ledger generation is moor's record of live updates; more than one is left over.
  if (ledgers.length > 1) found.push(...ledgers.sort().slice(0, -1).map((l) => `volume ${l} (old ledger)`));
  return found;
}

/** Declared containers that exist but do not run, or do not exist: `db (exited)`, `web (missing)`. */
export async function notRunning(client: EngineClient, names: string[]): Promise<string[]> {
  const bad: string[] = [];
  for (const name of names) {
    try {
      const c = await client.request<{ State: { Status: string; Running: boolean } }>('GET', `/containers/${encodeURIComponent(name)}/json`);
      if (!c.State.Running) bad.push(`${name} (${c.State.Status})`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      bad.push(`${name} (missing)`);
    }
  }
  return bad;
}

/** One line per entry of a tar stream: name, type, mode, size, link target and sha256 of the content; sorted. */
async function tarLines(stream: NodeJS.ReadableStream): Promise<string[]> {
  const lines: string[] = [];
  const extract = tarStream.extract();
  await new Promise<void>((resolve, reject) => {
    extract.on('entry', (h, body, next) => {
      const hash = createHash('sha256');
      body.on('data', (c: unknown) => hash.update(c as Buffer));
      body.on('end', () => {
        const name = h.name.replace(/^[^/]+\/?/, '');
        if (name !== '') lines.push(`${name}\t${h.type}\t${(h.mode ?? 0).toString(8)}\t${h.type === 'file' ? h.size : ''}\t${h.linkname ?? ''}\t${h.type === 'file' ? hash.digest('hex') : ''}`);
        next();
      });
      body.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
    stream.on('error', reject);
    stream.pipe(extract);
  });
  return lines.sort();
}

export interface VolumeDigest {
  /** sha256 over every entry's line. */
  digest: string;
  entries: number;
  bytes: number;
  /** The entry lines, to name what differs. */
  lines: string[];
}

/**
 * Read every volume through one container that mounts them at /v/<i> (created from `image`, never
 * started, removed before returning). A missing volume reads as undefined.
 */
export async function digestVolumes(client: EngineClient, image: string, volumes: string[], namePrefix: string): Promise<Record<string, VolumeDigest | undefined>> {
  const present: string[] = [];
  const result: Record<string, VolumeDigest | undefined> = {};
  for (const v of volumes) {
    try {
      await client.request('GET', `/volumes/${encodeURIComponent(v)}`);
      present.push(v);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      result[v] = undefined;
    }
  }
  if (!present.length) return result;
  const name = `${namePrefix}-chk${randomBytes(3).toString('hex')}`;
  const created = await client.request<{ Id: string }>('POST', '/containers/create', {
    query: { name },
    body: { Image: image, Cmd: ['true'], HostConfig: { Mounts: present.map((v, i) => ({ Type: 'volume', Source: v, Target: `/v/${i}`, ReadOnly: true })) } },
  });
  try {
    for (const [i, v] of present.entries()) {
      const res = await getArchive(client, created.Id, `/v/${i}`);
      const lines = await tarLines(res);
      const bytes = lines.reduce((s, l) => s + (Number(l.split('\t')[3]) || 0), 0);
      result[v] = { digest: createHash('sha256').update(lines.join('\n')).digest('hex'), entries: lines.length, bytes, lines };
    }
  } finally {
    await client.request('DELETE', `/containers/${created.Id}`, { query: { force: true } });
  }
  return result;
}

/** "a.txt: missing; b.bin: differs; c: extra", at most `max` entries. */
export function describeDifference(before: VolumeDigest, after: VolumeDigest | undefined, max = 4): string {
  if (!after) return 'the volume is gone';
  const key = (l: string) => l.split('\t')[0]!;
  const a = new Map(before.lines.map((l) => [key(l), l]));
  const b = new Map(after.lines.map((l) => [key(l), l]));
  const out: string[] = [];
  for (const [k, l] of a) if (!b.has(k)) out.push(`${k}: missing`); else if (b.get(k) !== l) out.push(`${k}: differs`);
  for (const k of b.keys()) if (!a.has(k)) out.push(`${k}: extra`);
  const lost = before.bytes - after.bytes;
  return `${out.slice(0, max).join('; ')}${out.length > max ? ` (+${out.length - max} more)` : ''}${lost > 0 ? ` [${lost} B fewer]` : ''}`;
}

/** Bytes of `before` that `after` no longer holds identically (missing or changed files). */
export function bytesLost(before: VolumeDigest, after: VolumeDigest | undefined): number {
  if (!after) return before.bytes;
  const have = new Set(after.lines);
  return before.lines.filter((l) => !have.has(l)).reduce((s, l) => s + (Number(l.split('\t')[3]) || 0), 0);
}

/** A fresh random name part. */
export const hex = (n = 3) => randomBytes(n).toString('hex');
