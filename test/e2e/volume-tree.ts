/**
 * Volume contents for the end-to-end tests, read and written through the Engine API with no moor
 * code involved: a tree of entries is written with PUT /containers/{probe}/archive, and read back
 * with GET /containers/{probe}/archive into a manifest (path, type, mode, uid, gid, size, sha256,
 * link target). A probe is a container created from the stack's own image, mounting the volume,
 * never started, always removed, and named `<volume>-probe-<hex>` so the test's sweep finds it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { EngineClient } from '../../core/engine/client.js';
import { inspectVolume } from './helpers.js';
import { tarOf, type TarEntry } from '../fixtures/tar.js';

export type { TarEntry as Entry } from '../fixtures/tar.js';
type Entry = TarEntry;

export interface TreeEntry {
  path: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  sha256?: string;
  link?: string;
  /** Seconds, as the engine's tar gives it (readTree with `times`). */
  mtime?: number;
}

/**
 * `files` small files (binary random content, some empty) spread over nested directories, plus
 * a few larger binary files, symlinks (relative, absolute, dangling, to a directory), a hardlink,
 * modes 0600/0755/04755/01777 and owners 1234:5678. The root is 0750 1234:5678.
 */
export function sampleTree(files: number, bigKb = 256): Entry[] {
  const dir = (name: string, mode = 0o755, uid = 0, gid = 0): Entry => ({ header: { name: `data/${name}/`, type: 'directory', mode, uid, gid } });
  const file = (name: string, content: Buffer, mode = 0o644, uid = 0, gid = 0): Entry => ({ header: { name: `data/${name}`, mode, uid, gid }, content });
  const entries: Entry[] = [{ header: { name: 'data/', type: 'directory', mode: 0o750, uid: 1234, gid: 5678 } }];
  const perDir = 25;
  for (let i = 0; i < files; i++) {
    const d = Math.floor(i / perDir);
    const top = `d${String(Math.floor(d / 5)).padStart(3, '0')}`;
    const sub = `${top}/s${d % 5}`;
    if (i % (perDir * 5) === 0) entries.push(dir(top, d % 3 === 0 ? 0o700 : 0o755, d % 2 ? 1234 : 0, d % 2 ? 5678 : 0));
    if (i % perDir === 0) entries.push(dir(sub));
    const body = i % 17 === 0 ? Buffer.alloc(0) : randomBytes((i * 37) % 900);
    const mode = i % 4 === 0 ? 0o600 : i % 4 === 1 ? 0o755 : 0o644;
    entries.push(file(`${sub}/f${String(i).padStart(5, '0')}`, body, mode, i % 5 === 0 ? 1234 : 0, i % 5 === 0 ? 5678 : 0));
  }
  entries.push(
    dir('bin'),
    file('bin/big', randomBytes(bigKb * 1024), 0o755),
    file('bin/owned', randomBytes(bigKb * 512), 0o600, 1234, 5678),
    file('bin/suid', randomBytes(2048), 0o4755),
    { header: { name: 'data/bin/suid-hard', type: 'link', linkname: 'data/bin/suid', mode: 0o4755 } },
    dir('empty'),
    dir('empty/nested/deeper', 0o700, 1234, 5678),
    dir('sticky', 0o1777),
    file('sticky/empty-file', Buffer.alloc(0)),
    file('sticky/empty-owned', Buffer.alloc(0), 0o600, 1234, 5678),
    dir('links'),
    { header: { name: 'data/links/to-file', type: 'symlink', linkname: '../bin/big', mode: 0o777 } },
    { header: { name: 'data/links/to-dir', type: 'symlink', linkname: '../empty/nested', mode: 0o777 } },
    { header: { name: 'data/links/dangling', type: 'symlink', linkname: '../does/not/exist', mode: 0o777 } },
    { header: { name: 'data/links/absolute', type: 'symlink', linkname: '/etc/passwd', mode: 0o777 } },
    file('names/héllo wörld ✓.txt', Buffer.from('unicode\n')),
  );
  // `names/` has no entry of its own: the engine creates it; a real tree has such directories too.
  return entries;
}

