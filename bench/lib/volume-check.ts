/**
 * The migration benchmark's own work on volume data, never timed: fill a volume, clone it, and
 * list it (see volume-scripts.mjs) to compare with the listing taken right after the fill. Each
 * runs a busybox container of the benchmark image, named with the run's prefix and removed after.
 */
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { Engine } from './engine-http.mjs';
import { fillScript, listScript, sh } from './volume-scripts.mjs';

interface Mount { volume: string; target: string; readOnly?: boolean }

/**
 * Run `cmd` in a new container until it exits; then, if `fetch` names a file, read it out of the
 * stopped container. The container is removed whatever happens.
 */
async function runContainer(engine: Engine, name: string, image: string, cmd: string[], mounts: Mount[], fetch?: string): Promise<string | undefined> {
  const body = {
    Image: image,
    Cmd: cmd,
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none', Mounts: mounts.map((m) => ({ Type: 'volume', Source: m.volume, Target: m.target, ReadOnly: m.readOnly ?? false })) },
  };
  const { Id } = await engine.request<{ Id: string }>('POST', `/containers/create?name=${encodeURIComponent(name)}`, { body });
  try {
    await engine.request('POST', `/containers/${Id}/start`);
    const { StatusCode } = await engine.request<{ StatusCode: number }>('POST', `/containers/${Id}/wait`);
    if (StatusCode !== 0) {
      const logs = await engine.requestText('GET', `/containers/${Id}/logs?stdout=1&stderr=1&tail=30`);
      throw new Error(`${name} exited with ${StatusCode}:\n${logs.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]+/g, '').trim()}`);
    }
    if (!fetch) return undefined;
    const tar = await engine.requestBuffer('GET', `/containers/${Id}/archive?path=${encodeURIComponent(fetch)}`);
    return await firstFile(tar);
  } finally {
    await engine.request('DELETE', `/containers/${Id}?force=true`, { ok: [404] });
  }
}

async function firstFile(tar: Buffer): Promise<string> {
  const extract = tarStream.extract();
  Readable.from([tar]).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  throw new Error('the archive holds no file');
}

export function fillVolume(engine: Engine, name: string, image: string, volume: string, big: number, small: number): Promise<unknown> {
  return runContainer(engine, name, image, fillScript(big, small), [{ volume, target: '/data' }]);
}

/** Copy `from` into the empty volume `to` with busybox tar (which keeps owners, modes and links). */
export function cloneVolume(engine: Engine, name: string, image: string, from: string, to: string): Promise<unknown> {
  return runContainer(engine, name, image, sh('(cd /src && tar -cf - .) | (cd /dst && tar -xf -)'), [
    { volume: from, target: '/src', readOnly: true },
    { volume: to, target: '/dst' },
  ]);
}

/** The volume's listing (volume-scripts.mjs LIST), read through a read-only mount. */
export async function listVolume(engine: Engine, name: string, image: string, volume: string): Promise<string> {
  return (await runContainer(engine, name, image, listScript('/v', '/tmp/list'), [{ volume, target: '/v', readOnly: true }], '/tmp/list'))!;
}

export interface ListingTotals {
  entries: number;
  files: number;
  directories: number;
  /** Bytes of regular files, a hardlinked file counted once. */
  bytes: number;
}

/** Counts from a listing: its `path|type|…` lines (the sha256 lines repeat the files). */
export function listingTotals(listing: string): ListingTotals {
  const t: ListingTotals = { entries: 0, files: 0, directories: 0, bytes: 0 };
  for (const line of listing.split('\n')) {
    const f = line.split('|');
    if (f.length < 4) continue;
    t.entries++;
    if (f[1] === 'directory') t.directories++;
    if (f[1] === 'regular file' || f[1] === 'regular empty file') {
      t.files++;
      t.bytes += Number(f[4]) / Math.max(1, Number(f[5]));
    }
  }
  return t;
}

/** The first lines that differ between two listings ("-" expected, "+" found), empty when equal. */
export function listingDifferences(expected: string, found: string, max = 10): string[] {
  if (expected === found) return [];
  const a = new Set(expected.split('\n'));
  const b = new Set(found.split('\n'));
  const out = [
    ...[...a].filter((l) => !b.has(l)).map((l) => `- ${l}`),
    ...[...b].filter((l) => !a.has(l)).map((l) => `+ ${l}`),
  ];
  if (out.length === 0) out.push('the same lines in another order or number');
  return out.length > max ? [...out.slice(0, max), `… and ${out.length - max} more`] : out;
}
