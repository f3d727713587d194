/** Where a job's archives live, as mounts of a worker and paths inside it. */
import { archiveDir } from '../model/backup.js';
import { engineName } from '../model/names.js';
import type { BackupSpec } from '../model/spec.js';
import type { WorkerMount } from './worker.js';

export const TARGET = '/moor/target';
export const SOURCE = '/moor/src';
export const RESTORE = '/moor/restore';
/** Where a worker mounts a volume of moor's own that it writes a probe into (see localPaths in run.ts, proveThroughWorker). */
export const PROBE = '/moor/probe';

export function targetMount(stack: string, job: BackupSpec, readOnly: boolean): WorkerMount {
  return job.target.type === 'volume'
    ? { type: 'volume', source: engineName(stack, job.target.volume), target: TARGET, readOnly }
    : { type: 'bind', source: job.target.path, target: TARGET, readOnly };
}

/** The job's directory inside a worker mounting the target. */
export function jobDir(stack: string, job: BackupSpec): string {
  return `${TARGET}/${archiveDir(stack, job.name)}`;
}

/** The target in words: "volume backups" or "host directory /srv/backups", plus the job's folder. */
export function describeTarget(stack: string, job: BackupSpec): string {
  const where = job.target.type === 'volume' ? `volume ${engineName(stack, job.target.volume)}` : `host directory ${job.target.path}`;
  return `${where}, folder ${archiveDir(stack, job.name)}/`;
}
