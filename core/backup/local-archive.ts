/**
 * Reading an archive file from this machine's filesystem instead of through the engine, when the
 * engine is local and the file's directory was proven to be the one the engine's workers write
 * into (backup: see run.ts, localPaths; restore: restore.ts). The bytes go through the same
 * readArchiveStream as the engine's stream (sha256 of the archive, gunzip, TarScanner, every
 * file hashed), or, uncompressed and followed, readPlainSync (TarScanner, every file hashed, the
 * tree digest): only their way here changes.
 *
 * A backup reads the file as tar writes it (`follow`): from the last offset to the end, then again
 * once more was written, until it is told the writer exited and a read finds nothing more. That
 * runs in a worker thread (archive-read-worker.ts), on the other core than the volumes' own read.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { localReadsPossible, proveWithPut, realDirUnder, startWorker, workerFile, type LocalVolume } from '../volume-data/local.js';
import { putSmallArchive } from '../volume-data/archive.js';
import { streamResponse } from '../volume-data/stream.js';
import type { EngineClient } from '../engine/client.js';
import { readArchiveStream, readPlainSync, type ReadArchive, type ReadOptions } from './read-archive.js';
import { extractArchiveFile, type ExtractTask } from './local-extract.js';
import { TarScanner, type EntryWriter } from './tar-scan.js';
import { VolumeComparer, type Compared } from './volume-compare.js';

/** Not an error of the archive: the file could not be found or opened here (the engine's read then decides). */
export class LocalReadUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalReadUnavailable';
  }
}

const CHUNK = 1 << 20;
const POLL_MS = 25;

/** Open `file` (never through a symlink), a regular file; null while it does not exist. */
function openFile(file: string): number | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new LocalReadUnavailable(`${file}: ${(e as Error).message}`);
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new LocalReadUnavailable(`${file} is not a regular file`);
  }
  return fd;
}

/**
 * openFile for a file being written: null while it does not exist yet; not there once the writer
 * is `done` (looked at before the open): LocalReadUnavailable.
 */
function openWritten(file: string, done: boolean): number | null {
  const fd = openFile(file);
  if (fd === null && done) throw new LocalReadUnavailable(`${file} does not exist here`);
  return fd;
}

/**
 * The bytes of `file` in order. `writerDone` says whether the writer finished: until it does, the
 * end of the file is waited at (and the file's appearance). Each chunk is a buffer of its own (the
 * readers downstream may keep it).
 */
