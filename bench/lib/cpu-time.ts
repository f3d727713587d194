/**
 * A timed command (harness.run: quiet start, spawn to exit) that also reports the CPU time its
 * process tree used, user and system apart. The command runs under bash's `time` keyword, which
 * reads getrusage(RUSAGE_CHILDREN) after the wait: millisecond resolution (GNU time prints only
 * hundredths of a second, too coarse for a 60 ms process). The wrapper costs one bash start
 * (≈ 2–3 ms of wall time) and is the same for every command, the `node -e 0` baseline included;
 * bash's own CPU is not counted (it is the parent, not a waited-for child).
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { run, type HarnessRun } from './harness.js';

export interface CpuRun extends HarnessRun {
  /** CPU time of the command and every process it waited for, in ms. */
  userMs: number;
  sysMs: number;
}

/**
 * `time` writes its line to the brace group's stderr (the file named by $0); the command's own
 * stderr goes to fd 3, the harness's pipe, untouched. The exit status is the command's.
 */
const SCRIPT = `TIMEFORMAT='%3U %3S'; exec 3>&2; { time "$@" 2>&3; } 2>"$0"`;

let counter = 0;

export async function runWithCpu(label: string, dir: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<CpuRun> {
  const timeFile = path.join(dir, `time-${process.pid}-${counter++}.txt`);
  try {
    const r = await run(label, 'bash', ['-c', SCRIPT, timeFile, cmd, ...args], env);
    return { ...r, ...parseTimes(await readFile(timeFile, 'utf8')) };
  } finally {
    await rm(timeFile, { force: true });
  }
}

/** "0.061 0.012" (seconds with three decimals) → ms; NaN for anything else. */
export function parseTimes(text: string): { userMs: number; sysMs: number } {
  const m = /(\d+\.\d+)\s+(\d+\.\d+)\s*$/.exec(text.trim());
  if (!m) return { userMs: NaN, sysMs: NaN };
  return { userMs: Number(m[1]) * 1000, sysMs: Number(m[2]) * 1000 };
}
