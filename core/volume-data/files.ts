/**
 * One small file in a volume, read or written whole through a helper (e.g. a marker or a
 * manifest kept next to the data it describes).
 */
import type { EngineClient } from '../engine/client.js';
import { describeVolume, getArchiveIfExists, locate, putSmallArchive, smallTar, tarEntries, volumeSubPath } from './archive.js';
import { withHelper, type HelperOptions } from './helper-container.js';

export interface WriteFileOptions extends HelperOptions {
  /** Permission bits; 0644 when unset. */
  mode?: number;
  /** Owner; root (0:0) when unset. */
  uid?: number;
  gid?: number;
}

function filePath(path: string): string {
  const p = volumeSubPath(path, 'path');
  if (!p) throw new Error(`"${path}" is not a file path inside a volume`);
  return p;
}

/**
 * Write `bytes` to `path` in the volume, replacing a file there; missing parent directories are
 * created (root, 0755). A directory at `path` is never replaced: that is an engine error.
 */
export async function writeFile(client: EngineClient, volume: string, path: string, bytes: Uint8Array, opts: WriteFileOptions = {}): Promise<void> {
  const p = filePath(path);
  const loc = locate('/v', undefined);
  const tar = await smallTar([{
    header: { name: p, type: 'file', mode: opts.mode ?? 0o644, uid: opts.uid ?? 0, gid: opts.gid ?? 0, mtime: new Date() },
    content: Buffer.from(bytes),
  }]);
  await withHelper(client, [{ name: volume, target: loc.target, readOnly: false }], opts.labels ?? {}, (h) =>
    putSmallArchive(client, h.id, loc.path, tar),
  );
}

/** The content of the file at `path` in the volume; null when there is none. Not for large files. */
export async function readFile(client: EngineClient, volume: string, path: string, opts: HelperOptions = {}): Promise<Buffer | null> {
  const p = filePath(path);
  const loc = locate('/v', undefined);
  return withHelper(client, [{ name: volume, target: loc.target, readOnly: true }], opts.labels ?? {}, async (h) => {
    const res = await getArchiveIfExists(client, h.id, `${loc.path}/${p}`);
    if (!res) return null;
    try {
      for await (const entry of tarEntries(res)) {
        if (entry.header.type !== 'file') {
          throw new Error(`${p} in ${describeVolume(volume)} is a ${entry.header.type}, not a file`);
        }
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(Buffer.from(c as Uint8Array));
        return Buffer.concat(chunks);
      }
      throw new Error(`the engine returned an empty archive for ${p} in ${describeVolume(volume)}`);
    } finally {
      res.destroy();
    }
  });
}
