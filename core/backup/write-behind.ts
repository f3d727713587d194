/**
 * Writing an archive through to its disk while tar makes it, and keeping it out of the page cache
 * behind moor's reads (a backup whose engine is local: moor reads the growing file here, see
 * local-archive.ts).
 *
 * Without it, a 1 GiB archive stays in memory as 1 GiB of dirty pages until the kernel's flusher
 * gets to it (30 s later) or the finishing fsync writes it all at once, and then as 1 GiB of cache
 * nobody reads again, pushing out pages the host's services use. Here, as the readers move on:
 * - what every reader has read is queued for write-back at once (sync_file_range, no wait);
 * - what lies `window` bytes and more behind them, written back by then, is dropped from the cache
 *   (posix_fadvise DONTNEED skips pages still dirty or under write-back; the range is offered again
 *   at the next ticks, so a page written back late still goes);
 * - at the end: fsync (the archive is durable before it is named and older ones are pruned), then
 *   all of it dropped.
 * The hints run on the main thread (ffi-rs cannot run in a worker thread), from a timer: each is
 * a call that returns at once. When libc cannot be reached or the file system refuses a hint, the
 * hints stop; the fsync does not.
 *
 * Measured on this project's machines (2 cores, a VM whose fresh memory pages cost the host a
 * fault each): `tar -cf` of 1.5 GiB writing a new file beside the previous archive took 1.7–4.2 s
 * with the archive left in the cache, 1.0–1.3 s with it written behind and dropped (and 0.03–0.08 s
 * of fsync at the end instead of 1.1 s; BENCHMARKS.md).
 */
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { fadvise, POSIX_FADV_DONTNEED, SYNC_FILE_RANGE_WRITE, syncFileRange } from '../../native/libc.js';

/** How far behind the slowest reader pages are dropped (their write-back, queued at once, is done by then). */
export const WINDOW = 32 * 2 ** 20;
const TICK_MS = 20;

export interface WriteBehindOptions {
  window?: number;
  tickMs?: number;
  /** The hints, replaceable in tests; by default libc's. */
  hints?: { writeBack(fd: number, offset: number, len: number): void; drop(fd: number, offset: number, len: number): void };
}

const libcHints = {
  writeBack: (fd: number, offset: number, len: number) => syncFileRange(fd, offset, len, SYNC_FILE_RANGE_WRITE),
  drop: (fd: number, offset: number, len: number) => fadvise(fd, offset, len, POSIX_FADV_DONTNEED),
};

export class WriteBehind {
  private fd: number | null = null;
  private queued = 0;
  private dropped = 0;
  private hinting = true;
  private readonly timer: NodeJS.Timeout;
  private readonly window: number;
  private readonly hints: NonNullable<WriteBehindOptions['hints']>;

  /**
   * `file`: the archive being written (opened when it appears); `readers`: how far each of its
   * readers has read it (bytes).
   */
  constructor(
    private readonly file: string,
    private readonly readers: ReadonlyArray<() => number>,
    opts: WriteBehindOptions = {},
  ) {
    this.window = opts.window ?? WINDOW;
    this.hints = opts.hints ?? libcHints;
    this.timer = setInterval(() => this.tick(), opts.tickMs ?? TICK_MS);
    this.timer.unref();
  }

  /** How far every reader has read. */
  private readAll(): number {
    return this.readers.reduce((lo, at) => Math.min(lo, at()), Infinity);
  }

  /** Open the file once it exists (never through a symlink, a regular file only). */
  private opened(): number | null {
    if (this.fd !== null) return this.fd;
    try {
      const fd = openSync(this.file, constants.O_RDONLY | constants.O_NOFOLLOW);
      if (fstatSync(fd).isFile()) return (this.fd = fd);
      closeSync(fd);
    } catch {
      // not there yet
    }
    return null;
  }

  /** Queue what was read for write-back; drop what is a window behind. */
  tick(): void {
    if (!this.hinting) return;
    const fd = this.opened();
    if (fd === null) return;
    const lo = this.readAll();
    if (!Number.isFinite(lo)) return;
    try {
      if (lo > this.queued) {
        this.hints.writeBack(fd, this.queued, lo - this.queued);
        this.queued = lo;
      }
      const end = lo - this.window;
      if (end > this.dropped) {
        // Offered again from a few windows back: a page dirty or under write-back at the last tick stayed.
        const from = Math.max(0, this.dropped - 4 * this.window);
        this.hints.drop(fd, from, end - from);
        this.dropped = end;
      }
    } catch {
      this.hinting = false;
    }
  }

  /** Stop hinting; the file stays as it is (a failed run). */
  stop(): void {
    clearInterval(this.timer);
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /**
   * The writer and the readers are done: fsync the file (throws when the disk does not take it),
   * then drop all of it from the cache.
   */
  async finish(): Promise<void> {
    clearInterval(this.timer);
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    const fh = await open(this.file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      await fh.sync();
      if (this.hinting) {
        try {
          this.hints.drop(fh.fd, 0, 0);
        } catch {
          // a hint
        }
      }
    } finally {
      await fh.close();
    }
  }
}
