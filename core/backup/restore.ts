/**
 * Verifying and restoring archives.
 *
 * verify: read the archive back from the target and compare it with the manifest beside it (the
 * archive's size and sha256, every entry). restore: the same verification first, with every entry
 * checked before anything is written (no absolute paths, no `..`, no link leaving its volume,
 * nothing outside the job's volumes); then the containers using the volumes are stopped, each
 * volume is emptied and the archive extracted into it by a worker, the restored tree is read back
 * and compared with the manifest, and the containers start again (also when something failed).
 */
import { getArchive, tarEntries } from '../apply/volume-data/archive.js';
import { compareManifests, manifestFromTar } from '../apply/volume-data/manifest.js';
import type { EngineClient } from '../engine/client.js';
import { engineName } from '../model/names.js';
import { LABEL, readSpec } from '../model/labels.js';
import type { ContainerSpec } from '../model/spec.js';
import { topoSort } from '../graph.js';
import { containerDependencies } from '../stack/normalize.js';
import type { BackupSpec } from '../model/spec.js';
import { parseManifest, type ArchiveManifest } from './archive-file.js';
import { ArchiveSafety } from './archive-safety.js';
import { listArchives, type ListedArchive } from './list.js';
import { readArchive, type EntryCheck } from './read-archive.js';
import { jobDir, RESTORE, targetMount } from './target.js';
import { canonical, underVolume } from './tree.js';
import { BACKUP_LABEL, lastLines, removeWorker, createWorker, runWorker, withWorker, workerName, type Worker, type WorkerMount } from './worker.js';

export class RestoreError extends Error {
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

export interface Verified {
  archive: ListedArchive;
  manifest: ArchiveManifest;
}

/** Differences between an archive on the target and its manifest; empty when it is intact. */
async function checkArchive(client: EngineClient, stack: string, job: BackupSpec, w: Worker, a: ListedArchive, safety?: EntryCheck): Promise<{ manifest: ArchiveManifest; problems: string[] }> {
  if (!a.summary) throw new RestoreError(`archive ${a.id} has no manifest (its run did not finish): moor cannot verify it`);
  const manifest = await readManifestFile(client, w, `${jobDir(stack, job)}/${a.id}.manifest.jsonl`);
  const s = manifest.summary;
  const back = await readArchive(client, w.id, `${jobDir(stack, job)}/${s.archive}`, s.compression, safety);
  const problems: string[] = [];
  if (back.bytes !== s.archiveBytes) problems.push(`size ${back.bytes} bytes, the manifest says ${s.archiveBytes}`);
  if (back.sha256 !== s.archiveSha256) problems.push('sha256 of the archive differs from the manifest');
  problems.push(...compareManifests(canonical(manifest.entries), canonical(back.entries)));
  return { manifest, problems };
}

function readerSpec(stack: string, job: BackupSpec, verb: string, extra: WorkerMount[] = []) {
  return {
    image: job.image, name: workerName(stack, job.name, verb), labels: { [BACKUP_LABEL]: `${stack}/${job.name}` },
    mounts: [targetMount(stack, job, true), ...extra], cmd: ['true'],
  };
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
    return [name, spec && u.Labels?.[LABEL.stack] === stack ? containerDependencies(spec).map((d) => engineName(stack, d)).filter((d) => names.includes(d)) : []];
  }));
  return topoSort(names.map((id) => ({ id, dependsOn: deps.get(id) ?? [] }))).map((n) => n.id);
}

export async function runRestore(client: EngineClient, stack: string, job: BackupSpec, plan: RestorePlan, log: (line: string) => void = () => undefined): Promise<void> {
  const { archive } = plan;
  const restoreMounts: WorkerMount[] = plan.into.map((i) => ({ type: 'volume', source: i.engineVolume, target: `${RESTORE}/${i.volume}`, readOnly: false }));
  const volumes = plan.into.map((i) => i.volume);
  let w: Worker | undefined;
  const stopped: string[] = [];
  let restoreFailed = false;
  try {
    w = await createWorker(client, {
      ...readerSpec(stack, job, 'restore', restoreMounts),
      cmd: ['sh', '-c', `set -e
for v in $VOLUMES; do rm -rf -- "${RESTORE}/$v"/* "${RESTORE}/$v"/.[!.]* "${RESTORE}/$v"/..?*; done
cd ${RESTORE}
tar -x${archive.summary?.compression === 'none' ? '' : 'z'}f "$ARCHIVE"`],
      env: { VOLUMES: volumes.join(' '), ARCHIVE: `${jobDir(stack, job)}/${archive.summary?.archive ?? ''}` },
    });
    // Nothing is touched before the archive is known intact and safe to extract.
    log(`verify: ${archive.id}`);
    const safety = new ArchiveSafety({ volumes, symlinkTargets: 'any' });
    const checked = await checkArchive(client, stack, job, w, archive, {
      // Nothing but the volumes' directories: a stray top-level file would land in the worker.
      check: (h) => (h.type !== 'directory' && !h.name.replace(/^(\.\/)+/, '').includes('/') && !h.name.startsWith('/') ? `refusing to restore: ${JSON.stringify(h.name)} is not inside a volume of this archive (${volumes.join(', ')})` : safety.check(h)),
    });
    if (checked.problems.length) throw new RestoreError(`archive ${archive.id} does not match its manifest; nothing was restored: ${checked.problems.join('; ')}`);

    for (const c of [...plan.stop].reverse()) {
      log(`stop: ${c}`);
      await client.request('POST', `/containers/${encodeURIComponent(c)}/stop`, { okStatuses: [304] });
      stopped.unshift(c);
    }
    log(`restore: ${plan.into.map((i) => `${i.volume} → ${i.engineVolume}`).join(', ')}`);
    const ran = await runWorker(client, w);
    if (ran.exitCode !== 0) throw new RestoreError(`extracting ${archive.id} failed (exit code ${ran.exitCode}): ${lastLines(ran.output)}`);

    log('verify: reading the restored volumes back');
    const restored = await Promise.all(plan.into.map(async (i) => {
      const res = await getArchive(client, w!.id, `${RESTORE}/${i.volume}`);
      try {
        return underVolume(i.volume, await manifestFromTar(res, i.volume));
      } finally {
        res.destroy();
      }
    }));
    const diff = compareManifests(canonical(checked.manifest.entries), canonical(restored.flat()));
    if (diff.length) throw new RestoreError(`the restored data differs from the archive: ${diff.join('; ')}`);
  } catch (e) {
    restoreFailed = true;
    throw e;
  } finally {
    if (w) await removeWorker(client, w).catch(() => undefined);
    const failed: string[] = [];
    for (const c of stopped) {
      log(`start: ${c}`);
      await client.request('POST', `/containers/${encodeURIComponent(c)}/start`, { okStatuses: [304] }).catch((e: Error) => failed.push(`${c}: ${e.message}`));
    }
    // Said even when the restore itself failed: a container left stopped must not go unnoticed.
    if (failed.length) log(`could not start again: ${failed.join('; ')}`);
    if (failed.length && !restoreFailed) throw new RestoreError(`restored, but could not start again: ${failed.join('; ')}`);
  }
}
