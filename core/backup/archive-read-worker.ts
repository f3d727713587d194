/**
 * A worker thread reading an archive file as it is written (see local-archive.ts,
 * followLocalArchive), or, given `extract`, extracting a finished one into a restore's staging
 * directories (local-extract.ts), or, given `hash`, hashing the chunks such an extraction reads
 * (local-extract.ts, hashShared).
 *
 * A follow starts before its file is known (prepareFollow): the thread starts while the CPUs wait
 * for the engine, and the first message then says what to read: `{ file, compare }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { extractArchiveFile, hashShared, type ExtractTask, type HashTask } from './local-extract.js';
import { fileChunks, followPlain, LocalReadUnavailable, type FollowTask } from './local-archive.js';
import { readArchiveStream, type ReadArchive } from './read-archive.js';
import { VolumeComparer } from './volume-compare.js';

const { compression, extract, hash, writerExited, readTo } = workerData as {
  compression: 'gzip' | 'none';
  extract?: ExtractTask;
  /** The hashing side of an uncompressed extraction (local-extract.ts, hashShared). */
  hash?: HashTask;
  writerExited?: SharedArrayBuffer;
  /** How far the file was read (one float64), for the main thread's write-behind (write-behind.ts). */
  readTo?: SharedArrayBuffer;
};
const readCell = readTo ? new Float64Array(readTo) : undefined;
const tell = readCell ? (at: number) => void (readCell[0] = at) : undefined;
let done = false;
let told: ((t: FollowTask) => void) | undefined;
parentPort!.on('message', (m: 'done' | FollowTask) => {
  if (m === 'done') done = true;
  else told?.(m);
});
// The file not found or not openable here is told apart from an archive that does not read.
let unavailable: LocalReadUnavailable | undefined;

async function follow(task: FollowTask): Promise<ReadArchive> {
  const comparer = task.compare ? new VolumeComparer(task.compare) : undefined;
  async function* chunks() {
    try {
      yield* fileChunks(task.file, () => done, tell);
    } catch (e) {
      if (e instanceof LocalReadUnavailable) unavailable = e;
      throw e;
    }
  }
  try {
    // An uncompressed archive is read in one synchronous loop (followPlain), waiting on shared memory for the writer's exit.
    const read = compression === 'none' && writerExited
      ? await followPlain(task.file, new Int32Array(writerExited), comparer, tell).catch((e: unknown) => {
        if (e instanceof LocalReadUnavailable) unavailable = e;
        throw e;
      })
      : await readArchiveStream(chunks(), task.file.slice(task.file.lastIndexOf('/') + 1), compression, { write: comparer });
    return comparer ? { ...read, compared: comparer.compared } : read;
  } finally {
    comparer?.close();
  }
}

const work: Promise<ReadArchive> = hash
  ? hashShared(hash)
  : extract
    ? extractArchiveFile(extract)
    : new Promise<FollowTask>((resolve) => (told = resolve)).then(follow);
work.then(
  (read) => {
    parentPort!.postMessage({ read });
    parentPort!.close();
  },
  (e: unknown) => {
    parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e), unavailable: !!unavailable });
    parentPort!.close();
  },
);
