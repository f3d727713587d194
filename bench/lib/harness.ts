/**
 * What every scenario shares: the log, interrupts (a signal stops the running command; the
 * scenario's `finally` then sweeps what it created), and timed commands that start on a quiet
 * machine, counted so the report can say how many did not.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { busyCpuMs, settle } from './settle.js';
import { currentChild, timedOk, type TimedRun } from './timed.js';

export const repo = path.resolve(import.meta.dirname, '..', '..');
export const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
export const secs = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
export const rel = (p: string) => path.relative(repo, p);

// ---------------------------------------------------------------- interrupts

let interrupted: NodeJS.Signals | undefined;

export class Interrupted extends Error {}

/** The signal that interrupted the run, if one did. */
export const interruptedBy = () => interrupted;

export function checkInterrupt(): void {
  if (interrupted) throw new Interrupted(`interrupted by ${interrupted}`);
}

/** On SIGINT, SIGTERM or SIGHUP: stop the running command; the caller's `finally` sweeps. */
export function handleInterrupts(prefix: string): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      log(`${signal} again: still removing what the benchmark created, please wait`);
      return;
    }
    interrupted = signal;
    log(`${signal}: stopping, then removing everything named ${prefix}…`);
    currentChild()?.kill('SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
}

/** Let a child that was told to stop finish dying, so its last request cannot land after the sweep. */
export async function childGone(): Promise<void> {
  const child = currentChild();
  if (child && child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('close', r));
}

// ---------------------------------------------------------------- timed commands

/** Timed commands that started on a machine that would not quiet down (see settle). */
export const quietness = { busyStarts: [] as string[], timedCommands: 0 };

export interface HarnessRun extends TimedRun {
  /**
   * CPU time the whole machine spent while the command ran (every process: the command, the
   * engine, containers, the kernel; other users of the machine too), in ms; NaN without /proc/stat.
   */
  machineCpuMs: number;
}

/** Wait for a quiet machine, then run the command as a whole process and time it. */
export async function run(label: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<HarnessRun> {
  checkInterrupt();
  const quiet = await settle();
  quietness.timedCommands++;
  if (!quiet.quiet) quietness.busyStarts.push(`${label} (CPUs ${Math.round(quiet.idle * 100)}% idle)`);
  checkInterrupt();
  const cpuBefore = await busyCpuMs();
  const r = await timedOk(cmd, args, { cwd: repo, ...(env ? { env } : {}) }).catch((e: Error) => {
    checkInterrupt();
    throw e;
  });
  const machineCpuMs = (await busyCpuMs()) - cpuBefore;
  log(`  ${label}: ${secs(r.ms)}${quiet.quiet ? '' : ` (started on a busy machine: CPUs ${Math.round(quiet.idle * 100)}% idle after ${secs(quiet.ms)})`}`);
  return { ...r, machineCpuMs };
}

/** The report's sentence about quiet starts. */
export function quietnessLine(): string {
  const { busyStarts, timedCommands } = quietness;
  const some = busyStarts.length ? ` (${busyStarts.slice(0, 4).join('; ')}${busyStarts.length > 4 ? '; …' : ''})` : '';
  return `Every timed command started once the CPUs were ≥ 85% idle (waiting up to 5 s); ${busyStarts.length} of ${timedCommands} started on a busy machine${some}.`;
}

// ---------------------------------------------------------------- before anything runs

/** The image context holds busybox and moor runs; false (after saying why) otherwise. */
export async function preflight(imageContext: string): Promise<boolean> {
  if (!existsSync(path.join(imageContext, 'busybox'))) {
    log('bench/image/busybox is missing: run `npm run bench` (scripts/bench.sh copies the static busybox there)');
    return false;
  }
  const version = await timedOk('node', ['bin/moor.js', 'help'], { cwd: repo }).catch((e: Error) => e);
  if (version instanceof Error) {
    log(`moor does not run (is dist/ built? \`npm run build\`): ${version.message}`);
    return false;
  }
  return true;
}

/** Write a run's JSON record and its Markdown table to bench/results/<name>.{json,md}. */
export async function saveResults(name: string, json: unknown, markdown: string): Promise<void> {
  const dir = path.join(repo, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${name}.json`), JSON.stringify(json, null, 2) + '\n');
  await writeFile(path.join(dir, `${name}.md`), markdown);
  log(`results: bench/results/${name}.json (and .md)`);
}

/** A scenario's failure as its exit code: 130 when interrupted, else 1, with what went wrong. */
export function failed(e: unknown): number {
  if (e instanceof Interrupted) log(e.message);
  else log(`failed: ${(e as Error)?.stack ?? String(e)}`);
  return interruptedBy() ? 130 : 1;
}

/** The time a run started, as a file name. */
export const stampOf = (d: Date) => d.toISOString().replace(/[:.]/g, '-');
