/**
 * Data put into the chaos stacks' volumes: a deterministic tree (text, binary, empty files,
 * nested and empty directories, a symlink) written through the archive endpoint of a container
 * created for it and removed at once. The checksums of lib/engine-state.ts must find it intact
 * after every crash.
 */
import { createHash } from 'node:crypto';
import type { EngineClient } from '../../../core/engine/client.js';
import { putSmallArchive, smallTar } from '../../../core/volume-data/archive.js';
import { hex } from './engine-state.js';

/** `count` files of 0 B to ~64 KiB under `data/` (named after `seed`), plus a few special entries. */
export async function dataTar(seed: string, count: number): Promise<Buffer> {
  const mtime = new Date('2026-01-01T00:00:00Z');
  const entries: Parameters<typeof smallTar>[0] = [
    { header: { name: 'data', type: 'directory', mode: 0o755, mtime } },
    { header: { name: `data/${seed}`, type: 'directory', mode: 0o755, mtime } },
    { header: { name: `data/${seed}/empty-dir`, type: 'directory', mode: 0o700, mtime } },
    { header: { name: `data/${seed}/link`, type: 'symlink', linkname: 'f0.txt', mode: 0o777, mtime } },
  ];
  for (let i = 0; i < count; i++) {
    let content = Buffer.alloc(0);
    const size = i % 7 === 0 ? 0 : (i * 2654435761) % 65536;
    let block = createHash('sha256').update(`${seed}-${i}`).digest();
    while (content.length < size) {
      content = Buffer.concat([content, block]);
      block = createHash('sha256').update(block).digest();
    }
    const dir = i % 3 === 0 ? `data/${seed}` : `data/${seed}/d${i % 5}`;
    if (i % 3 !== 0 && i < 15) entries.push({ header: { name: dir, type: 'directory', mode: 0o755, mtime } });
    entries.push({ header: { name: `${dir}/f${i}.${i % 2 ? 'bin' : 'txt'}`, type: 'file', mode: i % 4 ? 0o644 : 0o600, mtime }, content: content.subarray(0, size) });
  }
  return smallTar(entries);
}

/** Write `dataTar(seed, count)` into the root of `volume` (so the files are at <volume>/<seed>/…). */
export async function fillVolume(client: EngineClient, image: string, volume: string, seed: string, count: number, namePrefix: string): Promise<void> {
  const created = await client.request<{ Id: string }>('POST', '/containers/create', {
    query: { name: `${namePrefix}-fill${hex()}` },
    body: { Image: image, Cmd: ['true'], HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }] } },
  });
  try {
    await putSmallArchive(client, created.Id, '/', await dataTar(seed, count));
  } finally {
    await client.request('DELETE', `/containers/${created.Id}`, { query: { force: true } });
  }
}

/** Run `sh -c script` in a container of `image` mounting `volume` at /data; removed afterwards. */
export async function shInVolume(client: EngineClient, image: string, volume: string, script: string, namePrefix: string): Promise<void> {
  const created = await client.request<{ Id: string }>('POST', '/containers/create', {
    query: { name: `${namePrefix}-sh${hex()}` },
    body: { Image: image, Cmd: ['sh', '-c', script], HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }] } },
  });
  try {
    await client.request('POST', `/containers/${created.Id}/start`);
    await client.request('POST', `/containers/${created.Id}/wait`);
  } finally {
    await client.request('DELETE', `/containers/${created.Id}`, { query: { force: true } });
  }
}