/** A raw Engine API request (through the client's transport): the response as a stream, or an error with its body. */
async function raw(client: EngineClient, method: string, path: string, body?: Buffer): Promise<http.IncomingMessage> {
  const [p, q] = path.replace(/^\/v[\d.]+/, '').split('?') as [string, string | undefined];
  const req = await client.open(method, p, {
    query: Object.fromEntries(new URLSearchParams(q ?? '')),
    headers: body ? { 'content-type': 'application/x-tar', 'content-length': String(body.length) } : {},
    dedicated: true,
  });
  req.body.end(body);
  return req.response;
}

/** Run `fn` with a never-started container mounting `volume` at /data; the container is removed afterwards. */
async function withProbe<T>(client: EngineClient, image: string, volume: string, readOnly: boolean, fn: (id: string) => Promise<T>): Promise<T> {
  // Mounting a missing volume would create it: make sure it exists first.
  if (!(await inspectVolume(client, volume))) throw new Error(`volume ${volume} does not exist`);
  const { Id } = await client.request<{ Id: string }>('POST', '/containers/create', {
    query: { name: `${volume}-probe-${randomBytes(3).toString('hex')}` },
    body: {
      Image: image, Cmd: ['true'], NetworkDisabled: true,
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: volume, Target: '/data', ReadOnly: readOnly, VolumeOptions: { NoCopy: true } }] },
    },
  });
  try {
    return await fn(Id);
  } finally {
    await client.request('DELETE', `/containers/${Id}`, { query: { force: true } });
  }
}


/** Write `entries` (named `data/…`) into the volume. */
export async function writeTree(client: EngineClient, image: string, volume: string, entries: Entry[]): Promise<void> {
  const body = await tarOf(entries);
  await withProbe(client, image, volume, false, async (id) => {
    const res = await raw(client, 'PUT', `/containers/${id}/archive?path=/`, body);
    res.resume();
    await new Promise((ok) => res.on('end', ok));
  });
}

/** Every entry of the volume, sorted by path; the root is '.'. `times`: with every entry's mtime but the root's. */
export async function readTree(client: EngineClient, image: string, volume: string, times = false): Promise<TreeEntry[]> {
  return withProbe(client, image, volume, true, async (id) => {
    const res = await raw(client, 'GET', `/containers/${id}/archive?path=/data`);
    const extract = tarStream.extract();
    const out: TreeEntry[] = [];
    const reading = (async () => {
      for await (const entry of extract) {
        const h = entry.header;
        const rel = h.name.replace(/^data\/?/, '').replace(/\/$/, '') || '.';
        const hash = createHash('sha256');
        for await (const chunk of entry) hash.update(chunk as Buffer);
        out.push({
          path: rel, type: h.type ?? 'file', mode: (h.mode ?? 0) & 0o7777, uid: h.uid ?? 0, gid: h.gid ?? 0, size: h.size ?? 0,
          ...(h.type === 'file' ? { sha256: hash.digest('hex') } : {}),
          ...(h.linkname ? { link: h.linkname } : {}),
          ...(times && rel !== '.' && h.mtime ? { mtime: h.mtime.getTime() / 1000 } : {}),
        });
      }
    })();
    Readable.from(res).pipe(extract);
    await reading;
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  });
}

/** Paths whose entries differ (or exist on one side only), for a readable assertion. */
export function treeDiff(a: TreeEntry[], b: TreeEntry[]): string[] {
  const left = new Map(a.map((e) => [e.path, JSON.stringify(e)]));
  const right = new Map(b.map((e) => [e.path, JSON.stringify(e)]));
  const out: string[] = [];
  for (const [p, v] of left) if (right.get(p) !== v) out.push(`${p}: ${v} ≠ ${right.get(p) ?? '(missing)'}`);
  for (const p of right.keys()) if (!left.has(p)) out.push(`${p}: (missing) ≠ ${right.get(p)}`);
  return out.slice(0, 20);
}

export function fileCount(tree: TreeEntry[]): number {
  return tree.filter((e) => e.type === 'file').length;
}
