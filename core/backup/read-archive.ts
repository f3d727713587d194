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
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { getArchive, tarEntries } from '../volume-data/archive.js';
import type { ManifestEntry } from '../volume-data/manifest.js';
import { drained, type Sink } from '../volume-data/tee.js';
import type { EngineClient } from '../engine/client.js';
import type { TarEntryHeader } from './archive-safety.js';
import { TarRefusal, TarScanner, type EntryWriter, type ScanHeader } from './tar-scan.js';
import type { Compared } from './volume-compare.js';

/** Looks at each entry's header before it is read; a refusal (a message) ends the read. */
export interface EntryCheck {
  check(header: TarEntryHeader): string | null;
}

export interface ReadArchive {
  entries: ManifestEntry[];
  /** Size and sha256 of the archive's bytes (the file, compressed); '' when its sha256 was not read (readPlainSync: hashed false). */
  bytes: number;
  sha256: string;
  /** Uncompressed: the archive's tree digest (tar-scan.ts, ScanOptions.tree). */
  treeSha256?: string;
  /** A backup read here: the files found equal to the volumes' own (volume-compare.ts). */
  compared?: Compared;
}

const BATCH = 256 * 1024;
const MIN_PIECE = 64 * 1024;

export class ArchiveReadError extends MoorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArchiveReadError';
  }
}

/**
 * Writing the inner tar on as it is read (restore: into the extracting tar's stdin), every entry
 * renamed by `rewrite` (or left out when it returns null); each entry's header is checked before
 * its bytes go on. The sink is not ended: the caller ends it once the whole archive checked out.
 */
export interface Forward {
  rewrite: (h: ScanHeader) => { name: string; linkname: string | null } | null;
  sink: Sink;
  /** Functions that end a wait for the sink to drain (the sink's consumer failed). */
  wakers?: Set<() => void>;
}

export interface ReadOptions {
  /** Checked on every header before its entry is read (restore refuses escapes). */
  safety?: EntryCheck;
  /** Restore: the checked tar goes on into the extracting worker. */
  forward?: Forward;
  /** Restore extracting here: every checked entry written out (local-extract.ts). */
  write?: EntryWriter;
  /** Told how many bytes of tar (decompressed) were parsed, as they are. */
  onProgress?: (bytes: number) => void;
}

/** The inner tar, parsed chunk by chunk (TarScanner): the manifest lines, and the bytes forwarded when asked. */
function scanSink(opts: ReadOptions, tree: boolean): { sink: Writable; scanner: TarScanner } {
  const fwd = opts.forward;
  let blocked = false;
  const scanner = new TarScanner({
    tree,
    check: opts.safety ? (h) => opts.safety!.check(h) : undefined,
    write: opts.write,
    ...(fwd ? { rewrite: fwd.rewrite, out: (b: Buffer) => { if (!fwd.sink.write(b)) blocked = true; } } : {}),
  });
  const progress = opts.onProgress;
  const sink = new Writable({
    highWaterMark: BATCH,
    write(chunk: Buffer, _enc, done) {
      try {
        scanner.push(chunk);
      } catch (e) {
        return done(e as Error);
      }
      progress?.(chunk.length);
      if (!blocked) return done();
      blocked = false;
      drained(fwd!.sink, fwd!.wakers).then(() => done(), (e: Error) => done(e));
    },
    final(done) {
      try {
        scanner.end();
      } catch (e) {
        return done(e as Error);
      }
      if (!blocked) return done();
      blocked = false;
      drained(fwd!.sink, fwd!.wakers).then(() => done(), (e: Error) => done(e));
    },
  });
  return { sink, scanner };
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
  const { sink, scanner } = scanSink(opts, compression === 'none');
  try {
    const gunzip = compression === 'gzip' ? [createGunzip({ chunkSize: BATCH })] : [];
    await pipeline(input instanceof Readable ? input : Readable.from(input), count, ...gunzip, sink);
  } catch (e) {
    if (e instanceof TarRefusal) throw new ArchiveReadError(e.message);
    if (e instanceof ArchiveReadError) throw e;
    throw new ArchiveReadError(`${name} cannot be read${bytes ? ` (it broke after ${bytes} bytes)` : ''}: ${(e as Error).message}`);
  }
  if (bytes === 0) throw new ArchiveReadError(`${name} is empty`);
  return { entries: scanner.entries, bytes, sha256: hash.digest('hex'), ...(compression === 'none' ? { treeSha256: scanner.treeDigest() } : {}) };
}

