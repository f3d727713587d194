/**
 * What interrupted commands left on the engine for a stack: records of operations begun outside a
 * plan (model/intent.ts) and backup workers whose command is gone. Whether their process may still
 * be at work is judged here, on the host moor runs on (its pid, the stack's lock), so the planner
 * stays pure: a record or worker of a live command is reported `alive` and never cleaned.
 */
import os from 'node:os';
import type { EngineClient } from '../engine/client.js';
import type { ContainerSummary, VolumeSummary } from '../engine/api-types.js';
import { stackLockState } from '../lock/stack-lock.js';
import { BACKUP_LABEL, HELPER_LABEL, LABEL } from '../model/labels.js';
import { helperOwnerAlive, ownerAlive, ownerOf, pidAlive, readIntent, type Intent } from '../model/intent.js';

export interface ObservedIntent {
  /** The record volume. */
  volume: string;
  intent: Intent;
  /** Its command may still be running: leave it be. */
  alive: boolean;
}

export interface LeftoverHelper {
  id: string;
  name: string;
  state: string;
  /** Who made it, when its labels say. */
  owner: { pid: number; host: string } | null;
  /** `moor.backup` label: `<stack>/<job>`. */
  job: string;
}

export interface ObservedInterrupted {
  intents: ObservedIntent[];
  /** Backup workers of this stack whose command is gone. */
  helpers: LeftoverHelper[];
}

export interface Here {
  host: string;
  pidAlive: (pid: number) => boolean;
  /** Who holds the stack's lock; asked only when there is a record to judge. */
  lock: () => 'mine' | 'held' | 'free';
  /**
   * When the engine is not on this host the lock lives on the engine: its holder (null: free),
   * read before judging. Undefined for a local engine.
   */
  lockHolder?: { pid: number; host: string } | null | 'unknown';
}

export function hereFor(stack: string, engine: string): Here {
  let known: ReturnType<Here['lock']> | undefined;
  // A lock file moor cannot open: taken as held, so a record whose pid lives is left alone.
  const probe = (): ReturnType<Here['lock']> => {
    try {
      return stackLockState(stack, engine);
    } catch {
      return 'held';
    }
  };
  return { host: os.hostname(), pidAlive, lock: () => (known ??= probe()) };
}

/** Pure: the records among a stack's volumes, and the dead ones among its helpers. */
export function classifyInterrupted(stack: string, volumes: Pick<VolumeSummary, 'Name' | 'Labels'>[], helpers: Pick<ContainerSummary, 'Id' | 'Names' | 'State' | 'Labels'>[], here: Here): ObservedInterrupted {
  const intents: ObservedIntent[] = [];
  for (const v of volumes) {
    if (v.Labels?.[LABEL.stack] !== stack) continue;
    const intent = readIntent(v.Labels);
    if (intent) intents.push({ volume: v.Name, intent, alive: ownerAlive(intent, { ...here, lock: here.lockHolder === undefined ? here.lock() : 'held' }) });
  }
  const dead: LeftoverHelper[] = [];
  for (const c of helpers) {
    const job = c.Labels?.[BACKUP_LABEL] ?? '';
    if (c.Labels?.[HELPER_LABEL] !== '1' || !job.startsWith(`${stack}/`)) continue;
    const owner = ownerOf(c.Labels);
    // A worker of an older moor names no maker: left when it still runs, removed once it stopped.
    const alive = owner ? helperOwnerAlive(owner, here) : c.State === 'running';
    if (!alive) dead.push({ id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, ''), state: c.State, owner, job });
  }
  intents.sort((a, b) => a.intent.since.localeCompare(b.intent.since) || a.volume.localeCompare(b.volume));
  dead.sort((a, b) => a.name.localeCompare(b.name));
  return { intents, helpers: dead };
}

/**
 * observe's part: from the lists it already made (the stack's volumes, the containers named after
 * the stack — backup workers are `<stack>-<job>.moor-backup-…`), no engine call of its own.
 */
export async function interruptedOf(client: EngineClient, stack: string, volumes: Pick<VolumeSummary, 'Name' | 'Labels'>[], byName: Pick<ContainerSummary, 'Id' | 'Names' | 'State' | 'Labels'>[]): Promise<ObservedInterrupted> {
  // A test double of the client may have no endpoint: the lock is then judged free.
  const here = hereFor(stack, client.endpoint?.display ?? '');
  if (volumes.some((v) => v.Labels?.[LABEL.stack] === stack && readIntent(v.Labels))) await withEngineLockHolder(client, stack, here);
  return classifyInterrupted(stack, volumes, byName, here);
}

/** For an engine elsewhere, who holds the stack's lock on it: one read, made only when a record must be judged. */
async function withEngineLockHolder(client: EngineClient, stack: string, here: Here): Promise<void> {
  if (!client.endpoint || client.endpoint.socketPath) return;
  const { engineLockHolder } = await import('../lock/engine-lock.js');
  here.lockHolder = await engineLockHolder(client, stack);
}

/** Read the stack's records and backup workers from the engine (for the backup commands). */
export async function observeInterrupted(client: EngineClient, stack: string): Promise<ObservedInterrupted> {
  const [vols, helpers] = await Promise.all([
    client.request<{ Volumes: VolumeSummary[] | null }>('GET', '/volumes', { query: { filters: JSON.stringify({ label: [`${LABEL.stack}=${stack}`] }) } }).then((r) => r.Volumes ?? []),
    client.request<ContainerSummary[]>('GET', '/containers/json', { query: { all: 1, filters: JSON.stringify({ label: [`${HELPER_LABEL}=1`, BACKUP_LABEL], name: [`${stack}-`] }) } }),
  ]);
  const here = hereFor(stack, client.endpoint.display);
  await withEngineLockHolder(client, stack, here);
  return classifyInterrupted(stack, vols, helpers, here);
}
