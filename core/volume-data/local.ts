/**
 * Reading a volume's tree from the filesystem instead of through the Engine API, when the engine
 * is local: its socket is a unix socket, moor runs as root, and the volume is a plain directory of
 * the engine's `local` driver (no options: not a bind, tmpfs or NFS mount, which the engine mounts
 * only while a container uses the volume). The manifest is the same one a GET archive of the tree
 * gives (manifestFromTar): same entries, types, modes, owners, sizes, hashes, and hardlinks named
 * after the first path in the engine's walk order. It only saves the bytes' trip through the API.
 *
 * The engine's Mountpoint is trusted only once proven: a file with a random name and content is
 * written into one of moor's own volumes through the Engine API (`proveLocalEngine`) and must
 * then be found at that volume's Mountpoint, owned by root. That proves the directory moor reads
 * is the engine's (not the same path on a machine that is not the engine's: Docker Desktop's VM,
 * a container with the socket mounted) and that the owners moor sees are the engine's (no user
 * namespace remapping). Other volumes are then read only when their Mountpoint is in the same
 * volumes directory, as `<volumes dir>/<name>/_data`. Without proof, or when anything fails while
 * reading, the caller reads through the API as before. MOOR_LOCAL_VOLUMES=0 turns it off.
 */
import { randomBytes } from 'node:crypto';
import { constants, existsSync, lstatSync } from 'node:fs';
import { chmod, lstat, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EngineClient } from '../engine/client.js';
import { putSmallArchive, smallTar } from './archive.js';
import { withHelper } from './helper-container.js';
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { listDir, manifestFromDir } from './dir-manifest.js';
import type { Manifest } from './manifest.js';
import type { TreeCopy } from './dir-scan.js';
import type { WorkerTask } from './dir-manifest-worker.js';

export { listDir, manifestFromDir };

interface VolumeInfo {
  Driver?: string;
  Mountpoint?: string;
  Options?: Record<string, string> | null;
}

/** Per client, the volumes directories proven to be the engine's own (see proveLocalEngine). */
const proven = new WeakMap<EngineClient, Set<string>>();

/** Whether local reads may be tried at all with this client. */
export function localReadsPossible(client: EngineClient): boolean {
  if (process.env.MOOR_LOCAL_VOLUMES === '0') return false;
  if (!client.endpoint.socketPath) return false;
  return process.platform === 'linux' && process.getuid?.() === 0;
}

/** A plain local volume's directory here (`<volumes dir>/<name>/_data`) and the volumes directory holding it. */
export interface LocalVolume {
  dir: string;
  volumesDir: string;
}

/** The volume's directory and the volumes directory holding it, when it is a plain local one. */
export async function plainLocalVolume(client: EngineClient, volume: string): Promise<LocalVolume | null> {
  const v = await client.request<VolumeInfo>('GET', `/volumes/${encodeURIComponent(volume)}`);
  if (v.Driver !== 'local' || !v.Mountpoint || Object.keys(v.Options ?? {}).length) return null;
  const dir = v.Mountpoint;
  if (!path.isAbsolute(dir) || path.basename(dir) !== '_data' || path.basename(path.dirname(dir)) !== volume) return null;
  return { dir, volumesDir: path.dirname(path.dirname(dir)) };
}

/**
 * Prove that `volume` (one of moor's own, writable: a file is left at its root when the proof
 * fails) is the directory its Mountpoint names on this machine, with owners as the engine sees
 * them. Remembered per client; false when it is not (reads then go through the API).
 */
export async function proveLocalEngine(client: EngineClient, volume: string, labels: Record<string, string> = {}): Promise<boolean> {
  if (!localReadsPossible(client)) return false;
  try {
    return await prove(client, volume, labels);
  } catch {
    // Whatever failed (the engine refused the probe, the disk is full), the API path is the answer.
    return false;
  }
}

async function prove(client: EngineClient, volume: string, labels: Record<string, string>): Promise<boolean> {
  const local = await plainLocalVolume(client, volume);
  if (!local) return false;
  return proveWithPut(client, local, (tar) => withHelper(client, [{ name: volume, target: '/v', readOnly: false }], labels, (h) => putSmallArchive(client, h.id, '/v', tar)));
}

