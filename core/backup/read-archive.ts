/**
 * Reading an archive back from the target, as it is on disk: the engine streams the file (inside
 * its own one-entry tar) out of a worker that mounts the target; moor hashes the bytes, gunzips
 * them and parses the tar inside, computing every entry's manifest line on the way. Nothing is
 * staged. A truncated, empty or corrupted archive fails here (gzip or tar errors, or a manifest
 * that differs from what was archived).
 */
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import { getArchive, tarEntries } from '../apply/volume-data/archive.js';
import { manifestEntry, type ManifestEntry } from '../apply/volume-data/manifest.js';
import type { EngineClient } from '../engine/client.js';
import type { TarEntryHeader } from './archive-safety.js';

/** Looks at each entry's header before it is read; a refusal (a message) ends the read. */
export interface EntryCheck {
  check(header: TarEntryHeader): string | null;
}

export interface ReadArchive {
  entries: ManifestEntry[];
  /** Size and sha256 of the archive file itself. */
  bytes: number;
  sha256: string;
}

export class ArchiveReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveReadError';
  }
}

/**
 * Read the archive at `path` in the worker. With `safety`, every entry is checked before it is
 * read (restore refuses absolute paths, `..` and escaping links); its refusal ends the read.
 */
export async function readArchive(client: EngineClient, workerId: string, path: string, compression: 'gzip' | 'none', safety?: EntryCheck): Promise<ReadArchive> {
  const res = await getArchive(client, workerId, path);
  const name = path.slice(path.lastIndexOf('/') + 1);
  try {
    for await (const outer of tarEntries(res)) {
      if (outer.header.name.replace(/\/$/, '') !== name || outer.header.type !== 'file') {
        outer.resume();
        continue;
      }
      const hash = createHash('sha256');
      let bytes = 0;
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      const inner = tarStream.extract();
      const entries: ManifestEntry[] = [];
      const parse = (async () => {
        for await (const entry of inner) {
          const refusal = safety?.check(entry.header);
          if (refusal) throw new ArchiveReadError(refusal);
          entries.push(await manifestEntry(entry, ''));
        }
      })();
      parse.catch((e: Error) => inner.destroy(e));
      try {
        await Promise.all([pipeline(Readable.from(outer as AsyncIterable<Buffer>), count, ...(compression === 'gzip' ? [createGunzip()] : []), inner), parse]);
      } catch (e) {
        if (e instanceof ArchiveReadError) throw e;
        throw new ArchiveReadError(`${name} cannot be read back: ${(e as Error).message}`);
      }
      if (bytes === 0) throw new ArchiveReadError(`${name} is empty`);
      return { entries, bytes, sha256: hash.digest('hex') };
    }
  } finally {
    res.destroy();
  }
  throw new ArchiveReadError(`${path} is not a file`);
}
