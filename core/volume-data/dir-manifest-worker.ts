/**
 * A worker thread for the local reads and copies of volume trees (see local.ts): one directory's
 * manifest (manifestFromDir), or one tree copied (dir-copy.ts, copyTree), off the main thread.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { manifestFromDir } from './dir-manifest.js';
import { copyTree } from './dir-copy.js';
import type { TreeCopy } from './dir-scan.js';

/** `nice`: this thread's nice value (Linux: per thread), to take only the CPU others leave. */
export type WorkerTask = { task: 'manifest'; root: string; nice?: number } | { task: 'copy'; plan: TreeCopy };

const job = workerData as WorkerTask;
if (job.task === 'manifest' && job.nice) {
  try {
    setPriority(0, job.nice);
  } catch {
    // Not lowered: it only competes as before.
  }
}
const work = async () => (job.task === 'copy' ? copyTree(job.plan) : manifestFromDir(job.root, Infinity));
work().then(
  (result) => parentPort!.postMessage({ result }),
  (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) }),
);
