/**
 * The apply lock: one `moor apply` or `moor destroy` at a time per stack and engine, across the
 * processes and users of a host.
 *
 * It is flock(2) on a file (Node has no flock; native/libc.ts reaches it through ffi-rs). The kernel
 * drops the lock when its holder dies, however it dies, so a crashed or killed apply never leaves
 * a stale lock behind. The holder writes who it is into the file; a waiter reads that (reading
 * needs no lock) only to name the holder in its messages; the record never decides anything.
 *
 * The file is never unlinked: a process that opened the old file would lock an inode nobody else
 * opens any more, and two applies would run at once.
 *
 * flock locks belong to the open file description, so two acquisitions in one process conflict
 * like two processes do; libuv opens files close-on-exec, so child processes do not inherit them.
 */
import { MoorError } from '../errors.js';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants as fsConstants,
  fchmodSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { flock, LOCK_EX, LOCK_NB, LOCK_UN, NativeCallError } from '../../native/libc.js';

/** Who holds a lock, as the holder wrote it into the lock file. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  command: string;
  stack: string;
  engine: string;
}

export interface StackLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Unlocks (closes the file, or removes the engine's lock object); calling it again does nothing. */
  release(): void | Promise<void>;
  /**
   * flock only: passes the lock on to a process `start` starts, given the lock file's descriptor to
   * inherit (it returns the process's pid). The holder record then names that process and
   * `command`; this process closes its descriptor without unlocking, so the lock is held until
   * the other process ends, however it ends. The lock counts as released here. Throws, still
   * holding the lock, when `start` throws.
   */
  handOff?(start: (fd: number) => number, command: string): number;
}

export interface AcquireOptions {
  stack: string;
  /** The engine's endpoint, e.g. unix:///var/run/docker.sock. Spell one engine one way: the lock is per string. */
  engine: string;
  /** How long to wait for another holder; 0 tries once, Infinity waits for ever. */
  timeoutMs: number;
  /** The command taking the lock, named to waiters: 'apply', 'destroy'. */
  command: string;
  /** Called once, when the lock is held by someone else and we start waiting (not when timeoutMs is 0). */
  onWait?: (holder: LockHolder | undefined) => void;
}

/** The lock stayed held by someone else for the whole timeout. */
export class LockTimeoutError extends MoorError {
  constructor(
    readonly stackName: string,
    readonly engine: string,
    readonly holder: LockHolder | undefined,
    readonly timeoutMs: number,
  ) {
    const by = holder ? `moor ${holder.command} (pid ${holder.pid} on host ${holder.host}, since ${holder.since})` : 'another moor process';
    const waited = timeoutMs === 0 ? 'gave up at once' : `gave up after ${formatSeconds(timeoutMs)}`;
    super(`stack "${stackName}" on ${engine} is locked by ${by}; ${waited}. Wait for it to finish, or pass --lock-timeout to wait longer.`);
    this.name = 'LockTimeoutError';
  }
}

