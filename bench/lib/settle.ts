/**
 * Start every timed command on a quiet machine: the engine keeps working after a tear-down
 * returns (shims exit, mounts and network namespaces go away), and on 2 cores that work would be
 * billed to whichever tool runs next. Wait until the CPUs are mostly idle over a short window,
 * or give up after a while and say so: a busy machine is noise the results should mention.
 */
import { readFile } from 'node:fs/promises';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Clock ticks per second of /proc/stat (USER_HZ: 100 on every Linux this runs on). */
const USER_HZ = 100;

/** All CPUs' busy time (not idle, not iowait) in ms since boot; NaN where /proc/stat is not available. */
export async function busyCpuMs(): Promise<number> {
  const t = await cpuTimes();
  return t ? ((t.total - t.idle) * 1000) / USER_HZ : NaN;
}

async function cpuTimes(): Promise<{ idle: number; total: number } | undefined> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
    return { idle, total: fields.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

export interface SettleResult {
  ms: number;
  /** Idle share of the last window, 0..1 (NaN where /proc/stat is not available). */
  idle: number;
  quiet: boolean;
}

export async function settle({ idle = 0.85, windowMs = 250, minMs = 250, maxMs = 5000 } = {}): Promise<SettleResult> {
  const start = performance.now();
  let before = await cpuTimes();
  if (!before) {
    await sleep(minMs);
    return { ms: performance.now() - start, idle: NaN, quiet: true };
  }
  let share = 0;
  for (;;) {
    await sleep(windowMs);
    const after = (await cpuTimes())!;
    share = (after.idle - before.idle) / Math.max(1, after.total - before.total);
    before = after;
    const ms = performance.now() - start;
    if ((share >= idle && ms >= minMs) || ms >= maxMs) return { ms, idle: share, quiet: share >= idle };
  }
}