export async function* fileChunks(file: string, writerDone: () => boolean = () => true, readTo?: (offset: number) => void): AsyncGenerator<Buffer> {
  let fd: number | null = null;
  let at = 0;
  try {
    for (;;) {
      // Whether the writer was done is looked at before the read: a read that then finds nothing is the end.
      const done = writerDone();
      if (fd === null) {
        fd = openWritten(file, done);
        if (fd === null) {
          await new Promise((r) => setTimeout(r, POLL_MS));
          continue;
        }
      }
      const buf = Buffer.allocUnsafe(CHUNK);
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n > 0) {
        at += n;
        readTo?.(at);
        yield buf.subarray(0, n);
        continue;
      }
      if (done) return;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * An uncompressed archive file read as it is written, in one synchronous loop (readPlainSync; run
 * by archive-read-worker.ts): what fileChunks reads, waited for the same way, the waits being
 * Atomics.wait on `writerDone` (its first cell becomes non-zero once the writer exited, see
 * prepareFollow), which the loop looks at before each read as fileChunks does. Every file is
 * hashed and the archive's tree digest computed (tar-scan.ts: every byte of it counts, each
 * file's content through its sha256); the file's own sha256, a second pass of sha256 over the
 * same bytes, is not (the result's sha256 is ''): on two cores beside tar, that pass was a sixth
 * of the backup's time here.
 */
export async function followPlain(file: string, writerDone: Int32Array, write?: EntryWriter, readTo?: (offset: number) => void): Promise<ReadArchive> {
  const done = () => Atomics.load(writerDone, 0) !== 0;
  const wait = () => void Atomics.wait(writerDone, 0, 0, POLL_MS);
  let fd: number | null = null;
  try {
    while ((fd = openWritten(file, done())) === null) wait();
    const at = fd;
    const name = file.slice(file.lastIndexOf('/') + 1);
    let offset = 0;
    return await readPlainSync((buf) => {
      for (;;) {
        const d = done();
        const n = readSync(at, buf, 0, buf.length, null);
        if (n > 0) readTo?.((offset += n));
        if (n > 0 || d) return n;
        wait();
      }
    }, name, { write, hashed: false });
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * The archive file `file` (uncompressed) followed as it is written, in this thread, only to
 * compare its files with the volumes' (`comparer`, volume-compare.ts; files not hashed): a backup
 * reading here runs it on its main thread, which otherwise waits for tar, while its reading thread
 * hashes the archive's files and computes its tree digest (followLocalArchive). Synchronous slices of `sliceMs` between
 * which the event loop runs; at the end of the file, waits `POLL_MS` until `writerDone()`. What
 * it compared; throws when the file cannot be read or parsed (the reading thread's result then
 * says why).
 */
export async function followCompare(file: string, writerDone: () => boolean, comparer: VolumeComparer, sliceMs = 2, progress?: { at: number }): Promise<Compared> {
  const scanner = new TarScanner({ write: comparer, hashFiles: false });
  const buf = Buffer.allocUnsafe(CHUNK);
  let fd: number | null = null;
  try {
    while ((fd = openWritten(file, writerDone())) === null) await new Promise((r) => setTimeout(r, POLL_MS));
    for (;;) {
      const t0 = performance.now();
      let ended = false;
      while (performance.now() - t0 < sliceMs) {
        const done = writerDone();
        const n = readSync(fd, buf, 0, CHUNK, null);
        if (n > 0) {
          if (progress) progress.at += n;
          scanner.push(buf.subarray(0, n));
          continue;
        }
        if (done) ended = true;
        break;
      }
      if (ended) break;
      // A slice used up: the event loop's turn; nothing more written yet: a wait.
      await new Promise((r) => (performance.now() - t0 < sliceMs ? setTimeout(r, POLL_MS) : setImmediate(r)));
    }
    scanner.end();
    return comparer.compared;
  } finally {
    comparer.close();
    if (fd !== null) closeSync(fd);
  }
}

/** Read the archive file `file` here, in this thread (restore: its entries go on into the extractor). */
export function readLocalArchive(file: string, compression: 'gzip' | 'none', opts: ReadOptions = {}): Promise<ReadArchive> {
  const name = file.slice(file.lastIndexOf('/') + 1);
  return readArchiveStream(fileChunks(file), name, compression, opts);
}

export interface FollowedRead {
  /** The archive as read; rejects with LocalReadUnavailable when the file could not be read here. */
  result: Promise<ReadArchive>;
  /** How far into the file the read is (bytes), as it goes. */
  readTo(): number;
  /** The writer exited: read to the end of the file, then finish. */
  writerDone(): void;
  /** Stop reading (the writer failed). */
  stop(): void;
}

/**
 * Read the archive file `file` as it is written, in a worker thread (in this one when none can
 * start). With `compare` (volume → its directory here), every file of the archive is also compared
 * with the volume's own (volume-compare.ts): the result's `compared`.
 */
export function followLocalArchive(file: string, compression: 'gzip' | 'none', compare?: Record<string, string>): FollowedRead {
  return prepareFollow(compression).follow(file, compare);
}

/** What a follow reads: the file, and the volumes to compare its files with (volume → its directory here, volume-compare.ts). */
export interface FollowTask {
  file: string;
  compare?: Record<string, string>;
}

/** A follow whose thread started before its file is known (prepareFollow). */
export interface PreparedFollow {
  /** Read `file` as followLocalArchive does; once. */
  follow(file: string, compare?: Record<string, string>): FollowedRead;
  /** Not needed after all: the thread ends. */
  cancel(): void;
}

/**
 * Start the thread of a followLocalArchive now, its file told later: a backup starts it while
 * the CPUs wait for the engine to start tar, rather than once tar runs (a thread's start is
 * ≈ 50 ms of CPU).
 */
export function prepareFollow(compression: 'gzip' | 'none'): PreparedFollow {
  const module = workerFile('archive-read-worker', import.meta.url);
  if (!module) return { follow: (file, compare) => followHere(file, compression, compare), cancel: () => undefined };
  // The writer's exit, told through shared memory too: an uncompressed read waits on it (followPlain).
  const writerExited = new Int32Array(new SharedArrayBuffer(4));
  // How far the thread has read the file, told through shared memory as it goes (see write-behind.ts).
  const readTo = new Float64Array(new SharedArrayBuffer(8));
  const worker: Worker = startWorker(module, { compression, writerExited: writerExited.buffer, readTo: readTo.buffer });
  const result = new Promise<ReadArchive>((resolve, reject) => {
    worker.once('message', (m: { read?: ReadArchive; error?: string; unavailable?: boolean }) => {
      if (m.read) resolve(m.read);
      else reject(m.unavailable ? new LocalReadUnavailable(m.error ?? '') : new Error(m.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the archive reading thread exited (code ${code})`)));
  });
  result.catch(() => undefined).finally(() => void worker.terminate());
  return {
    follow: (file, compare) => {
      const task: FollowTask = { file, compare };
      worker.postMessage(task);
      return {
        result,
        // One aligned 8-byte cell written by one thread: never read torn on the supported (64-bit) platforms.
        readTo: () => readTo[0]!,
        writerDone: () => {
          Atomics.store(writerExited, 0, 1);
          Atomics.notify(writerExited, 0);
          worker.postMessage('done');
        },
        stop: () => void worker.terminate(),
      };
    },
    cancel: () => void worker.terminate(),
  };
}

/** followLocalArchive in this thread (no worker can start). */
function followHere(file: string, compression: 'gzip' | 'none', compare?: Record<string, string>): FollowedRead {
  let done = false;
  let stopped = false;
  const name = file.slice(file.lastIndexOf('/') + 1);
  let readTo = 0;
  const chunks = fileChunks(file, () => {
    if (stopped) throw new Error('stopped');
    return done;
  }, (at) => (readTo = at));
  const comparer = compare ? new VolumeComparer(compare) : undefined;
  const result = readArchiveStream(chunks, name, compression, { write: comparer })
    .then((read) => (comparer ? { ...read, compared: comparer.compared } : read))
    .finally(() => comparer?.close());
  return { result, readTo: () => readTo, writerDone: () => (done = true), stop: () => (stopped = true) };
}

/**
 * Extract the archive file `task.file` into a restore's staging directories (local-extract.ts),
 * in a worker thread (in this one when none can start): the archive as read.
 */
export async function extractLocalArchive(task: ExtractTask): Promise<ReadArchive> {
  const module = workerFile('archive-read-worker', import.meta.url);
  if (!module) return extractArchiveFile(task);
  const worker: Worker = startWorker(module, { compression: task.compression, extract: task });
  try {
    return await new Promise<ReadArchive>((resolve, reject) => {
      worker.once('message', (m: { read?: ReadArchive; error?: string }) => (m.read ? resolve(m.read) : reject(new Error(m.error))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the archive extracting thread exited (code ${code})`)));
    });
  } finally {
    void worker.terminate();
  }
}

/**
 * Prove the engine local (as proveLocalEngine does) with a worker moor already has, never started,
 * that mounts `volume` (one of moor's own, writable; `local` is what plainLocalVolume says of it)
 * at `at`: the probe is put there through the worker. A worker rather than a helper of its own: a
 * moor killed meanwhile leaves a worker the next command removes (its owner labels).
 */
export function proveThroughWorker(client: EngineClient, w: { id: string }, at: string, local: LocalVolume): Promise<boolean> {
  // The tar's owner (root), not the worker's user looked up in its image (copyUIDGID): a worker's `0:0` is in no passwd.
  return proveWithPut(client, local, (tar) => putSmallArchive(client, w.id, at, tar, false)).catch(() => false);
}

/** The engine's stat of a path in a container (HEAD archive: the X-Docker-Container-Path-Stat header). */
async function engineStat(client: EngineClient, containerId: string, at: string): Promise<{ size: number; mtimeNs: bigint } | null> {
  const res = await streamResponse(client, 'HEAD', `/containers/${encodeURIComponent(containerId)}/archive`, { path: at });
  res.resume();
  const raw = res.headers['x-docker-container-path-stat'];
  if (typeof raw !== 'string') return null;
  const st = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { size?: number; mtime?: string };
  // RFC 3339 with up to nine digits of fraction: to the nanosecond, as the kernel keeps it.
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(st.mtime ?? '');
  if (!m || typeof st.size !== 'number') return null;
  const secs = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(secs)) return null;
  return { size: st.size, mtimeNs: BigInt(secs) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0')) };
}

/**
 * The archive at `enginePath` in `w` (a worker mounting the target) as a file of this machine, when
 * it is one: the engine is local (localReadsPossible), the job's folder is a real directory under
 * the target's root here (`root`: a plain local volume's Mountpoint, or the host directory), and
 * the file there has the size and modification time, to the nanosecond, that the engine reports
 * for the worker's file. That is no proof that it is the same file; it does not need to be one:
 * what a restore extracts is checked against the manifest, which is read through the engine (or
 * from a volume target's directory proven to be the engine's, restore.ts: manifestHere), by
 * the archive's digests and every entry's, before anything is switched in. A different file could
 * only fail the restore, never change what it restores. Null when any of it is not so.
 */
export async function localArchiveFile(client: EngineClient, w: { id: string }, root: string | null, folder: string, name: string, enginePath: string): Promise<string | null> {
  if (!root || !localReadsPossible(client)) return null;
  try {
    const dir = realDirUnder(root, folder);
    if (!dir) return null;
    const file = path.join(dir, name);
    const [st, theirs] = await Promise.all([lstat(file, { bigint: true }), engineStat(client, w.id, enginePath)]);
    if (!st.isFile() || !theirs || Number(st.size) !== theirs.size || st.mtimeNs !== theirs.mtimeNs) return null;
    return file;
  } catch {
    return null;
  }
}
