/**
 * One run of a backup job, in the order the job promises:
 *   hooks before → stop the listed containers (reverse dependency order) → archive → start them
 *   again (dependency order; also when archiving failed) → verify → prune → hooks after.
 *
 * The archive is written by a worker of the job's image that mounts the volumes read-only and the
 * target read-write: `tar` runs next to the data and writes straight into the target. While it
 * writes, moor reads the file back as it grows and hashes, gunzips and parses it and hashes every
 * file in it; at the same time moor reads the same volumes and computes their manifest. When the
 * engine is local and proven so (localPaths), both reads are of this machine's filesystem, each in
 * a worker thread: the growing file in the target, the volumes' directories. Otherwise the worker
 * reads the growing file back (gzip) and streams it to moor over the attach stream, or (no
 * compression) moor reads the finished file through the engine's archive endpoint, faster than the
 * attach stream; and moor reads the volumes through the engine. The archive read back must hold
 * the same manifest (every path, type, mode, owner, size, sha256 and link target); only then is the
 * manifest written beside the archive with status "verified", both renamed from .part to their
 * names (by a worker moor starts for that; the archiving worker never does), and only then are
 * older archives pruned. Verifying as tar writes costs no pass of its own after the archive. A
 * failed step names itself.
 *
 * The containers stopped are recorded on the engine before they stop (model/intent.ts); a run
 * killed meanwhile is finished by the next command (backup/intents.ts). The archiving worker
 * stops when moor goes away (its stdin closes) and the engine removes it.
 */
