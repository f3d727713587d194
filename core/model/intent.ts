/**
 * The record of an operation moor has begun outside a plan — a backup that stops containers, a
 * restore that stages and switches volume data — kept on the engine before the step happens, so
 * that a moor killed in the middle leaves something the next command finds and finishes:
 *
 *   <stack>.moor-intent-<id>   data-less volume; its labels: the stack, the command, who ran it
 *                              (pid, host, since), the step, the containers it stops (in start
 *                              order) and, for a restore, the volumes and the staging name
 *
 * Labels are immutable: moving to the next step means a new record (created first), then the old
 * one removed. A step undone normally removes its record. A record whose process is alive (same
 * host, pid alive, stack lock held) belongs to a running command and is never touched.
 *
 * Helpers (backup workers) carry their maker's pid and host too (OWNER_*), so a worker whose
 * command died is told from one a running command still uses.
 */
import { LABEL, LABEL_FORMAT } from './labels.js';

export const INTENT_KIND = 'intent';
const INTENT_LABEL = 'moor.intent';
export const OWNER_PID = 'moor.owner.pid';
export const OWNER_HOST = 'moor.owner.host';

/** A restore's volumes: where each archived volume goes, and its root's mode and owner once switched. */
export interface IntentVolume {
  /** The volume's name in the archive: its directory under the worker's restore mount. */
  volume: string;
  engineVolume: string;
  /** Octal mode and `uid:gid` of the root, from the archive (switch only). */
  mode?: string;
  owner?: string;
}

export interface Intent {
  /** Random hex, unique per record. */
  id: string;
  /** `backup run nightly`, `backup restore nightly`. */
  command: string;
  /** The backup job it ran. */
  job: string;
  pid: number;
  host: string;
  /** ISO time the command began the step. */
  since: string;
  /**
   * stop: a backup stopped `stopped` and starts them again once archived.
   * stage: a restore extracts into `stage` beside each volume's data, inside the volume or beside
   *   its `_data` (nothing stopped yet).
   * switch: a restore stops `stopped`, replaces each volume's data by its staged copy, starts them.
   */
  step: 'stop' | 'stage' | 'switch';
  /** Engine names of the containers the step stops, in the order they start again. */
  stopped: string[];
  /**
   * Restore only: the image its workers run (the job's), the volumes, the staging directory name;
   * `beside`: staged beside each volume's `_data` (`<volumes dir>/<volume>/<stage>`, extracted by
   * moor on the engine's machine) instead of inside it.
   */
  restore?: { image: string; stage: string; volumes: IntentVolume[]; beside?: boolean };
}

export function intentVolumeName(stack: string, id: string): string {
  return `${stack}.moor-intent-${id}`;
}

export function isIntentVolume(labels: Record<string, string> | null | undefined): boolean {
  return labels?.[LABEL.kind] === INTENT_KIND;
}

export function intentLabels(stack: string, intent: Intent): Record<string, string> {
  return {
    [LABEL.stack]: stack, [LABEL.kind]: INTENT_KIND, [LABEL.name]: intent.id, [LABEL.format]: LABEL_FORMAT,
    [INTENT_LABEL]: JSON.stringify(intent),
  };
}

/** The record a volume holds, or null when it is not one (or not readable). */
export function readIntent(labels: Record<string, string> | null | undefined): Intent | null {
  if (!isIntentVolume(labels) || labels?.[LABEL.format] !== LABEL_FORMAT) return null;
  try {
    const i = JSON.parse(labels[INTENT_LABEL] ?? '') as Intent;
    const ok = typeof i.id === 'string' && typeof i.command === 'string' && Number.isInteger(i.pid) && typeof i.host === 'string' &&
      ['stop', 'stage', 'switch'].includes(i.step) && Array.isArray(i.stopped) && i.stopped.every((s) => typeof s === 'string');
    return ok ? i : null;
  } catch {
    return null;
  }
}

/** Who made a helper, for its labels. */
export function ownerLabels(pid: number, host: string): Record<string, string> {
  return { [OWNER_PID]: String(pid), [OWNER_HOST]: host };
}

export function ownerOf(labels: Record<string, string> | null | undefined): { pid: number; host: string } | null {
  const pid = Number(labels?.[OWNER_PID]);
  const host = labels?.[OWNER_HOST];
  return Number.isInteger(pid) && pid > 0 && host ? { pid, host } : null;
}

/** What the record's command was doing, in words: `moor backup run nightly (pid 123 on host h, since …)`. */
export function describeIntent(i: Pick<Intent, 'command' | 'pid' | 'host' | 'since'>): string {
  return `moor ${i.command} (pid ${i.pid} on host ${i.host}, since ${i.since})`;
}

/**
 * Whether the process that wrote a record (or made a helper) may still be at work. Every command
 * that writes records holds the stack's lock.
 * - The engine is on this host (the lock is a flock here): only a process on this host can be
 *   checked; it is alive when its pid is and the lock is held by someone else. A record from
 *   another host counts as dead: moor's lock is per host, so one stack is run from one host.
 * - The engine is elsewhere (the lock lives on the engine, `lockHolder` is what it says, null when
 *   nobody holds it): alive when the lock's holder is the record's writer (and, on this host, its
 *   pid lives) — wherever it runs; a lock held by a holder moor cannot read counts as the writer's.
 */
export function ownerAlive(
  owner: { pid: number; host: string },
  here: { host: string; pidAlive: (pid: number) => boolean; lock: 'mine' | 'held' | 'free'; lockHolder?: { pid: number; host: string } | null | 'unknown' },
): boolean {
  if (here.lockHolder !== undefined) {
    const h = here.lockHolder;
    // Held by someone moor cannot name: leave the record to it.
    if (h === 'unknown') return true;
    if (!h || h.host !== owner.host || h.pid !== owner.pid) return false;
    return owner.host !== here.host || (owner.pid !== process.pid && here.pidAlive(owner.pid));
  }
  if (owner.host !== here.host || here.lock !== 'held') return false;
  return here.pidAlive(owner.pid);
}

/**
 * Whether a helper's maker may still use it. Helpers are also made by commands that take no lock
 * (backup list, verify): alive when its maker's pid is, on this host. One made on another host is
 * left to that host.
 */
export function helperOwnerAlive(owner: { pid: number; host: string }, here: { host: string; pidAlive: (pid: number) => boolean }): boolean {
  return owner.host !== here.host || here.pidAlive(owner.pid);
}

/** `kill(pid, 0)`: the process exists (EPERM: it exists, someone else's). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