/**
 * An uncompressed archive read in one synchronous loop over one reused buffer: `next` fills it and
 * says how many bytes it put there (0: the end; it may wait for more, see followPlain). Each chunk
 * is hashed and parsed (its entries written, `opts.write`) before the next is read: the scanner
 * and the writer keep nothing of a chunk. What readArchiveStream computes, with its errors,
 * without a stream's fresh buffer and turns per chunk (a third of its CPU for 400 MiB here).
 */
export function readPlainSync(next: (buf: Buffer) => number, name: string, opts: PlainOptions = {}): Promise<ReadArchive> {
  const buf = Buffer.allocUnsafe(PLAIN_CHUNK);
  return readPlainChunks(() => {
    const n = next(buf);
    return n === 0 ? null : buf.subarray(0, n);
  }, name, opts);
}

export type PlainOptions = Pick<ReadOptions, 'safety' | 'write'> & {
  /** false: no sha256 of the archive's bytes (''): its tree digest covers them all. */
  hashed?: boolean;
  /** false: files not hashed (no sha256 in their entries, no tree digest): another thread hashes them (extractPlain). */
  hashFiles?: boolean;
};

/**
 * readPlainSync over the chunks `next` returns (null: the end), each used before the next is
 * asked for: the chunks of a read shared between threads (shared-chunks.ts) as they lie. A chunk
 * that is not there yet may come as a promise (the only awaits: a loop of plain chunks runs
 * through without one).
 */
export async function readPlainChunks(next: () => Buffer | null | Promise<Buffer | null>, name: string, opts: PlainOptions = {}): Promise<ReadArchive> {
  const hash = opts.hashed === false ? null : createHash('sha256');
  const safety = opts.safety;
  const scanner = new TarScanner({ check: safety ? (h) => safety.check(h) : undefined, write: opts.write, tree: true, hashFiles: opts.hashFiles });
  let bytes = 0;
  try {
    for (;;) {
      const c = next();
      const chunk = c instanceof Promise ? await c : c;
      if (!chunk) break;
      hash?.update(chunk);
      bytes += chunk.length;
      scanner.push(chunk);
    }
    if (bytes === 0) throw new ArchiveReadError(`${name} is empty`);
    scanner.end();
  } catch (e) {
    if (e instanceof TarRefusal) throw new ArchiveReadError(e.message);
    if (e instanceof ArchiveReadError) throw e;
    throw new ArchiveReadError(`${name} cannot be read${bytes ? ` (it broke after ${bytes} bytes)` : ''}: ${(e as Error).message}`, { cause: e });
  }
  return { entries: scanner.entries, bytes, sha256: hash ? hash.digest('hex') : '', ...(opts.hashFiles === false ? {} : { treeSha256: scanner.treeDigest() }) };
}

/** Bytes read at a time by readPlainSync. */
const PLAIN_CHUNK = 1 << 20;

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

/**
 * The manifest of a volume from the engine's archive of it (GET archive of the directory it is
 * mounted on, entries `<volume>/…`), parsed chunk by chunk: paths stay under the volume's name, as
 * in the backup's archive. An entry outside `<volume>/` is an error.
 */
export async function volumeEntries(stream: AsyncIterable<Uint8Array>, volume: string): Promise<ManifestEntry[]> {
  const scanner = new TarScanner();
  for await (const chunk of stream) scanner.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  scanner.end();
  const inside = (p: string) => p === volume || p.startsWith(`${volume}/`);
  for (const e of scanner.entries) {
    if (!inside(e.path) || (e.type === 'hardlink' && !inside(e.linkname ?? ''))) throw new Error(`tar entry "${e.path}" is not inside "${volume}/"`);
  }
  return scanner.entries;
}
