/**
 * Verifying and restoring archives.
 *
 * verify: read the archive back from the target and compare it with the manifest beside it (the
 * archive's size and sha256, every entry). restore: the manifest's entries pass the safety check
 * first (no absolute paths, no `..`, no link leaving its volume, nothing outside the job's
 * volumes); then the archive streams from the target through moor — every header checked again
 * before its entry is written, every file hashed — into the engine's extractor (PUT archive of a
 * worker that is never started), beside the current data (a staging directory per volume); only when all of it matches the manifest are
 * the containers using the volumes stopped, the old content replaced by the staged one, and the
 * containers started again (also when the switch failed).
 */
import { MoorError } from '../errors.js';
import path from 'node:path';
import { backupRecordName } from '../model/backup.js';
import { localReadsPossible, provenVolumeDir, readFileUnder } from '../volume-data/local.js';
import { timed } from '../volume-data/phases.js';
import { extractLocalArchive, proveThroughWorker } from './local-archive.js';
import { discardBeside, removeOldData, switchBeside, syncStaged, type BesideVolume } from './switch.js';
import { randomBytes } from 'node:crypto';
import { getArchive, tarEntries } from '../volume-data/archive.js';
import { compareManifests, formatMode, type ManifestEntry } from '../volume-data/manifest.js';
import { drained, type Sink } from '../volume-data/tee.js';
import { openRequest, readBody } from '../volume-data/stream.js';
import type { EngineClient } from '../engine/client.js';
import { engineName, replicaIndex } from '../model/names.js';
import { LABEL, readSpec } from '../model/labels.js';
import type { ContainerSpec } from '../model/spec.js';
import { topoSort } from '../graph.js';
import { containerDependencies } from '../model/spec.js';
import type { BackupSpec } from '../model/spec.js';
import { parseManifest, type ArchiveManifest, type ArchiveSummary } from './archive-file.js';
import { restoreCheck } from './archive-safety.js';
import { jobFolderHere, listArchives, type ListedArchive } from './list.js';
import { readArchive, type ReadArchive } from './read-archive.js';
import { localArchiveFile, readLocalArchive } from './local-archive.js';
import { plainLocalVolume, type LocalVolume } from '../volume-data/local.js';
import { archiveDir } from '../model/backup.js';
import { directoryHeader, type ScanHeader } from './tar-scan.js';
import { jobDir, PROBE, RESTORE, targetMount } from './target.js';
import { canonical } from './tree.js';
import { recordIntent, removeIntent, type IntentHandle } from './intents.js';
import { DISCARD_STAGE_SCRIPT, SWITCH_SCRIPT } from './switch.js';
import { BACKUP_LABEL, lastLines, runCommand, startAttached, withWorker, workerName, type Worker, type WorkerMount } from './worker.js';

export class RestoreError extends MoorError {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreError';
  }
}

/** Pick an archive: `at` (an id, or a file name of it), else the newest verified one. */
export function pickArchive(listed: ListedArchive[], at: string | undefined, job: string): ListedArchive {
  if (at) {
    const id = at.replace(/\.(manifest\.jsonl|tar\.gz|tar)$/, '');
    const found = listed.find((a) => a.id === id);
    if (!found) throw new RestoreError(`job ${job} has no archive ${at} (moor backup list shows them)`);
    return found;
  }
  const newest = listed.find((a) => a.summary?.status === 'verified');
  if (!newest) throw new RestoreError(`job ${job} has no verified archive yet`);
  return newest;
}

async function readManifestFile(client: EngineClient, w: Worker, path: string): Promise<ArchiveManifest> {
  const res = await getArchive(client, w.id, path);
  try {
    for await (const entry of tarEntries(res)) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(Buffer.from(c as Uint8Array));
      const m = parseManifest(Buffer.concat(chunks).toString('utf8'));
      if (!m) throw new RestoreError(`${path} is not a moor backup manifest`);
      return m;
    }
  } finally {
    res.destroy();
  }
  throw new RestoreError(`${path} is missing`);
}

/**
 * The manifest read on this machine from the target's proven volume directory (list.ts,
 * jobFolderHere: a volume of the engine's volumes directory proven local); null when it is not
 * read that way (the worker reads it through the engine then).
 */
