/**
 * Reading an archive as a byte stream: moor hashes the bytes, gunzips them and parses the tar
 * inside, computing every entry's manifest line on the way. Nothing is staged. A truncated, empty
 * or corrupted archive fails here (gzip or tar errors, or a manifest that differs from what was
 * archived).
 *
 * The bytes come from wherever the archive is: the stream tar writes while a backup runs (the
 * worker's stdout, see run.ts), or the file on the target, streamed by the engine out of a worker
 * that mounts it (`verify`, `restore`).
 */
import { MoorError } from '../errors.js';
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tarStream, { type Header } from 'tar-stream';
import { getArchive, tarEntries } from '../apply/volume-data/archive.js';
import { manifestEntry, type ManifestEntry } from '../apply/volume-data/manifest.js';
import type { EngineClient } from '../engine/client.js';
import type { TarEntryHeader } from './archive-safety.js';

/** Looks at each entry's header before it is read; a refusal (a message) ends the read. */
export interface EntryCheck {
  check(header: TarEntryHeader): string | null;
}

/** One entry of the archive as it streams past: its header and its content. */
export type ArchiveEntry = AsyncIterable<unknown> & { header: Header; resume(): unknown };

/** What to do with each entry; the default computes its manifest line. */
export type EntryHandler = (entry: ArchiveEntry) => Promise<ManifestEntry>;

export interface ReadArchive {
  entries: ManifestEntry[];
  /** Size and sha256 of the archive's bytes (the file, compressed). */
  bytes: number;
  sha256: string;
}

const BATCH = 256 * 1024;
const MIN_PIECE = 64 * 1024;

export class ArchiveReadError extends MoorError {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveReadError';
  }
}

export interface ReadOptions {
  /** Checked on every header before its entry is read (restore refuses escapes). */
  safety?: EntryCheck;
  /** Instead of only computing the manifest line: restore also forwards the entry. */
  onEntry?: EntryHandler;
  /** Told how many bytes of tar (decompressed) were parsed, as they are. */
  onProgress?: (bytes: number) => void;
}

/**
 * Read the archive's bytes from `input` (named `name` in messages) to their end: the manifest of
 * what it holds, and the size and sha256 of the bytes themselves.
 */
export async function readArchiveStream(input: AsyncIterable<unknown>, name: string, compression: 'gzip' | 'none', opts: ReadOptions = {}): Promise<ReadArchive> {
  const hash = createHash('sha256');
  let bytes = 0;
  // Hashed as it comes, and passed on in pieces of at least MIN_PIECE bytes (small ones gathered
  // up to BATCH): gunzip runs each write as a job on the thread pool, and a hundred thousand jobs
  // of 8 KiB cost more than the inflating.
  let held: Buffer[] = [];
  let heldBytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      // A piece big enough on its own goes on as it is (no copy).
      if (heldBytes === 0 && chunk.length >= MIN_PIECE) return done(null, chunk);
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes < BATCH) return done();
      const out = Buffer.concat(held, heldBytes);
      held = [];
      heldBytes = 0;
      done(null, out);
    },
    flush(done) {
      done(null, heldBytes ? Buffer.concat(held, heldBytes) : undefined);
    },
  });
  const inner = tarStream.extract();
  const entries: ManifestEntry[] = [];
  const handle = opts.onEntry ?? ((entry: ArchiveEntry) => manifestEntry(entry, ''));
  const parse = (async () => {
    for await (const entry of inner) {
      const refusal = opts.safety?.check(entry.header);
      if (refusal) throw new ArchiveReadError(refusal);
      entries.push(await handle(entry));
    }
  })();
  parse.catch((e: Error) => inner.destroy(e));
  try {
    const progress = opts.onProgress;
    const tell = progress ? [new Transform({ transform(chunk: Buffer, _enc, done) { progress(chunk.length); done(null, chunk); } })] : [];
    const gunzip = compression === 'gzip' ? [createGunzip({ chunkSize: BATCH })] : [];
    await Promise.all([pipeline(input instanceof Readable ? input : Readable.from(input), count, ...gunzip, ...tell, inner), parse]);
  } catch (e) {
    if (e instanceof ArchiveReadError) throw e;
    throw new ArchiveReadError(`${name} cannot be read${bytes ? ` (it broke after ${bytes} bytes)` : ''}: ${(e as Error).message}`);
  }
  if (bytes === 0) throw new ArchiveReadError(`${name} is empty`);
  return { entries, bytes, sha256: hash.digest('hex') };
}

/** Read the archive file at `path` in the worker, as it is on the target. */
export async function readArchive(client: EngineClient, workerId: string, path: string, compression: 'gzip' | 'none', opts: ReadOptions = {}): Promise<ReadArchive> {
  const res = await getArchive(client, workerId, path);
  const name = path.slice(path.lastIndexOf('/') + 1);
  try {
    // The engine sends the file inside a one-entry tar of its own.
    for await (const outer of tarEntries(res)) {
      if (outer.header.name.replace(/\/$/, '') !== name || outer.header.type !== 'file') {
        outer.resume();
        continue;
      }
      return await readArchiveStream(outer as AsyncIterable<unknown>, name, compression, opts);
    }
  } finally {
    res.destroy();
  }
  throw new ArchiveReadError(`${path} is not a file`);
}
