/**
 * A worker thread reading an archive file as it is written (see local-archive.ts,
 * followLocalArchive), or, given `extract`, extracting a finished one into a restore's staging
 * directories (local-extract.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { extractArchiveFile, type ExtractTask } from './local-extract.js';
import { fileChunks, followPlain, LocalReadUnavailable } from './local-archive.js';
import { readArchiveStream, type ReadArchive } from './read-archive.js';
import { VolumeComparer } from './volume-compare.js';

const { file, compression, extract, writerExited, compare } = workerData as {
  file: string;
  compression: 'gzip' | 'none';
  extract?: ExtractTask;
  writerExited?: SharedArrayBuffer;
  /** Volume → its directory here: the archive's files compared with the volumes' (volume-compare.ts). */
  compare?: Record<string, string>;
};
const comparer = compare ? new VolumeComparer(compare) : undefined;
let done = false;
parentPort!.on('message', (m) => {
  if (m === 'done') done = true;
});
// The file not found or not openable here is told apart from an archive that does not read.
let unavailable: LocalReadUnavailable | undefined;
async function* chunks() {
  try {
    yield* fileChunks(file, () => done);
  } catch (e) {
    if (e instanceof LocalReadUnavailable) unavailable = e;
    throw e;
  }
}
/** An uncompressed archive is read in one synchronous loop (followPlain), waiting on shared memory for the writer's exit. */
function plain(flag: SharedArrayBuffer): Promise<ReadArchive> {
  return followPlain(file, new Int32Array(flag), comparer).catch((e: unknown) => {
    if (e instanceof LocalReadUnavailable) unavailable = e;
    throw e;
  });
}
const work: Promise<ReadArchive> = extract
  ? extractArchiveFile(extract)
  : compression === 'none' && writerExited
    ? plain(writerExited)
    : readArchiveStream(chunks(), file.slice(file.lastIndexOf('/') + 1), compression, { write: comparer });
work.then(
  (read) => {
    comparer?.close();
    parentPort!.postMessage({ read: comparer ? { ...read, compared: comparer.compared } : read });
    parentPort!.close();
  },
  (e: unknown) => {
    comparer?.close();
    parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e), unavailable: !!unavailable });
    parentPort!.close();
  },
);