/** This process as a lock's holder, as both locks (flock here, the engine's) record it. */
export function holderHere(opts: Pick<AcquireOptions, 'command' | 'stack' | 'engine'>): LockHolder {
  return {
    pid: process.pid,
    host: os.hostname(),
    since: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    command: opts.command,
    stack: opts.stack,
    engine: opts.engine,
  };
}

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 250;
const SAFE_STACK = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** Takes the stack's apply lock, polling (the event loop stays free) until it is ours or timeoutMs has passed. */
export async function acquireStackLock(opts: AcquireOptions): Promise<StackLock> {
  if (!SAFE_STACK.test(opts.stack)) throw new TypeError(`cannot lock stack ${JSON.stringify(opts.stack)}: not a valid stack name`);
  if (!(opts.timeoutMs >= 0)) throw new RangeError(`lock timeout must be 0 or more milliseconds, not ${opts.timeoutMs}`);
  const file = path.join(lockDirectory(), lockFileName(opts.stack, opts.engine));
  const fd = openLockFile(file);
  let holder: LockHolder;
  try {
    const deadline = Date.now() + opts.timeoutMs;
    let delay = FIRST_DELAY_MS;
    let told = false;
    while (!tryLock(fd)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new LockTimeoutError(opts.stack, opts.engine, readHolder(fd), opts.timeoutMs);
      if (!told) {
        told = true;
        opts.onWait?.(readHolder(fd));
      }
      await sleep(Math.min(delay, left));
      delay = Math.min(Math.round(delay * 1.5), MAX_DELAY_MS);
    }
    holder = holderHere(opts);
    writeHolder(fd, holder);
    heldHere.add(file);
  } catch (e) {
    closeSync(fd); // also drops the lock if we had it
    throw e;
  }
  let released = false;
  return {
    path: file,
    holder,
    handOff(start, command) {
      if (released) throw new Error('the lock was released already');
      const pid = start(fd);
      released = true;
      heldHere.delete(file);
      try {
        writeHolder(fd, { ...holder, pid, command, since: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') });
      } finally {
        closeSync(fd);
      }
      return pid;
    },
    release() {
      if (released) return;
      released = true;
      heldHere.delete(file);
      // Emptied first, so a waiter never names a holder that is gone.
      try {
        ftruncateSync(fd, 0);
      } finally {
        try {
          flock(fd, LOCK_UN);
        } finally {
          closeSync(fd);
        }
      }
    },
  };
}

/** Lock files this process holds. */
const heldHere = new Set<string>();

/**
 * Who holds a stack's lock: this process ('mine'), another one ('held'), nobody ('free'). Probes
 * with a non-blocking flock that it drops at once; reads only, never waits.
 */
export function stackLockState(stack: string, engine: string): 'mine' | 'held' | 'free' {
  if (!SAFE_STACK.test(stack)) return 'free';
  const file = path.join(lockDirectory(), lockFileName(stack, engine));
  if (heldHere.has(file)) return 'mine';
  const fd = openLockFile(file);
  try {
    if (!tryLock(fd)) return 'held';
    flock(fd, LOCK_UN);
    return 'free';
  } finally {
    closeSync(fd);
  }
}

/** $MOOR_LOCK_DIR, or <tmpdir>/moor-locks; created when missing, sticky and writable by every user of the host. */
function lockDirectory(): string {
  const dir = process.env.MOOR_LOCK_DIR || path.join(os.tmpdir(), 'moor-locks');
  // The mode given to mkdir passes through the umask, hence the chmod; only the creator does it.
  if (mkdirSync(dir, { recursive: true, mode: 0o1777 }) !== undefined) chmodSync(dir, 0o1777);
  return dir;
}

/** `<stack>-<first 12 hex of sha256(engine)>.lock`: one lock per stack and engine. */
function lockFileName(stack: string, engine: string): string {
  return `${stack}-${createHash('sha256').update(engine).digest('hex').slice(0, 12)}.lock`;
}

/**
 * Opens the lock file read-write, creating it (mode 0666, for every user of the host) if missing.
 * An existing file is opened without O_CREAT: in a sticky shared directory Linux refuses O_CREAT on
 * another user's file (fs.protected_regular). O_NOFOLLOW: a symlink planted there is refused.
 */
function openLockFile(file: string): number {
  const { O_RDWR, O_CREAT, O_EXCL, O_NOFOLLOW } = fsConstants;
  for (;;) {
    let fd: number;
    try {
      fd = openSync(file, O_RDWR | O_NOFOLLOW);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotOpen(file, e);
      try {
        fd = openSync(file, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0o666);
        fchmodSync(fd, 0o666); // past the umask
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') continue; // another process created it first
        throw cannotOpen(file, e2);
      }
    }
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw new Error(`the apply lock file ${file} is not a regular file; remove it, or set MOOR_LOCK_DIR to another directory`);
    }
    return fd;
  }
}

function cannotOpen(file: string, e: unknown): Error {
  return new Error(
    `cannot open the apply lock file ${file}: ${(e as Error).message}. ` +
      'Set MOOR_LOCK_DIR to a directory every user of moor on this host can write to.',
  );
}

/** true when the lock is now ours, false when someone else holds it. */
function tryLock(fd: number): boolean {
  try {
    flock(fd, LOCK_EX | LOCK_NB);
    return true;
  } catch (e) {
    if (e instanceof NativeCallError && (e.code === 'EAGAIN' || e.code === 'EWOULDBLOCK' || e.code === 'EINTR')) return false;
    throw e;
  }
}

function writeHolder(fd: number, holder: LockHolder): void {
  ftruncateSync(fd, 0);
  writeSync(fd, `${JSON.stringify(holder)}\n`, 0);
}

/** The holder record, or undefined when the file is empty (released, or not written yet) or not a record. */
function readHolder(fd: number): LockHolder | undefined {
  const buf = Buffer.alloc(4096);
  const n = readSync(fd, buf, 0, buf.length, 0);
  let raw: unknown;
  try {
    raw = JSON.parse(buf.subarray(0, n).toString('utf8'));
  } catch {
    return undefined; // empty, half-written or foreign: the message then says "another moor process"
  }
  const r = raw as Partial<Record<keyof LockHolder, unknown>>;
  if (typeof r !== 'object' || r === null || !Number.isInteger(r.pid)) return undefined;
  const text = (v: unknown) => (typeof v === 'string' ? printable(v) : undefined);
  const [host, since, command, stack, engine] = [text(r.host), text(r.since), text(r.command), text(r.stack), text(r.engine)];
  if (host === undefined || since === undefined || command === undefined || stack === undefined || engine === undefined) return undefined;
  return { pid: r.pid as number, host, since, command, stack, engine };
}

/** Any user of the host can write the file: keep its text from steering the terminal. */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 200);
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}
