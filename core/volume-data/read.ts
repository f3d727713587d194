/** Read a volume's tree through a read-only helper: its manifest, or just its size. */
import type http from 'node:http';
import type { EngineClient } from '../engine/client.js';
import { describeVolume, getArchiveIfExists, locate, tarEntries, volumeSubPath, type Location } from './archive.js';
import { withHelper, type HelperOptions } from './helper-container.js';
import { manifestFromTar, type Manifest } from './manifest.js';

/** The manifest of the tree at `loc` in a helper; `what` names it when it does not exist. */
export async function readManifestAt(client: EngineClient, helperId: string, loc: Location, what: string): Promise<Manifest> {
  const res = await openTree(client, helperId, loc, what);
  try {
    return await manifestFromTar(res, loc.top);
  } finally {
    res.destroy();
  }
}

/**
 * The manifest of a volume, or of its `sub` directory (paths relative to it, so it compares
 * equal to the manifest of the same tree copied elsewhere). Reads, and hashes, all the data.
 */
export async function readManifest(client: EngineClient, volume: string, sub?: string, opts: HelperOptions = {}): Promise<Manifest> {
  const s = volumeSubPath(sub, 'sub');
  const loc = locate('/src', s);
  return withHelper(client, [{ name: volume, target: loc.target, readOnly: true }], opts.labels ?? {}, (h) =>
    readManifestAt(client, h.id, loc, describeVolume(volume, s)),
  );
}

/** Bytes in regular files and their count, streaming the volume's whole archive (no hashing). */
export async function measureVolume(client: EngineClient, volume: string, opts: HelperOptions = {}): Promise<{ bytes: number; files: number }> {
  const loc = locate('/src', undefined);
  return withHelper(client, [{ name: volume, target: loc.target, readOnly: true }], opts.labels ?? {}, async (h) => {
    const res = await openTree(client, h.id, loc, describeVolume(volume));
    const total = { bytes: 0, files: 0 };
    try {
      for await (const entry of tarEntries(res)) {
        if (entry.header.type === 'file' || entry.header.type === 'contiguous-file') {
          total.files++;
          total.bytes += entry.header.size;
        }
        entry.resume();
      }
    } finally {
      res.destroy();
    }
    return total;
  });
}

async function openTree(client: EngineClient, helperId: string, loc: Location, what: string): Promise<http.IncomingMessage> {
  const res = await getArchiveIfExists(client, helperId, loc.path);
  if (!res) throw new Error(`${what} does not exist`);
  return res;
}
