/**
 * Run a command as a whole process and time it from spawn to exit (startup included), the same
 * way for moor, docker-compose and the raw floor. The child running now is remembered so an
 * interrupt can stop it before cleanup.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface TimedRun {
  ms: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(readonly command: string, readonly run: TimedRun) {
    const tail = (run.stderr || run.stdout).trim().split('\n').slice(-15).join('\n');
    super(`\`${command}\` exited with ${run.signal ?? run.code}:\n${tail}`);
    this.name = 'CommandError';
  }
}

let current: ChildProcess | undefined;

/** The running child, if any, for an interrupt handler to stop. */
export function currentChild(): ChildProcess | undefined {
  return current;
}

export function timed(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => {
      current = undefined;
      reject(e);
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - start;
      current = undefined;
      resolve({ ms, code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** timed(), but a non-zero exit is an error carrying the command's output. */
export async function timedOk(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<TimedRun> {
  const run = await timed(cmd, args, opts);
  if (run.code !== 0) throw new CommandError([cmd, ...args].join(' '), run);
  return run;
}