import { lstat, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { constants } from 'node:fs';
import path from 'node:path';
import { timed } from '../volume-data/phases.js';
import { listStackContainers } from '../observe/stack-containers.js';
import { MoorError } from '../errors.js';
import { Readable } from 'node:stream';
import { smallTar } from '../volume-data/archive.js';
import { compareManifests, type Manifest, type ManifestEntry } from '../volume-data/manifest.js';
import { getArchive } from '../volume-data/archive.js';
import type { EngineClient } from '../engine/client.js';
import { isNotFound } from '../engine/errors.js';
import { execInContainer } from '../engine/exec.js';
import { engineName } from '../model/names.js';
import type { BackupHookSpec, BackupSpec } from '../model/spec.js';
import { archiveFileName, archiveId, isRunFile, manifestFileName, prunedName, serializeManifest, unprunedName, type ArchiveManifest, type ArchiveSummary } from './archive-file.js';
import { LIST_SCRIPT, parseListing, type ListedArchive } from './list.js';
import { Pacer } from './pacer.js';
import { readArchive, readArchiveStream, volumeEntries, type ReadArchive } from './read-archive.js';
import { decideRetention } from './retention.js';
import { describeTarget, jobDir, PROBE as PROBE_MOUNT, SOURCE, TARGET, targetMount } from './target.js';
import { BACKUP_LABEL, createWorker, lastLines, removeWorker, runCommand, runWorker, startAttached, workerName, type Worker } from './worker.js';
import { recordIntent, removeIntent, type IntentHandle } from './intents.js';
import { acceptProbe, holdsProbe, listDir, localReadsPossible, manifestFromDirOffThread, plainLocalVolume, provenVolumeDir, realDirUnder } from '../volume-data/local.js';
import { listedUnder, manifestFromComparison, VolumeComparer } from './volume-compare.js';
import { backupRecordName, archiveDir } from '../model/backup.js';
import { followCompare, LocalReadUnavailable, prepareFollow } from './local-archive.js';
import { canonical, underVolume } from './tree.js';
import { WriteBehind } from './write-behind.js';

export type RunStep = 'hooks before' | 'stop' | 'archive' | 'restart' | 'verify' | 'prune' | 'hooks after';

export class BackupStepError extends MoorError {
  constructor(readonly step: RunStep, message: string) {
    super(`${step}: ${message}`);
    this.name = 'BackupStepError';
  }
}

export interface RunOptions {
  now?: () => Date;
  /** Progress, one line per step. */
  log?: (line: string) => void;
  /**
   * The pruned files, when pruned here (the job's folder on this machine), are renamed aside
   * (hidden: prunedName) instead of deleted, and left to the caller (RunResult.left): the CLI has
   * them deleted by a process holding the stack's lock, after the command (deletePrunedLater).
   */
  pruneLater?: boolean;
}

export interface RunResult {
  archive: ArchiveSummary;
  pruned: string[];
  /** Containers stopped and started again. */
  restarted: string[];
  ms: number;
  /** With pruneLater: the job's folder here, where pruned files wait renamed aside (prunedName) to be deleted. */
  left?: string[];
}

interface Ctx {
  client: EngineClient;
  stack: string;
  job: BackupSpec;
  log: (line: string) => void;
}

/**
 * The engine names of a container resource: `<stack>-<name>`, or its replicas `-1..N` in order
 * (from the engine's labels: a job runs as applied, without the stack file).
 */
async function containersOf(ctx: Ctx, name: string): Promise<string[]> {
  const found = (await listStackContainers(ctx.client, ctx.stack)).filter((c) => c.resource === name).map((c) => c.name);
  return found.length ? found.sort((a, b) => a.length - b.length || a.localeCompare(b)) : [engineName(ctx.stack, name)];
}

async function runHooks(ctx: Ctx, hooks: BackupHookSpec[], step: 'hooks before' | 'hooks after'): Promise<void> {
  for (const [i, h] of hooks.entries()) {
    // A container with replicas: the hook runs in replica 1 (as `moor exec`).
    const container = (await containersOf(ctx, h.container))[0]!;
    ctx.log(`${step}[${i}]: ${JSON.stringify(h.command)} in ${container}`);
    let r: { exitCode: number; stdout: string; stderr: string };
    try {
      r = await execInContainer(ctx.client, container, h.command, { timeoutMs: h.timeoutSec * 1000 });
    } catch (e) {
      throw new BackupStepError(step, `[${i}] in ${container}: ${(e as Error).message}`);
    }
    if (r.exitCode !== 0) {
      throw new BackupStepError(step, `[${i}] ${JSON.stringify(h.command)} in ${container} exited ${r.exitCode}${r.stderr.trim() || r.stdout.trim() ? `: ${lastLines(r.stderr || r.stdout)}` : ''}`);
    }
  }
}

/** What stopping did so far: the containers stopped (in start order) and the record of them. */
interface Stopping {
  stopped: string[];
  intent?: IntentHandle;
}

/**
 * Stop the listed containers that run, last first; `s` collects them in start order as it goes.
 * Which ones is recorded on the engine before the first stops (model/intent.ts): a run killed
 * from here on leaves a record the next command finishes by starting them again. The record is
 * kept in `s` as soon as it is written, so a stop that fails half-way still removes it once the
 * containers run again.
 */
async function stopContainers(ctx: Ctx, s: Stopping): Promise<void> {
  const running: { container: string; timeout: number }[] = [];
  // A container with replicas is all of them (`<stack>-worker-1..N`): stopped last to first, started first to last.
  const replicas = await Promise.all(ctx.job.stop.map((name) => containersOf(ctx, name)));
  for (const container of replicas.flat().reverse()) {
    let info: { State: { Running: boolean }; Config: { StopTimeout?: number } };
    try {
      info = await ctx.client.request('GET', `/containers/${encodeURIComponent(container)}/json`);
    } catch (e) {
      if (isNotFound(e)) continue;
      throw e;
    }
    if (info.State.Running) running.push({ container, timeout: info.Config.StopTimeout ?? 10 });
  }
  if (!running.length) return;
  s.intent = await recordIntent(ctx.client, ctx.stack, { command: `backup run ${ctx.job.name}`, job: ctx.job.name, step: 'stop', stopped: running.map((r) => r.container).reverse() });
  for (const { container, timeout } of running) {
    ctx.log(`stop: ${container}`);
    await ctx.client.request('POST', `/containers/${encodeURIComponent(container)}/stop`, { query: { t: timeout }, okStatuses: [304] });
    s.stopped.unshift(container);
  }
}

async function startContainers(ctx: Ctx, names: string[]): Promise<void> {
  const failed: string[] = [];
  for (const container of names) {
    ctx.log(`restart: ${container}`);
    try {
      await ctx.client.request('POST', `/containers/${encodeURIComponent(container)}/start`, { okStatuses: [304] });
    } catch (e) {
      failed.push(`${container}: ${(e as Error).message}`);
    }
  }
  if (failed.length) throw new BackupStepError('restart', `could not start again: ${failed.join('; ')}`);
}

/** The manifest of the archived volumes, as the archive should hold them (read through the finishing worker, not started yet). */
async function sourceManifest(ctx: Ctx, reader: Worker, pacer: Pacer): Promise<Manifest> {
  const parts = await Promise.all(
    ctx.job.volumes.map(async (v) => {
      const res = await getArchive(ctx.client, reader.id, `${SOURCE}/${v}`);
      try {
        return await volumeEntries(pacer.paced(res as AsyncIterable<Buffer>), v);
      } finally {
        res.destroy();
      }
    }),
  );
  return canonical(parts.flat());
}

/**
 * The same manifest read from the volumes' directories on this machine (local.ts), each in a
 * worker thread; null when it cannot be (the engine's read then decides).
 */
async function localSourceManifest(ctx: Ctx, dirs: Map<string, string>): Promise<Manifest | null> {
  // gzip: tar's compression is what everything waits for; this read takes only the CPU it leaves
  // (a thread nice value of 10), instead of a share of gzip's core for its first seconds.
  const nice = ctx.job.compression === 'gzip' ? 10 : undefined;
  try {
    const parts = await Promise.all(ctx.job.volumes.map(async (v) => underVolume(v, await manifestFromDirOffThread(dirs.get(v)!, nice))));
    return canonical(parts.flat());
  } catch {
    return null;
  }
}

/**
 * The volumes' manifest when both they and the archive are read here: moor lists the volumes'
 * directories (`early`, listVolumes; no file read) while every file of the archive is compared
 * with the volume's as the archive is read (volume-compare.ts; on the main thread uncompressed,
 * in the reading thread with gzip); a listed file gets the archive's sha256 when it was found
 * equal and unchanged. When the archive was not read here (it
 * went through the engine after all) or the listing failed, the volumes are read and hashed as
 * without the comparison (`hashed`). When the archive's read failed, that failure decides the run:
 * the listing is returned as it is, without reading the volumes again.
 */
async function comparedSource(ctx: Ctx, dirs: Map<string, string>, early: Promise<Listing | null>, reading: Promise<ReadArchive>, hashed: () => Promise<Manifest>): Promise<Manifest> {
  const listing = early.then((l) => (l && ctx.job.volumes.every((v) => l.dirs.get(v) === dirs.get(v)) ? l : listVolumes(ctx, dirs)));
  const [listed, read] = await Promise.all([listing, reading.then((r) => r, () => null)]);
  if (listed && read?.compared) return canonical(manifestFromComparison(listed, read.entries, read.compared));
  if (listed && !read) return canonical(listed.entries);
  return hashed();
}

/** The volumes' directories here as listDir lists them, paths and identities under each volume's name. */
interface Listing {
  dirs: Map<string, string>;
  entries: ManifestEntry[];
  ids: Map<string, string>;
}

/**
 * List the volumes' directories (`dirs`; without, the ones the engine names as their Mountpoints,
 * not proven yet: archive() starts this while the engine starts the worker, and comparedSource
 * uses it only for the directories the proof then gives). In this thread, in slices between
 * which its event loop runs: it only waits meanwhile, and a worker thread's start (node's and
 * moor's modules loaded again) costs more CPU than the listing. Null when it cannot be made.
 */
async function listVolumes(ctx: Ctx, dirs?: Map<string, string>): Promise<Listing | null> {
  try {
    const where = dirs ?? new Map<string, string>();
    if (!dirs) {
      for (const v of ctx.job.volumes) {
        const local = await plainLocalVolume(ctx.client, engineName(ctx.stack, v));
        if (!local) return null;
        where.set(v, local.dir);
      }
    }
    // Slices of 1 ms: the proof, meanwhile, waits for this thread's turns (8 ms slices made it 0.2 s long).
    const parts = await Promise.all(ctx.job.volumes.map(async (v) => listedUnder(v, await listDir(where.get(v)!, 1))));
    return { dirs: where, entries: parts.flatMap((p) => p.entries), ids: new Map(parts.flatMap((p) => [...p.ids])) };
  } catch {
    return null;
  }
}

/**
 * What this run may read from the filesystem instead of through the engine (see local.ts), when
 * the engine is local: the volumes' directories, and the job's folder in the target.
 *
 * The proof: the archiving worker, before tar starts, writes a file of random name and content
 * (the probe) into the job's record volume (moor's own, data-less, mounted for it at PROBE) and
 * into the job's folder in the target. Found here at the record's Mountpoint, owned by root, it
 * proves the engine's volumes directory is this machine's, with the engine's owners; the job's
 * volumes, in the same volumes directory, are then read there. The target is proven by its own
 * probe, looked for in the job's folder under the target's root here: a volume target's
 * Mountpoint, or the host directory — a bind of the engine's host path is the same path here only
 * when the engine's filesystem is this process's at that path, which the volumes' proof does not
 * say (moor in a container given the engine's socket and its volumes directory, but another
 * directory at that path). Both probes are removed once found. Nothing is read here before, but
 * for the volumes' listing (names and metadata, no file's content: listVolumes), which starts with
 * the worker and is used only for the directories the proof then gives.
 */
interface LocalPaths {
  /** Volume → its directory; null when any is not local. */
  sources: Map<string, string> | null;
  /** The job's folder here (a real directory, no symlink on the way under the target's root); null when not proven. */
  target: string | null;
}


interface Probe {
  name: string;
  nonce: string;
  /** The record volume here, as its Mountpoint says (to be proven). */
  record: { dir: string; volumesDir: string };
}

/**
 * Wait for the worker's probe in the record volume (until it exited), then what it proves. The
 * record's probe is removed last: the worker keeps the target's until then (archiveScript).
 */
async function localPaths(ctx: Ctx, p: Probe, exited: Promise<unknown>): Promise<LocalPaths> {
  const none: LocalPaths = { sources: null, target: null };
  const { client, stack, job } = ctx;
  let gone = false;
  exited.then(() => (gone = true), () => (gone = true));
  const there = async (file: string) => (await readFile(file, { flag: constants.O_RDONLY | constants.O_NOFOLLOW }).catch(() => null))?.toString() === p.nonce;
  const recordProbe = path.join(p.record.dir, p.name);
  for (;;) {
    const last = gone;
    if (await there(recordProbe)) break;
    if (last) return none;
    await new Promise((r) => setTimeout(r, 5));
  }
  try {
    if (!(await acceptProbe(client, p.record, p.name, p.nonce))) return none;
    const dirs = new Map<string, string>();
    for (const v of job.volumes) {
      const dir = await provenVolumeDir(client, engineName(stack, v)).catch(() => null);
      if (dir) dirs.set(v, dir);
    }
    const root = job.target.type === 'volume' ? await provenVolumeDir(client, engineName(stack, job.target.volume)).catch(() => null) : job.target.path;
    let target = root ? realDirUnder(root, archiveDir(stack, job.name)) : null;
    if (target) {
      const file = path.join(target, p.name);
      if (await holdsProbe(file, p.nonce)) await unlink(file).catch(() => undefined);
      else target = null;
    }
    return { sources: dirs.size === job.volumes.length ? dirs : null, target };
  } finally {
    await unlink(recordProbe).catch(() => undefined);
  }
}

/** The archiving worker's exit code when tar itself failed (its message and status on stderr). */
const TAR_FAILED = 3;

function archiveScript(compression: 'gzip' | 'none', readHere: boolean): string {
  // gzip: tar writes the archive into the target, as the floor would, under a temporary name; at
  // the same time a loop reads the file back from the target as it grows (dd from the last offset
  // to the current size, in 1 MiB blocks) and writes it to stdout, where moor verifies it. Once
  // tar has exited (its status in a file of the worker's own filesystem), the rest is read.
  // Without compression tar writes at the disk's speed, faster than the attach stream carries it:
  // the worker only runs tar, and moor reads the finished file back through the engine's archive
  // endpoint (readBack). The worker never renames the .part: only moor does, after verifying it
  // (finishScript). When the engine may be local (a probe is asked: $PROBE, see localPaths), the
  // worker writes the probe, then only runs tar, with or without gzip: moor reads the file from
  // this machine's filesystem as it grows (or, not proven, through the engine after). Entries are `<volume>/…` (tar runs in the directory where the volumes are
  // mounted). A sleep without fractions (some minimal images) polls once a second instead.
  // The watchdog: moor keeps the worker's stdin open and never writes to it; it ends when moor
  // goes away, however moor dies (the engine closes it with the connection), and then every
  // process of the worker is killed — sh is the container's init: it ignores TERM without a trap.
  const head = `set -e
trap 'exit 4' TERM
exec 3<&0
( while read -r _ <&3; do :; done; echo "moor went away: stopping" >&2; kill -TERM 0 ) </dev/null >/dev/null &
mkdir -p "$DIR"
if [ -n "$PROBE" ]; then printf %s "$NONCE" > "$DIR/$PROBE" || true; printf %s "$NONCE" > "${PROBE_MOUNT}/$PROBE" || true; fi
cd ${SOURCE}
F="$DIR/$NAME.part"
: > "$F"
`;
  // The probes: moor removes the record's once it found it (localPaths); while it is there, the
  // worker gives moor a second at most before removing both itself (nothing is left behind).
  if (compression === 'none' || readHere) return `${head}c=0; tar -c${compression === 'gzip' ? 'z' : ''}f "$F" $VOLUMES <&- || c=$?
if [ -n "$PROBE" ]; then
  i=0; while [ -e "${PROBE_MOUNT}/$PROBE" ] && [ $i -lt 10 ]; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done
  rm -f -- "$DIR/$PROBE" "${PROBE_MOUNT}/$PROBE"
fi
if [ "$c" != 0 ]; then echo "tar exited $c" >&2; exit ${TAR_FAILED}; fi`;
  return `${head}{ c=0; tar -czf "$F" $VOLUMES || c=$?; echo "$c" > /.moor-tar-exit; } <&- &
off=0
while :; do
  done=0; [ -e /.moor-tar-exit ] && done=1
  size=$(stat -c %s "$F")
  if [ "$size" -gt "$off" ]; then
    dd if="$F" bs=1M skip="$off" count=$((size - off)) iflag=skip_bytes,count_bytes 2>/dev/null
    off=$size
  elif [ "$done" = 1 ]; then break
  else sleep 0.2 2>/dev/null || sleep 1
  fi
done
c=$(cat /.moor-tar-exit)
if [ "$c" != 0 ]; then echo "tar exited $c" >&2; exit ${TAR_FAILED}; fi`;
}

/**
 * Run by the finishing worker once moor verified the archive and put the manifest beside it as
 * .part: both take their names; then the folder is listed for the prune (no worker of its own).
 */
// Durable before older archives are pruned: the archive's and manifest's data, then the names.
// \`sync FILE…\` fsyncs each (coreutils ≥ 8.24, busybox ≥ 1.30); an older sync refuses
// arguments or ignores them: \`sync\` alone then writes back everything, which includes them.
const FINISH_SCRIPT = `set -e
cd "$DIR"
sync -- "$NAME.part" "$MANIFEST.part" 2>/dev/null || sync
mv -- "$NAME.part" "$NAME"
mv -- "$MANIFEST.part" "$MANIFEST"
sync -- . 2>/dev/null || sync
set +e
${LIST_SCRIPT}`;

/** The volumes' manifest, and the archive as read back from the target while tar wrote it. */
interface Archived {
  source: Manifest;
  streamed: ReadArchive | Error;
  /** The job's folder on this machine, when the archive was read there (it is finished there too). */
  folder: string | null;
}

/**
 * Run the archiving worker with its output attached: the archive's bytes, read back from the
 * target while tar writes them, are hashed, gunzipped, parsed, every file hashed; meanwhile moor
 * reads the volumes themselves for their manifest. Throws a BackupStepError('archive') when tar or
 * the worker failed.
 *
 * With `here` (localPaths), both reads are of this machine's filesystem, each in a worker thread:
 * the volumes' directories, and the archive file as it grows (until the worker exited and the
 * file's end is reached). When a local read cannot be made (the file is not there, a directory
 * on the way is a symlink), the engine's read of the same thing decides, as without `here`; a
 * local read that finds the archive broken is a broken archive.
 */
async function archive(ctx: Ctx, w: Worker, readerOf: () => Promise<Worker>, name: string, probe: Probe | null): Promise<Archived> {
  // Started while the engine starts the worker, when the CPUs only wait: the archive's reading
  // thread(s), told their file once the proof holds, and the listing of the volumes' directories.
  const early = probe ? { follow: prepareFollow(ctx.job.compression), listing: listVolumes(ctx) } : null;
  // stdin attached and left open: the worker's watchdog ends it when this connection goes.
  const attached = await timed('backup.start-worker', () => startAttached(ctx.client, w, true)).catch((e: Error) => {
    early?.follow.cancel();
    throw e;
  });
  void timed('backup.worker-exit', () => attached.exit);
  // Whatever fails in the proof leaves the engine's reads: never the run.
  const none: LocalPaths = { sources: null, target: null };
  const here = probe ? await timed('backup.proof', () => localPaths(ctx, probe, attached.exit)).catch(() => none) : none;
  if (!here.target) early?.follow.cancel();
  if (here.sources || here.target) {
    const what = [here.sources ? 'the volumes' : '', here.target ? 'the archive' : ''].filter(Boolean).join(' and ');
    ctx.log(`archive: read here: ${what}${here.sources && here.target ? ", the archive's files compared byte for byte with the volumes'" : ''}`);
  }
  const partPath = `${jobDir(ctx.stack, ctx.job)}/${name}.part`;
  const viaEngine = () => attached.exit.then(async (code) => (code === 0 ? readArchive(ctx.client, (await readerOf()).id, partPath, ctx.job.compression) : Promise.reject(new Error(`the worker exited ${code}`))));
  // gzip: the volumes' own read follows the archive's progress (see Pacer), 64 MiB ahead at most.
  // Without compression it runs while tar writes, at its own pace: tar is not held up by the CPU.
  // Read here, in threads of their own, neither is paced: the volumes' read takes the core gzip
  // leaves, at a lower priority (localSourceManifest).
  const pacer = new Pacer(64 * 2 ** 20);
  // With a probe the worker runs tar alone: no stream to read.
  const streaming = ctx.job.compression === 'gzip' && !probe;
  if (!streaming) pacer.release();
  let reading: Promise<ReadArchive>;
  let folder: string | null = null;
  // Both here: the archive's files are compared with the volumes' as the archive is read (volume-compare.ts).
  const compare = here.sources && here.target ? Object.fromEntries(here.sources) : undefined;
  if (here.target) {
    const dir = here.target;
    const followed = (async () => {
      const file = `${dir}/${name}.part`;
      // Uncompressed, the comparison with the volumes runs on this thread, which otherwise only
      // waits (followCompare), beside the reading thread (its files' sha256 and its tree digest):
      // on two cores with tar, that thread alone was what the run waited for. gzip: in the reading
      // thread, which gunzips anyway.
      const onMain = compare && ctx.job.compression === 'none' ? new VolumeComparer(compare) : undefined;
      const f = (early?.follow ?? prepareFollow(ctx.job.compression)).follow(file, onMain ? undefined : compare);
      // Written through to the disk behind both reads of the file, and dropped from the cache (write-behind.ts).
      const onMainAt = { at: 0 };
      const behind = new WriteBehind(file, onMain ? [() => f.readTo(), () => onMainAt.at] : [() => f.readTo()]);
      // tar is done once the worker's output ends (its script exited: tar closed the file before),
      // a moment before the engine reports the exit of a worker it removes; its code is still checked after.
      let tarDone = false;
      let stopped = false;
      attached.ended.then(() => {
        tarDone = true;
        f.writerDone();
      }, () => undefined);
      attached.exit.then((code) => {
        tarDone = true;
        if (code === 0) f.writerDone();
        else {
          stopped = true;
          f.stop();
        }
      }, () => {
        stopped = true;
        f.stop();
      });
      // Failed (the worker stopped, the file not read): no comparison; comparedSource then decides.
      const compared = onMain
        ? followCompare(file, () => {
          if (stopped) throw new Error('the worker failed');
          return tarDone;
        }, onMain, undefined, onMainAt).catch(() => undefined)
        : undefined;
      let read: ReadArchive;
      try {
        read = await f.result;
      } catch (e) {
        behind.stop();
        throw e;
      }
      const done = onMain ? { ...read, compared: await compared } : read;
      await behind.finish().catch((e: Error) => Promise.reject(new Error(`writing the archive to the disk (fsync): ${e.message}`)));
      folder = dir;
      return done;
    })();
    reading = followed.catch((e: Error) => (e instanceof LocalReadUnavailable ? viaEngine() : Promise.reject(e)));
  } else {
    reading = streaming
      ? readArchiveStream(attached.stdout, name, ctx.job.compression, { onProgress: (n) => pacer.advance(n) })
        .catch((e: Error) => {
          // Nothing reads the rest: the worker's dd then fails on a closed pipe instead of waiting.
          // Rejected still: the failure is the cause told when the worker then exits non-zero.
          attached.close();
          throw e;
        })
        .finally(() => pacer.release())
      // Read once tar is done, out of the finishing worker (created, never started yet).
      : viaEngine();
  }
  reading.catch(() => undefined);
  const viaApi = async () => sourceManifest(ctx, await readerOf(), pacer);
  const hashedHere = (dirs: Map<string, string>) => localSourceManifest(ctx, dirs).then((m) => m ?? viaApi());
  const source = compare ? comparedSource(ctx, here.sources!, early?.listing ?? Promise.resolve(null), reading, () => hashedHere(here.sources!)) : here.sources ? hashedHere(here.sources) : viaApi();
  const [streamed, sourced] = await Promise.allSettled([timed('backup.archive-read', () => reading), timed('backup.source', () => source)]);
  const code = await attached.exit;
  const said = attached.stderr.text().trim();
  if (code !== 0) {
    // When moor stopped reading (the read-back failed), the worker's loop fails on the closed pipe:
    // that read is the cause. When tar failed, what it wrote ends short: tar is the cause, said on stderr.
    const cause = streamed.status === 'fulfilled' || code === TAR_FAILED || !streaming ? '' : `; reading it back: ${(streamed.reason as Error).message}`;
    throw new BackupStepError('archive', `the archiving worker (tar) exited ${code}${said ? `: ${lastLines(said)}` : ''}${cause}`);
  }
  if (sourced.status === 'rejected') throw new BackupStepError('archive', `reading the volumes for their manifest: ${(sourced.reason as Error).message}`);
  return { source: sourced.value, streamed: streamed.status === 'fulfilled' ? streamed.value : (streamed.reason as Error), folder };
}

/**
 * FINISH_SCRIPT's work done here, in the job's folder on this machine (where the archive was just
 * read, see archive()): the manifest written as .part (root's, 0644, the run's time, as the engine's
 * extraction of writeManifest's tar leaves it), both renamed, then the folder listed as LIST_SCRIPT
 * lists it. No worker to start. Null when the manifest cannot even be created there (the
 * finishing worker then does it all); a failure after that throws.
 *
 * Durable before it returns (older archives are pruned after): the archive was fsynced as it was
 * read (write-behind.ts), the manifest is, and the folder after both renames.
 */
async function finishHere(folder: string, name: string, manifest: string, content: Buffer, mtime: Date): Promise<string | null> {
  const part = path.join(folder, `${manifest}.part`);
  let fh;
  try {
    fh = await open(part, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  } catch {
    return null;
  }
  try {
    await fh.writeFile(content);
    await fh.chown(0, 0);
    await fh.chmod(0o644);
    await fh.utimes(mtime, mtime);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(path.join(folder, `${name}.part`), path.join(folder, name));
  await rename(part, path.join(folder, manifest));
  await syncDir(folder);
  const lines: string[] = [];
  for (const f of (await readdir(folder)).filter((f) => !f.startsWith('.')).sort()) {
    const st = await lstat(path.join(folder, f)).catch(() => null);
    if (!st?.isFile()) continue;
    if (f.endsWith('.manifest.jsonl')) lines.push(`M ${(await firstLine(path.join(folder, f))) ?? ''}`);
    lines.push(`F ${st.size} ${f}`);
  }
  return lines.join('\n');
}

/** fsync a directory: the names just given in it are durable. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The first line of a small text file (a manifest's summary), read no further than needed. */
async function firstLine(file: string): Promise<string | null> {
  const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
  if (!fh) return null;
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    const nl = text.indexOf('\n');
    return nl >= 0 ? text.slice(0, nl) : text;
  } finally {
    await fh.close();
  }
}

/** Why the archive is not what the volumes held, or null when it is. */
function verifyArchived(a: Archived): string | null {
  if (a.streamed instanceof Error) return a.streamed.message;
  const diff = compareManifests(a.source, canonical(a.streamed.entries));
  if (diff.length) return `the archive does not hold what the volumes held (did something write to them during the run? list its containers in stop): ${diff.join('; ')}`;
  return null;
}

export async function runBackup(client: EngineClient, stack: string, job: BackupSpec, opts: RunOptions = {}): Promise<RunResult> {
  const started = (opts.now ?? (() => new Date()))();
  const t0 = performance.now();
  const ctx: Ctx = { client, stack, job, log: opts.log ?? (() => undefined) };
  const id = archiveId(started);
  const name = archiveFileName(id, job.compression);
  const dir = jobDir(stack, job);
  const labels = { [BACKUP_LABEL]: `${stack}/${job.name}` };

  await runHooks(ctx, job.hooks.before, 'hooks before');
  let worker: Worker | undefined;
  let finisher: Worker | undefined;
  let getFinisher: (() => Promise<Worker>) | undefined;
  let making: Promise<Worker> | undefined;
  const stopping: Stopping = { stopped: [] };
  const { stopped } = stopping;
  try {
    let archived: Archived | undefined;
    let readWhileWritten = job.compression === 'gzip';
    let failure: BackupStepError | undefined;
    try {
      await stopContainers(ctx, stopping).catch((e: Error) => {
        throw new BackupStepError('stop', e.message);
      });
      // Local reads (localPaths): the job's record volume, moor's own, is mounted in the archiving
      // worker for the probe, when it is a plain local volume and the engine may be local.
      const record = backupRecordName(stack, job.name);
      // Its Mountpoint must at least be a directory here (moor in a container given the engine's
      // socket: usually not), else the worker would wait for a probe nobody takes (archiveScript).
      const recordHere = localReadsPossible(client) ? await plainLocalVolume(client, record).then((l) => (l && existsSync(l.dir) ? l : null), () => null) : null;
      const probe: Probe | null = recordHere ? { name: `.moor-probe-${randomBytes(8).toString('hex')}`, nonce: randomBytes(24).toString('hex'), record: recordHere } : null;
      // Reads the volumes for their manifest while the archive is written (through the engine);
      // once verified, it gives the archive and its manifest their names (FINISH_SCRIPT). Made
      // only when needed when the engine may be local: read here, the run finishes here too.
      const finisherSpec = {
        image: job.image, name: workerName(stack, job.name, 'finish'), labels,
        mounts: [...job.volumes.map((v) => ({ type: 'volume' as const, source: engineName(stack, v), target: `${SOURCE}/${v}`, readOnly: true })), targetMount(stack, job, false)],
        cmd: ['sh', '-c', FINISH_SCRIPT],
        env: { DIR: dir, NAME: name, MANIFEST: manifestFileName(id) },
      };
          getFinisher = () => (making ??= createWorker(client, finisherSpec).then((w) => (finisher = w)));
      if (!probe) await getFinisher();
      worker = await timed('backup.create-worker', () => createWorker(client, {
        image: job.image, name: workerName(stack, job.name, 'archive'), labels,
        mounts: [
          ...job.volumes.map((v) => ({ type: 'volume' as const, source: engineName(stack, v), target: `${SOURCE}/${v}`, readOnly: true })), targetMount(stack, job, false),
          ...(probe ? [{ type: 'volume' as const, source: record, target: PROBE_MOUNT, readOnly: false }] : []),
        ],
        cmd: ['sh', '-c', archiveScript(job.compression, !!probe)],
        attach: 'stdin',
        env: { DIR: dir, NAME: name, VOLUMES: job.volumes.join(' '), ...(probe ? { PROBE: probe.name, NONCE: probe.nonce } : {}) },
      }));
      ctx.log(`archive: ${job.volumes.join(', ')} → ${name} in ${describeTarget(stack, job)}`);
      archived = await archive(ctx, worker, getFinisher, name, probe);
      readWhileWritten = archived.folder !== null || (job.compression === 'gzip' && !probe);
    } catch (e) {
      failure = e instanceof BackupStepError ? e : new BackupStepError('archive', (e as Error).message);
    }
    // The containers come back whether the archive worked or not; both failures are told. The
    // record goes once they run again (when one would not start, the next command tries again).
    try {
      await startContainers(ctx, stopped);
      if (stopping.intent) await removeIntent(client, stopping.intent.volume);
    } catch (e) {
      if (!failure) throw e instanceof BackupStepError ? e : new BackupStepError('restart', (e as Error).message);
      throw new BackupStepError(failure.step, `${failure.message.slice(failure.step.length + 2)}; and then ${(e as Error).message}`);
    }
    if (failure || !getFinisher || !archived) throw failure ?? new BackupStepError('archive', 'no worker ran');
    const expected = archived.source;

    ctx.log(`verify: ${name}, read back from the target ${readWhileWritten ? 'while' : 'after'} tar wrote it`);
    const summary: ArchiveSummary = {
      moor_backup_manifest: 1, stack, job: job.name, id, archive: name, created: started.toISOString(), compression: job.compression,
      volumes: job.volumes, archiveBytes: 0, archiveSha256: '', archiveTreeSha256: undefined, entries: expected.entries.length, files: expected.files, directories: expected.directories,
      symlinks: expected.symlinks, bytes: expected.bytes, status: 'failed',
    };
    if (!(archived.streamed instanceof Error)) {
      summary.archiveBytes = archived.streamed.bytes;
      summary.archiveSha256 = archived.streamed.sha256;
      summary.archiveTreeSha256 = archived.streamed.treeSha256;
    }
    const problem = verifyArchived(archived);
    if (problem) summary.reason = problem;
    else summary.status = 'verified';
    const manifest: ArchiveManifest = { summary, entries: expected.entries };
    let listing = '';
    try {
      const content = serializeManifest(manifest);
      const here = archived.folder ? await finishHere(archived.folder, name, manifestFileName(id), content, started) : null;
      if (here !== null) listing = here;
      else {
        const w = await getFinisher();
        await writeManifest(client, w, dir, `${manifestFileName(id)}.part`, content, started);
        const r = await runWorker(client, w);
        if (r.exitCode !== 0) throw new Error(`renaming the archive and its manifest failed (exit code ${r.exitCode})${r.output.trim() ? `: ${lastLines(r.output)}` : ''}`);
        listing = r.output;
      }
    } catch (e) {
      throw new BackupStepError('verify', `${problem ? `${problem}; ` : ''}the manifest could not be written beside the archive: ${(e as Error).message}`);
    }
    if (problem) throw new BackupStepError('verify', problem);

    const { pruned, left } = await timed('backup.prune', () => prune(ctx, id, parseListing(listing), archived.folder, opts.pruneLater === true));
    await runHooks(ctx, job.hooks.after, 'hooks after');
    return { archive: summary, pruned, restarted: stopped, ms: performance.now() - t0, ...(left.length ? { left } : {}) };
  } finally {
    // A finisher asked for (an engine read) may still be in the making.
    await making?.catch(() => undefined);
    await timed('backup.remove-workers', async () => {
      for (const w of [worker, finisher]) if (w) await removeWorker(client, w).catch(() => undefined);
    });
  }
}

/**
 * Delete `names` in the job's folder here, in order (a manifest before its archive: killed in
 * between, an archive without a manifest is unverified, which the next prune deletes), and the
 * files a deletion after an earlier run left (prunedName). With `later`, each is renamed aside
 * instead (hidden: the listing no longer shows it), and the folder is returned when it holds such
 * files, for the caller to have them deleted (deletePrunedLater). A file already gone is no
 * failure (`rm -f`).
 */
async function pruneHere(folder: string, names: string[], later: boolean): Promise<string[]> {
  const gone = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  };
  const leftBefore = (await readdir(folder)).filter((f) => unprunedName(f) !== null);
  const manifestsFirst = [...names].sort((a, b) => Number(b.endsWith('.manifest.jsonl')) - Number(a.endsWith('.manifest.jsonl')));
  let aside = 0;
  for (const n of manifestsFirst) {
    if (later) await rename(path.join(folder, n), path.join(folder, prunedName(n))).then(() => aside++, gone);
    else await unlink(path.join(folder, n)).catch(gone);
  }
  if (later) return aside || leftBefore.length ? [folder] : [];
  for (const f of leftBefore) await unlink(path.join(folder, f)).catch(gone);
  return [];
}

/**
 * Put the manifest beside the archive. Not with copyUIDGID: the engine would look the worker's
 * user up in the image's /etc/passwd, which a minimal image does not have; root owns it.
 */
async function writeManifest(client: EngineClient, w: Worker, dir: string, name: string, content: Buffer, mtime: Date): Promise<void> {
  const tar = await smallTar([{ header: { name, mode: 0o644, uid: 0, gid: 0, mtime }, content }]);
  await client.request('PUT', `/containers/${w.id}/archive`, { query: { path: dir }, headers: { 'content-type': 'application/x-tar' }, stream: Readable.from([tar]) });
}

/**
 * Remove what the retention lets go, now that `justVerified` exists. Returns the ids removed. With
 * `folder` (the job's folder on this machine, where this run finished its archive), removed there
 * (with `later`, renamed aside for the caller to delete: `left`), together with what a deletion
 * after an earlier run left there (killed: prunedName files); else by a worker.
 */
async function prune(ctx: Ctx, justVerified: string, listed: ListedArchive[], folder: string | null, later: boolean): Promise<{ pruned: string[]; left: string[] }> {
  try {
    const refs = listed.map((a) => ({ id: a.id, time: a.time, verified: a.summary?.status === 'verified' }));
    const decision = decideRetention(refs, ctx.job.keep, ctx.job.schedule.timezone, justVerified);
    const gone = new Set(decision.prune.map((a) => a.id));
    // Only what a run writes: an archive, its manifest, a leftover .part — never another file that happens to share the id.
    const names = listed.filter((a) => gone.has(a.id)).flatMap((a) => a.files.filter((f) => isRunFile(a.id, f.name)).map((f) => f.name));
    // The .part files of runs that did not finish (killed: this run holds the stack's lock, no other runs).
    const unfinished = listed.filter((a) => a.id !== justVerified && !gone.has(a.id) && !a.summary).flatMap((a) => a.files.filter((f) => f.name.endsWith('.part') && isRunFile(a.id, f.name)));
    if (unfinished.length) ctx.log(`prune: ${unfinished.map((f) => f.name).join(', ')} (left by a run that did not finish)`);
    names.push(...unfinished.map((f) => f.name));
    const files = names.map((n) => `${jobDir(ctx.stack, ctx.job)}/${n}`);
    if (!files.length && folder) return { pruned: [], left: await pruneHere(folder, [], later) };
    if (files.length) {
      if (gone.size) ctx.log(`prune: ${[...gone].join(', ')}`);
      if (folder) return { pruned: [...gone], left: await pruneHere(folder, names, later) };
      await runCommand(ctx.client, {
        image: ctx.job.image, name: workerName(ctx.stack, ctx.job.name, 'prune'), mounts: [targetMount(ctx.stack, ctx.job, false)],
        cmd: ['rm', '-f', '--', ...files], labels: { [BACKUP_LABEL]: `${ctx.stack}/${ctx.job.name}` },
      }, 'removing old archives');
    }
    return { pruned: [...gone], left: [] };
  } catch (e) {
    throw e instanceof BackupStepError ? e : new BackupStepError('prune', (e as Error).message);
  }
}
