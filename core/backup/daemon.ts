/**
 * `moor backup daemon`: runs a stack's jobs on their schedules until SIGTERM/SIGINT. The jobs are
 * read from the engine (and read again every minute, so an apply that changes them is picked up).
 * Due jobs run one at a time; a job is never run twice at once (a tick that comes while it runs is
 * skipped and logged). A failed run is logged and the daemon goes on. On a signal the daemon stops
 * scheduling, lets the running job finish (its containers restarted, its archive verified or
 * marked failed), and exits.
 */
import type { EngineClient } from '../engine/client.js';
import type { BackupSpec } from '../model/spec.js';
import { readJobs } from './jobs.js';
import { nextRun, parseSchedule } from './schedule.js';

export interface DaemonOptions {
  client: EngineClient;
  stack: string;
  /** One line per event (run finished, run failed, job added…). */
  log: (line: string) => void;
  /** Runs one job (the CLI wraps runBackup with the stack's lock); resolves with its summary line. */
  run: (job: BackupSpec) => Promise<string>;
  signal: AbortSignal;
  reloadMs?: number;
  now?: () => Date;
}

interface Scheduled {
  job: BackupSpec;
  next: Date;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

const key = (j: BackupSpec) => JSON.stringify(j);

export async function runDaemon(o: DaemonOptions): Promise<void> {
  const now = o.now ?? (() => new Date());
  const reloadMs = o.reloadMs ?? 60_000;
  const scheduled = new Map<string, Scheduled>();
  let nextReload = 0;

  const reload = async () => {
    let jobs: Map<string, BackupSpec>;
    try {
      jobs = await readJobs(o.client, o.stack);
    } catch (e) {
      o.log(`cannot read the jobs from the engine: ${(e as Error).message}; trying again in ${reloadMs / 1000}s`);
      return;
    }
    for (const name of scheduled.keys()) {
      if (!jobs.has(name)) {
        scheduled.delete(name);
        o.log(`job ${name} is gone from the engine: no longer scheduled`);
      }
    }
    for (const [name, job] of jobs) {
      const had = scheduled.get(name);
      if (had && key(had.job) === key(job)) continue;
      const parsed = parseSchedule(job.schedule.cron, job.schedule.timezone);
      if (!parsed.ok) {
        o.log(`job ${name}: ${parsed.error}; not scheduled`);
        continue;
      }
      const next = nextRun(parsed.schedule, now());
      scheduled.set(name, { job, next });
      o.log(`job ${name}: ${had ? 'changed, ' : ''}next run ${next.toISOString()} (${job.schedule.cron}, ${job.schedule.timezone})`);
    }
  };

  o.log(`daemon for stack ${o.stack} started (pid ${process.pid})`);
  while (!o.signal.aborted) {
    if (now().getTime() >= nextReload) {
      await reload();
      nextReload = now().getTime() + reloadMs;
    }
    const due = [...scheduled.values()].filter((s) => s.next.getTime() <= now().getTime()).sort((a, b) => a.next.getTime() - b.next.getTime());
    for (const s of due) {
      if (o.signal.aborted) break;
      const started = now();
      try {
        o.log(await o.run(s.job));
      } catch (e) {
        o.log((e as Error).message);
      }
      // The next run is the first one after this run ended: ticks missed while it ran are skipped.
      const parsed = parseSchedule(s.job.schedule.cron, s.job.schedule.timezone);
      if (parsed.ok) {
        const missed = nextRun(parsed.schedule, started).getTime() <= now().getTime();
        s.next = nextRun(parsed.schedule, now());
        if (missed) o.log(`${s.job.name}: a scheduled run came while it was running and was skipped`);
      }
    }
    const wake = Math.min(nextReload, ...[...scheduled.values()].map((s) => s.next.getTime()));
    await sleep(wake - now().getTime(), o.signal);
  }
  o.log(`daemon for stack ${o.stack} stopped`);
}