async function manifestHere(client: EngineClient, stack: string, job: BackupSpec, id: string): Promise<ArchiveManifest | null> {
  const at = await jobFolderHere(client, stack, job).catch(() => null);
  const raw = at && (await readFileUnder(at.root, `${at.folder}/${id}.manifest.jsonl`));
  if (!raw) return null;
  const m = parseManifest(raw.toString('utf8'));
  if (!m) throw new RestoreError(`${jobDir(stack, job)}/${id}.manifest.jsonl is not a moor backup manifest`);
  return m;
}

export interface Verified {
  archive: ListedArchive;
  manifest: ArchiveManifest;
}

/** Differences between an archive on the target and its manifest; empty when it is intact. */
async function checkArchive(client: EngineClient, stack: string, job: BackupSpec, w: Worker, a: ListedArchive): Promise<{ manifest: ArchiveManifest; problems: string[] }> {
  if (!a.summary) throw new RestoreError(`archive ${a.id} has no manifest (its run did not finish): moor cannot verify it`);
  const manifest = await readManifestFile(client, w, `${jobDir(stack, job)}/${a.id}.manifest.jsonl`);
  const s = manifest.summary;
  const back = await readArchive(client, w.id, `${jobDir(stack, job)}/${s.archive}`, s.compression);
  const problems: string[] = [];
  if (back.bytes !== s.archiveBytes) problems.push(`size ${back.bytes} bytes, the manifest says ${s.archiveBytes}`);
  problems.push(...digestProblems(s, back));
  problems.push(...compareManifests(canonical(manifest.entries), canonical(back.entries)));
  return { manifest, problems };
}

function readerSpec(stack: string, job: BackupSpec, verb: string, extra: WorkerMount[] = []) {
  return {
    image: job.image, name: workerName(stack, job.name, verb), labels: { [BACKUP_LABEL]: `${stack}/${job.name}` },
    mounts: [targetMount(stack, job, true), ...extra], cmd: ['true'],
  };
}

/**
 * The target's root directory as this machine would see it when the engine is local: a plain
 * local volume's Mountpoint, or the host directory (see localArchiveFile for what is then checked).
 */
async function targetRoot(client: EngineClient, stack: string, job: BackupSpec): Promise<string | null> {
  if (job.target.type === 'hostPath') return job.target.path;
  return (await plainLocalVolume(client, engineName(stack, job.target.volume)).catch(() => null))?.dir ?? null;
}

/** `moor backup verify`: re-read an archive (default: the newest) against its manifest. */
export async function verifyArchive(client: EngineClient, stack: string, job: BackupSpec, at?: string): Promise<{ archive: ListedArchive; problems: string[] }> {
  const listed = await listArchives(client, stack, job);
  const archive = at ? pickArchive(listed, at, job.name) : listed.find((a) => a.summary) ?? pickArchive(listed, undefined, job.name);
  return withWorker(client, readerSpec(stack, job, 'verify'), async (w) => {
    try {
      const { problems } = await checkArchive(client, stack, job, w, archive);
      if (archive.summary?.status === 'failed') problems.unshift(`its run marked it failed: ${archive.summary.reason ?? 'no reason given'}`);
      return { archive, problems };
    } catch (e) {
      return { archive, problems: [(e as Error).message] };
    }
  });
}

export interface RestorePlan {
  archive: ListedArchive;
  /** Archived volume → engine volume it is restored into. */
  into: { volume: string; engineVolume: string }[];
  /** Running containers using those volumes, stopped during the restore (engine names). */
  stop: string[];
}