/**
 * The proof of proveLocalEngine, with the probe written by `put` (a tar extracted through the API
 * at the root of the volume whose directory here is `local.dir`): remembered per client.
 */
export async function proveWithPut(client: EngineClient, local: LocalVolume, put: (tar: Buffer) => Promise<void>): Promise<boolean> {
  if (!localReadsPossible(client)) return false;
  if (proven.get(client)?.has(local.volumesDir)) return true;
  if (!(await probeLocalDir(put, local.dir))) return false;
  markProven(client, local.volumesDir);
  return true;
}

function markProven(client: EngineClient, volumesDir: string): void {
  let set = proven.get(client);
  if (!set) proven.set(client, (set = new Set()));
  set.add(volumesDir);
}

/**
 * Whether `file` is the probe moor asked the engine to write: a regular file (not a symlink),
 * owned by root, holding `nonce`.
 */
export async function holdsProbe(file: string, nonce: string | Buffer): Promise<boolean> {
  try {
    const st = await lstat(file);
    if (!st.isFile() || st.uid !== 0 || st.gid !== 0) return false;
    const content = await readFile(file, { flag: constants.O_RDONLY | constants.O_NOFOLLOW });
    return typeof nonce === 'string' ? content.toString() === nonce : content.equals(nonce);
  } catch {
    return false;
  }
}

/**
 * A probe written by a process of the engine (a worker moor started, see backup/run.ts) into the
 * root of a volume whose Mountpoint is `local.dir`: when the file `name` there is it (holdsProbe),
 * the volumes directory is proven as by proveLocalEngine. The caller removes the file (the worker
 * waits for that, see run.ts).
 */
export async function acceptProbe(client: EngineClient, local: { dir: string; volumesDir: string }, name: string, nonce: string): Promise<boolean> {
  if (!localReadsPossible(client) || !(await holdsProbe(path.join(local.dir, name), nonce))) return false;
  markProven(client, local.volumesDir);
  return true;
}

/**
 * Whether the directory the engine writes into with `put` (a tar extracted at its root through the
 * API) is `localDir` on this machine, with the engine's owners: a file of random name and content
 * written through `put` must be found there (holdsProbe). Removed when found; left behind when not
 * (it is not here to remove).
 */
