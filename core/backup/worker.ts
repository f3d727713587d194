/**
 * Backup workers: containers of the job's own image (it has sh, tar, gzip…) that mount the
 * volumes and the target. Unlike the migration's helpers (an empty image, never started), a worker
 * runs a command: archiving, extracting, listing, pruning happen inside the engine, next to the
 * data, with the owners and modes the kernel sees. Every worker is labelled moor.helper=1 and
 * moor.backup=<stack>/<job> and with the pid and host of the moor that made it, and removed by
 * the caller (withWorker), whatever happened; a worker whose moor died is removed by the next
 * backup command or apply (observe/intents.ts). An attached worker is removed by the engine when it
 * exits (AutoRemove), and its stdin is attached too: it ends when moor goes away, however moor
 * dies, and the worker's script then stops (see the archive script's watchdog).
 */
import { MoorError } from '../errors.js';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { ownerLabels } from '../model/intent.js';
import { attachContainer, type Attached } from '../engine/attach.js';
import type { EngineClient } from '../engine/client.js';
import { isNotFound } from '../engine/errors.js';
import { HELPER_LABEL } from '../volume-data/helper-image.js';
import { assertVolumeExists, MissingVolumeError } from '../volume-data/helper-container.js';

export interface WorkerMount {
  type: 'volume' | 'bind';
  /** Volume name, or absolute host path. */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface WorkerSpec {
  image: string;
  /** Names the worker after what it does: `<stack>-<job>.moor-backup-<verb>-<6 hex>`. */
  name: string;
  mounts: WorkerMount[];
  cmd: string[];
  env?: Record<string, string>;
  labels: Record<string, string>;
  /**
   * Its streams go to moor instead of a log (startAttached): 'stdout' (what it writes is read as
   * it comes), 'stdin' (moor also writes its input). Without, its output goes to the log, read
   * after it exited (runWorker).
   */
  attach?: 'stdout' | 'stdin';
}

export interface Worker {
  id: string;
  name: string;
  /** The engine removes it when it exits (attached workers). */
  autoRemove: boolean;
}

import { BACKUP_LABEL } from '../model/labels.js';

export { BACKUP_LABEL };

export class WorkerError extends MoorError {
  constructor(message: string, readonly output: string) {
    super(message);
    this.name = 'WorkerError';
  }
}

export async function createWorker(client: EngineClient, spec: WorkerSpec): Promise<Worker> {
  // The engine would create a missing volume on the fly (an empty one, unlabelled): a backup of
  // nothing, or archives in a volume no stack owns. A missing volume is an error instead.
  for (const m of spec.mounts) {
    if (m.type !== 'volume') continue;
    try {
      await assertVolumeExists(client, m.source);
    } catch (e) {
      if (e instanceof MissingVolumeError) throw new WorkerError(`volume ${m.source} does not exist (moor apply creates the stack's volumes)`, '');
      throw e;
    }
  }
  const name = `${spec.name}-${randomBytes(3).toString('hex')}`;
  const created = await client.request<{ Id: string }>('POST', '/containers/create', {
    query: { name },
    body: {
      Image: spec.image,
      Cmd: spec.cmd,
      Entrypoint: [],
      Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
      // Without attach: one plain stream of output, which the logs endpoint returns as written.
      // Attached: stdout and stderr apart and binary-safe (no TTY), and no log keeping a copy.
      Tty: !spec.attach,
      ...(spec.attach === 'stdin' ? { OpenStdin: true, StdinOnce: true, AttachStdin: true } : {}),
      ...(spec.attach ? { AttachStdout: true, AttachStderr: true } : {}),
      User: '0:0',
      WorkingDir: '/',
      Labels: { ...spec.labels, ...ownerLabels(process.pid, os.hostname()), [HELPER_LABEL]: '1' },
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: 'none',
        ...(spec.attach ? { AutoRemove: true } : {}),
        ...(spec.attach ? { LogConfig: { Type: 'none', Config: {} } } : {}),
        Mounts: spec.mounts
          .filter((m) => m.type === 'volume')
          .map((m) => ({ Type: 'volume', Source: m.source, Target: m.target, ReadOnly: m.readOnly, VolumeOptions: { NoCopy: true } })),
        // Binds (not Mounts) for host directories: the engine creates a missing one, on every API version.
        Binds: spec.mounts.filter((m) => m.type === 'bind').map((m) => `${m.source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`),
      },
    },
  });
  return { id: created.Id, name, autoRemove: !!spec.attach };
}

export async function removeWorker(client: EngineClient, w: Worker): Promise<void> {
  try {
    await client.request('DELETE', `/containers/${w.id}`, { query: { force: true } });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Start a created worker and wait for its command; its exit code and output (the last 64 KiB). */
export async function runWorker(client: EngineClient, w: Worker): Promise<{ exitCode: number; output: string }> {
  await client.request('POST', `/containers/${w.id}/start`);
  const waited = await client.request<{ StatusCode: number }>('POST', `/containers/${w.id}/wait`);
  return { exitCode: waited.StatusCode, output: await workerOutput(client, w) };
}

export async function workerOutput(client: EngineClient, w: Worker): Promise<string> {
  const logs = await client.requestRaw('GET', `/containers/${w.id}/logs`, { query: { stdout: 1, stderr: 1 } });
  const text = logs.toString('utf8').replace(/\r\n/g, '\n');
  return text.length > 65536 ? text.slice(-65536) : text;
}

export interface AttachedWorker extends Attached {
  /** Its exit code, once its command exited. */
  exit: Promise<number>;
}

/** Attach to a worker created with `attach`, then start it. */
export async function startAttached(client: EngineClient, w: Worker, stdin: boolean): Promise<AttachedWorker> {
  const attached = await attachContainer(client, w.id, { stdin });
  // Asked before the start: a worker the engine removes when it exits may be gone by the time a
  // later wait arrives ('removed' answers with the exit code once it is gone).
  const exit = client.request<{ StatusCode: number }>('POST', `/containers/${w.id}/wait`, { query: { condition: w.autoRemove ? 'removed' : 'next-exit' } }).then((r) => r.StatusCode);
  exit.catch(() => undefined);
  try {
    await client.request('POST', `/containers/${w.id}/start`);
  } catch (e) {
    attached.close();
    throw e;
  }
  return { ...attached, exit };
}

/** Create a worker, hand it to `fn`, remove it afterwards whatever happened. */
export async function withWorker<T>(client: EngineClient, spec: WorkerSpec, fn: (w: Worker) => Promise<T>): Promise<T> {
  const w = await createWorker(client, spec);
  try {
    return await fn(w);
  } finally {
    await removeWorker(client, w).catch(() => undefined);
  }
}

/** Run a command in a fresh worker; a non-zero exit is a WorkerError carrying the output. */
export async function runCommand(client: EngineClient, spec: WorkerSpec, what: string): Promise<string> {
  return withWorker(client, spec, async (w) => {
    const r = await runWorker(client, w);
    if (r.exitCode !== 0) throw new WorkerError(`${what} failed (exit code ${r.exitCode})${r.output.trim() ? `: ${lastLines(r.output)}` : ''}`, r.output);
    return r.output;
  });
}

export function lastLines(text: string, n = 5): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

export function workerName(stack: string, job: string, verb: string): string {
  return `${stack}-${job}.moor-backup-${verb}`;
}