/** What a restore would do: which archive, into which volumes, stopping which containers. Reads only. */
export async function planRestore(client: EngineClient, stack: string, job: BackupSpec, opts: { at?: string; to?: string }): Promise<RestorePlan> {
  const archive = pickArchive(await listArchives(client, stack, job), opts.at, job.name);
  const volumes = archive.summary?.volumes ?? job.volumes;
  if (opts.to && volumes.length !== 1) throw new RestoreError(`--to restores a one-volume archive; ${archive.id} holds ${volumes.join(', ')}`);
  const into = volumes.map((v) => ({ volume: v, engineVolume: engineName(stack, opts.to ?? v) }));
  const users = await client.request<{ Names: string[]; State: string; Labels: Record<string, string> | null }[]>('GET', '/containers/json', {
    query: { all: 1, filters: JSON.stringify({ volume: into.map((i) => i.engineVolume) }) },
  });
  for (const i of into) {
    let v: { Labels: Record<string, string> | null };
    try {
      v = await client.request('GET', `/volumes/${encodeURIComponent(i.engineVolume)}`);
    } catch {
      throw new RestoreError(`volume ${i.engineVolume} does not exist (moor apply creates the stack's volumes)`);
    }
    // A restore empties the volume: only one of this stack's own volumes, never someone else's.
    if (v.Labels?.[LABEL.stack] !== stack || v.Labels?.[LABEL.kind] !== 'volume') {
      throw new RestoreError(`volume ${i.engineVolume} is not a volume of stack ${stack}; moor restores only into the stack's own volumes`);
    }
  }
  return { archive, into, stop: startOrder(stack, users.filter((u) => u.State === 'running')) };
}

/**
 * Running users in start order: what a container of the stack depends on (its labels say) starts
 * before it; others by name. Stopped in the reverse order.
 */
