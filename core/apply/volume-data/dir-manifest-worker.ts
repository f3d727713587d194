/** A worker thread computing one directory's manifest (see local.ts, manifestFromDirOffThread). */
import { parentPort, workerData } from 'node:worker_threads';
import { manifestFromDir } from './dir-manifest.js';

const { root } = workerData as { root: string };
manifestFromDir(root, Infinity).then(
  (manifest) => parentPort!.postMessage({ manifest }),
  (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) }),
);
