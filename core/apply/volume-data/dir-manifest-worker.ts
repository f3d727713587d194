/**
 * A worker thread for the local reads and copies of volume trees (see local.ts): one directory's
 * manifest (manifestFromDir), or one tree copied (dir-copy.ts, copyTree), off the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { manifestFromDir } from './dir-manifest.js';
import { copyTree } from './dir-copy.js';
import type { TreeCopy } from './dir-scan.js';

export type WorkerTask = { task: 'manifest'; root: string } | { task: 'copy'; plan: TreeCopy };

const job = workerData as WorkerTask;
const work = async () => (job.task === 'copy' ? copyTree(job.plan) : manifestFromDir(job.root, Infinity));
work().then(
  (result) => parentPort!.postMessage({ result }),
  (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) }),
);