async function probeLocalDir(put: (tar: Buffer) => Promise<void>, localDir: string): Promise<boolean> {
  try {
    const name = `.moor-probe-${randomBytes(8).toString('hex')}`;
    const nonce = randomBytes(32);
    await put(await smallTar([{ header: { name, mode: 0o600, uid: 0, gid: 0, mtime: new Date() }, content: nonce }]));
    const file = path.join(localDir, name);
    if (!(await holdsProbe(file, nonce))) return false;
    await unlink(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * `rel` (a relative path of plain names) under `root`, on this machine, when every directory on
 * the way is a real directory, not a symlink: a worker resolves a symlink inside its own root, this
 * process in the machine's, so a path through one would not be the file the worker wrote. Null
 * when a component is missing or is not a directory.
 */
export function realDirUnder(root: string, rel: string): string | null {
  let dir = root;
  for (const part of rel.split('/').filter(Boolean)) {
    if (part === '..' || part === '.') return null;
    dir = path.join(dir, part);
    try {
      if (!lstatSync(dir).isDirectory()) return null;
    } catch {
      return null;
    }
  }
  return dir;
}

/** The directory of `volume` on this machine when it is in a proven volumes directory; else null. */
export async function provenVolumeDir(client: EngineClient, volume: string): Promise<string | null> {
  const set = proven.get(client);
  if (!set || !localReadsPossible(client)) return null;
  const local = await plainLocalVolume(client, volume);
  return local && set.has(local.volumesDir) ? local.dir : null;
}

/**
 * The file `name` at the root of `volume` read from its directory when the volume is proven
 * local (a small file: a manifest); undefined when it is not read that way (not proven, missing,
 * not a regular file, any error): the API then decides.
 */
export async function readVolumeFileLocally(client: EngineClient, volume: string, name: string): Promise<Buffer | undefined> {
  const dir = name.includes('/') ? null : await provenVolumeDir(client, volume);
  return dir ? readFileUnder(dir, name) : undefined;
}

/**
 * The regular file `rel` under `root`, reached through real directories only (realDirUnder) and
 * opened without following a link; undefined when it is not that (missing, any error).
 */
export async function readFileUnder(root: string, rel: string): Promise<Buffer | undefined> {
  const parent = path.dirname(rel);
  const dir = parent === '.' ? root : realDirUnder(root, parent);
  if (!dir) return undefined;
  try {
    const file = path.join(dir, path.basename(rel));
    if (!(await lstat(file)).isFile()) return undefined;
    return await readFile(file, { flag: constants.O_RDONLY | constants.O_NOFOLLOW });
  } catch {
    return undefined;
  }
}

/**
 * Write `bytes` as the file `name` at the root of `volume` (root's, mode 0644, as writeFile gives
 * it through the API) from this machine when the volume is proven local: written aside, then
 * renamed over. False when it was not (not proven, any error): the API then writes it.
 */
export async function writeVolumeFileLocally(client: EngineClient, volume: string, name: string, bytes: Uint8Array): Promise<boolean> {
  const dir = name.includes('/') ? null : await provenVolumeDir(client, volume);
  if (!dir) return false;
  const aside = path.join(dir, `.${name}.moor-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(aside, bytes, { mode: 0o644, flag: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW });
    await chmod(aside, 0o644);
    await rename(aside, path.join(dir, name));
    return true;
  } catch {
    await unlink(aside).catch(() => undefined);
    return false;
  }
}

/**
 * Where a worker thread's module `base` is: beside the module at `moduleUrl` in the sources (`base.ts`),
 * at dist/'s top in the bundle (`base.mjs`, one of the build's entry points).
 */
export function workerFile(base: string, moduleUrl: string): string | null {
  const here = path.dirname(fileURLToPath(moduleUrl));
  const candidates = moduleUrl.endsWith('.ts')
    ? [path.join(here, `${base}.ts`)]
    : [path.join(here, `${base}.mjs`), path.join(here, '..', `${base}.mjs`)];
  return candidates.find((f) => existsSync(f)) ?? null;
}

/** A worker thread running `file` (from workerFile); from the sources, once tsx's loader is registered in it. */
export function startWorker(file: string, workerData: unknown): Worker {
  return file.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then((t) => t.register()).then(() => import(${JSON.stringify(pathToFileURL(file).href)}))`, { eval: true, workerData })
    : new Worker(file, { workerData });
}

/** A task of dir-manifest-worker.ts run in a worker thread; null when no worker can be started. */
async function inWorker<T>(task: WorkerTask): Promise<T | null> {
  const file = workerFile('dir-manifest-worker', import.meta.url);
  if (!file) return null;
  const worker = startWorker(file, task);
  try {
    return await new Promise<T>((resolve, reject) => {
      worker.once('message', (m: { result?: T; error?: string }) => (m.error === undefined ? resolve(m.result!) : reject(new Error(m.error))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the volume data worker exited (code ${code})`)));
    });
  } finally {
    void worker.terminate();
  }
}

/**
 * manifestFromDir in a worker thread, so that the thread pumping a copy's stream is not held
 * while files are read and hashed; in this thread when no worker can be started. `nice`: the
 * thread's nice value (a backup's own read of the volumes while gzip runs, see backup/run.ts).
 */
export async function manifestFromDirOffThread(root: string, nice?: number): Promise<Manifest> {
  return (await inWorker<Manifest>({ task: 'manifest', root, ...(nice ? { nice } : {}) })) ?? manifestFromDir(root);
}

/**
 * copyTree (dir-copy.ts) in a worker thread: the bytes copied; null when no worker can be
 * started, before anything was written (the copy then goes through the API: made here, it would
 * hold this thread for its whole length).
 */
export function copyTreeOffThread(plan: TreeCopy): Promise<{ bytes: number } | null> {
  return inWorker<{ bytes: number }>({ task: 'copy', plan });
}