function startOrder(stack: string, users: { Names: string[]; Labels: Record<string, string> | null }[]): string[] {
  const names = users.map((u) => (u.Names[0] ?? '').replace(/^\//, '')).sort();
  const deps = new Map(users.map((u) => {
    const spec = readSpec<ContainerSpec>(u.Labels, 'container');
    const name = (u.Names[0] ?? '').replace(/^\//, '');
    return [name, spec && u.Labels?.[LABEL.stack] === stack ? containerDependencies(spec).flatMap((d) => names.filter((n) => replicaIndex(stack, d, n) !== null)) : []];
  }));
  return topoSort(names.map((id) => ({ id, dependsOn: deps.get(id) ?? [] }))).map((n) => n.id);
}

const TAR_TYPES: Record<ManifestEntry['type'], string | undefined> = { file: 'file', directory: 'directory', symlink: 'symlink', hardlink: 'link', other: undefined };

/** The manifest's entries through the same check, before anything is stopped or written. */
export function checkManifest(manifest: ArchiveManifest, volumes: string[]): string | null {
  const check = restoreCheck(volumes);
  for (const e of canonical(manifest.entries).entries) {
    const type = TAR_TYPES[e.type];
    // FIFOs and devices are one type in a manifest: the archive's own header decides, as it streams.
    if (!type) continue;
    const refusal = check.check({ name: e.path, type, linkname: e.linkname ?? null });
    if (refusal) return refusal;
  }
  return null;
}

/** `v/a/b` → `v/<stage>/a/b`: where an entry of volume v is extracted before the switch. */
export function staged(name: string, stage: string): string {
  const parts = name.split('/').filter((c) => c !== '' && c !== '.');
  return [parts[0], stage, ...parts.slice(1)].join('/');
}

/**
 * Stream the archive from the target through moor's checks into the engine's extractor (PUT
 * archive of the worker, never started): the archive's own bytes, every entry renamed into its
 * volume's staging directory and its header checked before it is written; the archive's size and
 * sha256 and every entry compared with the manifest. Returns why the result cannot be switched
 * in, or null.
 *
 * The entries go under the worker's root directory with their full path there
 * (`moor/restore/<volume>/<stage>/…`): the engine's extractor re-applies a hard link's mode by
 * looking its target up from the root (see linkTopAtRoot in volume-data/archive.ts), and it
 * refuses a symlink whose target climbs out of the extraction directory, which a volume may hold.
 * Owners are the archive's: no copyUIDGID (with it, the engine would give every entry the worker's
 * user, 0:0). The volume's root entry is left out: its mode and
 * owner are given to the volume at the switch; each staging directory is made first, 0700.
 */
async function extractStaged(client: EngineClient, w: Worker, into: Worker, path: string, local: string | null, manifest: ArchiveManifest, volumes: string[], stage: string): Promise<{ problem: string | null; roots: Map<string, ManifestEntry> }> {
  const s = manifest.summary;
  const under = RESTORE.replace(/^\/+/, '');
  const upload = await openRequest(client, 'PUT', `/containers/${encodeURIComponent(into.id)}/archive`, { path: '/', noOverwriteDirNonDir: 1 }, { 'content-type': 'application/x-tar' });
  let failure: Error | undefined;
  // A wait for the engine to take more ends early when the extraction fails.
  const wakers = new Set<() => void>();
  const stop = (e: Error) => {
    failure ??= e;
    for (const wake of wakers) wake();
  };
  let given = false;
  const answered = upload.response.then(readBody).then(
    () => { if (!given) stop(new Error('the engine ended the extraction before it had the whole archive')); },
    (e: Error) => { stop(new Error(`the engine's extraction failed: ${e.message}`)); },
  );
  const rewrite = (h: ScanHeader) => {
    if (failure) throw failure;
    const parts = h.name.split('/').filter((c) => c !== '' && c !== '.');
    if (parts.length === 1) return null;
    return { name: `${under}/${staged(h.name, stage)}`, linkname: h.type === 'link' ? `${under}/${staged(h.linkname ?? '', stage)}` : h.type === 'symlink' ? h.linkname : null };
  };
  const body = upload.body as unknown as Sink;
  let read: ReadArchive | undefined;
  try {
    if (!body.write(Buffer.concat(volumes.map((v) => directoryHeader(`${under}/${v}/${stage}/`, 0o700))))) await drained(body, wakers);
    const opts = { safety: restoreCheck(volumes), forward: { rewrite, sink: body, wakers } };
    read = await (local ? readLocalArchive(local, s.compression, opts) : readArchive(client, w.id, path, s.compression, opts));
    if (failure) throw failure;
    // Only a whole archive ends the upload: the engine then finishes its last entries and answers.
    given = true;
    body.end();
    await answered;
  } catch (e) {
    stop(e as Error);
    upload.abort();
  }
  const roots = rootsOf(read);
  if (failure || !read) return { problem: `extracting failed: ${(failure ?? new Error('the archive was not read')).message}`, roots };
  return { problem: mismatch(manifest, read), roots };
}

/** Why the archive as read is not the one its manifest describes (size, sha256, every entry), or null. */
function mismatch(manifest: ArchiveManifest, read: ReadArchive): string | null {
  const s = manifest.summary;
  const problems: string[] = [];
  if (read.bytes !== s.archiveBytes) problems.push(`size ${read.bytes} bytes, the manifest says ${s.archiveBytes}`);
  problems.push(...digestProblems(s, read));
  problems.push(...compareManifests(canonical(manifest.entries), canonical(read.entries)));
  return problems.length ? `archive ${s.id} does not match its manifest: ${problems.join('; ')}` : null;
}

/**
 * The archive's digests as read against its manifest's: the file's sha256 and the tree digest,
 * each one the manifest holds (a manifest of an uncompressed archive read back on the engine's
 * machine holds only the tree digest; an older one, only the sha256). Both cover every byte of
 * the archive. A manifest with neither is no proof of anything.
 */
export function digestProblems(s: ArchiveSummary, read: ReadArchive): string[] {
  const problems: string[] = [];
  if (!s.archiveSha256 && !s.archiveTreeSha256) problems.push('the manifest holds no digest of the archive');
  if (s.archiveSha256 && read.sha256 !== s.archiveSha256) problems.push('sha256 of the archive differs from the manifest');
  if (s.archiveTreeSha256 && read.treeSha256 !== s.archiveTreeSha256) problems.push('tree digest of the archive differs from the manifest');
  return problems;
}

/** Each volume's root directory entry in the archive as read (its mode and owner go to the volume at the switch). */
function rootsOf(read: ReadArchive | undefined): Map<string, ManifestEntry> {
  const roots = new Map<string, ManifestEntry>();
  for (const e of read?.entries ?? []) if (!e.path.includes('/') && e.type === 'directory') roots.set(e.path, e);
  return roots;
}

/**
 * Each volume's directories when the archive is extracted here (local-extract.ts) instead of by
 * the engine: the archive is read here (`file`), the engine's volumes directory is proven local
 * (proveThroughWorker: the reading worker mounts the job's record volume, `record`), every volume is a plain local one in it, and
 * the manifest holds only entries written here exactly (files, directories, links: no FIFO or
 * device, `other`). Null otherwise (MOOR_LOCAL_VOLUMES=0 too): the engine's extractor does it.
 * Decided before anything is written.
 */
async function besideVolumes(client: EngineClient, w: Worker, record: LocalVolume | null, plan: RestorePlan, manifest: ArchiveManifest, file: string | null): Promise<Map<string, BesideVolume> | null> {
  if (!file || !record || manifest.entries.some((e) => e.type === 'other')) return null;
  if (!(await proveThroughWorker(client, w, PROBE, record))) return null;
  const out = new Map<string, BesideVolume>();
  for (const i of plan.into) {
    const data = await provenVolumeDir(client, i.engineVolume).catch(() => null);
    if (!data) return null;
    out.set(i.volume, { data, beside: path.dirname(data) });
  }
  return out;
}

/** Extract the archive file here beside each volume's data; why it cannot be switched in (or null), and the volumes' roots. */
async function extractBeside(file: string, manifest: ArchiveManifest, beside: Map<string, BesideVolume>, stage: string): Promise<{ problem: string | null; roots: Map<string, ManifestEntry> }> {
  const stages = Object.fromEntries([...beside].map(([v, d]) => [v, path.join(d.beside, stage)]));
  try {
    // The file's sha256 is read only when the manifest holds one to compare with.
    const read = await extractLocalArchive({ file, compression: manifest.summary.compression, volumes: [...beside.keys()], stages, sha256: !!manifest.summary.archiveSha256 });
    return { problem: mismatch(manifest, read), roots: rootsOf(read) };
  } catch (e) {
    return { problem: `extracting failed: ${(e as Error).message}`, roots: new Map() };
  }
}

/**
 * Restore an archive into the volumes of `plan`. Nothing is stopped or written before the
 * manifest's entries pass the safety check; the archive is then extracted beside the current
 * data, in a staging directory of each volume, from a stream moor checks entry by entry (an entry
 * is written only after its header passed) and compares with the manifest. Only when all of it
 * is in place and equal are the containers stopped, each volume's old content replaced by the
 * staged one (renames), and the containers started again. Any failure before the switch removes
 * the staging directories: the volumes keep their data.
 *
 * Where it is extracted: by moor itself when the engine is local (besideVolumes), into
 * `<volumes dir>/<volume>/<stage>`, beside the volume's `_data` and outside every container; the
 * switch is then done here too (switchBeside), the old data put beside `_data` and deleted once
 * the containers run again (here, or by the caller: RestoreOptions.oldData). Otherwise by the
 * engine's extractor into `<stage>/` inside each volume, and switched by a worker (SWITCH_SCRIPT).
 *
 * Each stage is recorded on the engine before it begins (model/intent.ts): `stage` before the
 * extraction (a killed restore's staged data is discarded by the next command), `switch` before
 * the first container stops (the next command finishes the switch, which can be resumed from any
 * point — see switch.ts — and starts the containers again).
 */
export interface RestoreOptions {
  /**
   * The old data a switch beside `_data` put aside: deleted before runRestore returns (`delete`,
   * the default), or left with the restore's record for the caller to delete (`leave`: runRestore
   * returns where it is; the CLI deletes it in a process that holds the stack's lock meanwhile).
   */
  oldData?: 'delete' | 'leave';
}

/** The old data a restore left for its caller (RestoreOptions.oldData): its directories, and the restore's record, to remove once they are gone. */
export interface OldData {
  dirs: string[];
  intent: IntentHandle;
}

export async function runRestore(client: EngineClient, stack: string, job: BackupSpec, plan: RestorePlan, log: (line: string) => void = () => undefined, opts: RestoreOptions = {}): Promise<OldData | null> {
  const { archive } = plan;
  if (!archive.summary) throw new RestoreError(`archive ${archive.id} has no manifest (its run did not finish): moor cannot restore it`);
  const restoreMounts: WorkerMount[] = plan.into.map((i) => ({ type: 'volume', source: i.engineVolume, target: `${RESTORE}/${i.volume}`, readOnly: false }));
  const volumes = plan.into.map((i) => i.volume);
  const stage = `.moor-restore-${randomBytes(4).toString('hex')}`;
  const env = { VOLUMES: volumes.join(' '), STAGE: stage };
  // Two workers, never started: one mounts the target (the archive is read out of it), the other
  // the volumes (the engine extracts into it). Not one: the engine locks a container while it
  // extracts into it, and the read would wait for the extraction it feeds. The first also mounts
  // the job's record volume when the engine may be local: the proof's probe goes there.
  const recordHere = localReadsPossible(client) ? await plainLocalVolume(client, backupRecordName(stack, job.name)).catch(() => null) : null;
  const spec = readerSpec(stack, job, 'restore', recordHere ? [{ type: 'volume', source: backupRecordName(stack, job.name), target: PROBE, readOnly: false }] : []);
  const extractorSpec = { image: job.image, name: workerName(stack, job.name, 'extract'), labels: { [BACKUP_LABEL]: `${stack}/${job.name}` }, mounts: restoreMounts, cmd: ['true'] };
  const stopped: string[] = [];
  let staging = false;
  let switched = false;
  let restoreFailed = false;
  /** Staged beside `_data` (extracted here): each volume's directories. */
  let beside: Map<string, BesideVolume> | null = null;
  /** The old data's deletion once switched beside `_data` (its error, or null). */
  let removal: Promise<Error | null> | undefined;
  let left: OldData | null = null;
  const record = { command: `backup restore ${job.name}`, job: job.name, stopped: [] as string[] };
  const restoreRecord = { image: job.image, stage, volumes: plan.into.map((i) => ({ volume: i.volume, engineVolume: i.engineVolume })) };
  let intent: IntentHandle | undefined;
  try {
    await withWorker(client, {
      ...spec, env,
    }, async (w) => {
      const manifest = (await manifestHere(client, stack, job, archive.id)) ?? (await readManifestFile(client, w, `${jobDir(stack, job)}/${archive.id}.manifest.jsonl`));
      const refusal = checkManifest(manifest, volumes);
      if (refusal) throw new RestoreError(`${refusal}; nothing was restored`);
      const archivePath = `${jobDir(stack, job)}/${manifest.summary.archive}`;
      const local = await localArchiveFile(client, w, await targetRoot(client, stack, job), archiveDir(stack, job.name), manifest.summary.archive, archivePath);
      beside = await timed('restore.prove-local', () => besideVolumes(client, w, recordHere, plan, manifest, local));
      log(`restore: ${archive.id} → ${plan.into.map((i) => `${i.volume} → ${i.engineVolume}`).join(', ')}, beside the current data${local ? ' (the archive read here' : ''}${beside ? ', extracted here)' : local ? ')' : ''}`);
      intent = await recordIntent(client, stack, { ...record, step: 'stage', restore: { ...restoreRecord, beside: !!beside } });
      staging = true;
      const here = beside;
      const { problem, roots } = await timed('restore.extract', () => (here && local
        ? extractBeside(local, manifest, here, stage)
        : withWorker(client, extractorSpec, (into) => extractStaged(client, w, into, archivePath, local, manifest, volumes, stage))));
      if (problem) throw new RestoreError(`${problem}; the volumes keep their data`);
      // Durable before the switch can make it the data (and before any container is stopped for it).
      if (here) {
        log(`sync: ${volumes.join(', ')} (the restored data written to the disk before the switch)`);
        await timed('restore.sync', () => syncStaged(here.values())).catch((e: Error) => Promise.reject(new RestoreError(`writing the restored data to the disk: ${e.message}; the volumes keep their data`)));
      }
      const args = volumes.flatMap((v) => {
        const r = roots.get(v);
        if (!r) throw new RestoreError(`archive ${archive.id} has no directory for volume ${v}; the volumes keep their data`);
        return [v, formatMode(r.mode), `${r.uid}:${r.gid}`];
      });
      const volumesAt = restoreRecord.volumes.map((v) => ({ ...v, mode: formatMode(roots.get(v.volume)!.mode), owner: `${roots.get(v.volume)!.uid}:${roots.get(v.volume)!.gid}` }));
      intent = await recordIntent(client, stack, { ...record, step: 'switch', stopped: plan.stop, restore: { ...restoreRecord, volumes: volumesAt, beside: !!here } }, intent);
      for (const c of [...plan.stop].reverse()) {
        log(`stop: ${c}`);
        await client.request('POST', `/containers/${encodeURIComponent(c)}/stop`, { okStatuses: [304] });
        stopped.unshift(c);
      }
      log(`switch: ${volumes.join(', ')}`);
      switched = true;
      try {
        if (here) {
          await timed('restore.switch', async () => {
            for (const v of volumes) await switchBeside(here.get(v)!, stage, roots.get(v)!.mode, roots.get(v)!.uid, roots.get(v)!.gid);
          });
          // The old data, beside `_data` now, is deleted while the containers start again (killed
          // before it is gone, the switch record has the next command finish the switch, deleting it),
          // or left to the caller.
          if (opts.oldData !== 'leave') removal = timed('restore.remove-old', () => Promise.all(volumes.map((v) => removeOldData(here.get(v)!, stage)))).then(() => null, (e: Error) => e);
        } else await runCommand(client, { ...readerSpec(stack, job, 'switch', restoreMounts), env, cmd: ['sh', '-c', SWITCH_SCRIPT, 'sh', ...args] }, 'switching the volumes to the restored data');
      } catch (e) {
        const where = here ? volumes.map((v) => path.join(here.get(v)!.beside, `${stage}{,.new,.old}`)).join(', ') : `${stage}/ inside them`;
        throw new RestoreError(`${(e as Error).message}; the volumes may hold part of the old data and part of the restored data, which is in ${where}`);
      }
    });
  } catch (e) {
    restoreFailed = true;
    if (staging && !switched) {
      const here = beside as Map<string, BesideVolume> | null;
      const discard = here
        ? Promise.all(volumes.map((v) => discardBeside(here.get(v)!, stage)))
        : runCommand(client, { ...readerSpec(stack, job, 'cleanup', restoreMounts), env, cmd: ['sh', '-c', DISCARD_STAGE_SCRIPT] }, 'removing the staging directories');
      const where = here ? volumes.map((v) => path.join(here.get(v)!.beside, stage)).join(', ') : `${stage}/ in ${volumes.join(', ')}`;
      const discarded = await discard.then(() => true, (c: Error) => (log(`could not remove the staging directories (${where}): ${c.message}`), false));
      // Left on the engine when the staging directories are still there: the next command removes them.
      if (discarded && intent) await removeIntent(client, intent.volume).catch(() => undefined);
    } else if (switched && intent) {
      // The switch itself failed: the containers start again below, as they did before; the message says where the data is.
      await removeIntent(client, intent.volume).catch(() => undefined);
    }
    throw e;
  } finally {
    const failed: string[] = [];
    for (const c of stopped) {
      log(`start: ${c}`);
      await client.request('POST', `/containers/${encodeURIComponent(c)}/start`, { okStatuses: [304] }).catch((e: Error) => failed.push(`${c}: ${e.message}`));
    }
    // Said even when the restore itself failed: a container left stopped must not go unnoticed.
    if (failed.length) log(`could not start again: ${failed.join('; ')}`);
    const notRemoved = await removal;
    if (failed.length && !restoreFailed) throw new RestoreError(`restored, but could not start again: ${failed.join('; ')}`);
    const here = beside as Map<string, BesideVolume> | null;
    if (notRemoved && here && !restoreFailed) {
      throw new RestoreError(`restored, but the old data (${volumes.map((v) => path.join(here.get(v)!.beside, `${stage}.old`)).join(', ')}) could not be deleted: ${notRemoved.message}; the next moor backup command or apply deletes it`);
    }
    // Done and every container running again: the record goes (when one would not start, the next
    // command tries again), or stays until the caller deleted the old data.
    if (!restoreFailed && !failed.length && intent) {
      if (here && opts.oldData === 'leave') left = { dirs: volumes.map((v) => path.join(here.get(v)!.beside, `${stage}.old`)), intent };
      else await removeIntent(client, intent.volume);
    }
  }
  return left;
}
