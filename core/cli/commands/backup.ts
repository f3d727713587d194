/**
 * `moor backup run|list|verify|restore|daemon <stack.ts> …` — the jobs as applied on the engine.
 *   run <stack.ts> <job>                          archive now, verify, prune (exit 1 naming the failed step)
 *   list <stack.ts> [job] [--json]                archives with time, size, files, verification status
 *   verify <stack.ts> <job> [archive] [--json]    re-read an archive (default: the newest) against its manifest
 *   restore <stack.ts> <job> [--at A] [--to V] [--yes]
 *   daemon <stack.ts>                             run the jobs on their schedules until SIGTERM/SIGINT
 */
import { parseArgs } from 'node:util';
import { runDaemon } from '../../backup/daemon.js';
import { jobOf, readJobs } from '../../backup/jobs.js';
import { listArchives } from '../../backup/list.js';
import { planRestore, runRestore, verifyArchive } from '../../backup/restore.js';
import { BackupStepError, runBackup } from '../../backup/run.js';
import { recoverStack } from '../../backup/intents.js';
import { deletePrunedLater, deleteOldDataLater } from '../../backup/old-data.js';
import type { EngineClient } from '../../engine/client.js';
import type { BackupSpec, DesiredStack } from '../../model/spec.js';
import { archiveJson, archiveTable, restorePlanText, runLine } from '../../render/backup.js';
import { DEFAULT_LOCK_TIMEOUT, INPUT_FLAGS, stackInputs } from '../args.js';
import type { Confirm } from '../confirm.js';
import { EXIT, RefusedError, UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { loadOrFail, newClient, takeLock } from '../session.js';
import { engineLine } from '../../render/engine-line.js';
import { durationToNanos } from '../../model/units.js';

const OPTIONS = {
  json: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  at: { type: 'string' },
  to: { type: 'string' },
  'lock-timeout': { type: 'string' },
  context: { type: 'string' },
  env: { type: 'string' },
  var: { type: 'string', multiple: true },
  'env-file': { type: 'string', multiple: true },
} as const;

const ALLOWED: Record<string, { flags: string[]; args: [number, number]; usage: string }> = {
  run: { flags: ['lock-timeout'], args: [2, 2], usage: 'moor backup run <stack.ts> <job>' },
  list: { flags: ['json'], args: [1, 2], usage: 'moor backup list <stack.ts> [job] [--json]' },
  verify: { flags: ['json'], args: [2, 3], usage: 'moor backup verify <stack.ts> <job> [archive] [--json]' },
  restore: { flags: ['yes', 'at', 'to', 'lock-timeout'], args: [2, 2], usage: 'moor backup restore <stack.ts> <job> [--at <archive>] [--to <volume>] [--yes]' },
  daemon: { flags: ['lock-timeout'], args: [1, 1], usage: 'moor backup daemon <stack.ts>' },
};

function lockMs(v: string | undefined): number {
  const value = v ?? DEFAULT_LOCK_TIMEOUT;
  if (!/^(\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(value)) throw new UsageError('--lock-timeout takes a duration like 0s, 30s or 2m');
  return durationToNanos(value) / 1e6;
}

export async function backupCommand(argv: string[], io: Output, confirm: Confirm): Promise<number> {
  const [sub, ...rest] = argv;
  const spec = sub ? ALLOWED[sub] : undefined;
  if (!spec) throw new UsageError(`moor backup takes one of: ${Object.keys(ALLOWED).join(', ')} (e.g. moor backup run stacks/demo.ts nightly)`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  for (const k of Object.keys(values)) if (!spec.flags.includes(k) && k !== 'context' && !(INPUT_FLAGS as readonly string[]).includes(k)) throw new UsageError(`moor backup ${sub} does not take --${k}`);
  if (positionals.length < spec.args[0] || positionals.length > spec.args[1]) throw new UsageError(`usage: ${spec.usage}`);
  const [file, jobName, archive] = positionals as [string, string | undefined, string | undefined];

  const stack = await loadOrFail(file, io, stackInputs(values));
  const client = newClient(undefined, values.context || undefined);
  try {
    // Which engine, first (on stderr: stdout stays the command's own output, JSON included).
    if (sub !== 'daemon') io.err(engineLine(await client.engineInfo(), client.endpoint.display, io.style));
    const jobs = await readJobs(client, stack.name);
    const pick = (name: string) => {
      const { job, warning } = jobOf(jobs, stack, name);
      if (warning) io.err(`${io.style.warn('warning')}: ${warning}`);
      return job;
    };
    switch (sub) {
      case 'run': {
        const job = pick(jobName!);
        return await runLocked(client, stack, job, io, lockMs(values['lock-timeout']), 'backup run').then((line) => {
          io.out(line);
          return EXIT.ok;
        });
      }
      case 'list': {
        const selected = jobName ? [pick(jobName)] : [...jobs.values()].sort((a, b) => a.name.localeCompare(b.name));
        const listed = await Promise.all(selected.map(async (j) => ({ job: j.name, archives: await listArchives(client, stack.name, j) })));
        if (values.json) io.out(JSON.stringify(listed.flatMap((l) => l.archives.map((a) => archiveJson(l.job, a))), null, 2));
        else io.out(listed.length ? listed.map((l) => archiveTable(l.job, l.archives)).join('\n\n') : `stack ${stack.name} has no backup jobs on the engine`);
        return EXIT.ok;
      }
      case 'verify': {
        const job = pick(jobName!);
        const r = await verifyArchive(client, stack.name, job, archive);
        if (values.json) io.out(JSON.stringify({ job: job.name, archive: r.archive.id, ok: r.problems.length === 0, problems: r.problems }, null, 2));
        else io.out(r.problems.length ? `${job.name}: archive ${r.archive.id} FAILED verification:\n  ${r.problems.join('\n  ')}` : `${job.name}: archive ${r.archive.id} verified: it matches its manifest`);
        return r.problems.length ? EXIT.error : EXIT.ok;
      }
      case 'restore': {
        const job = pick(jobName!);
        const lock = await takeLock(client, stack.name, { timeoutMs: lockMs(values['lock-timeout']), command: `backup restore ${job.name}` }, io);
        try {
          await recoverStack(client, stack.name, (l) => io.err(l));
          const plan = await planRestore(client, stack.name, job, { at: values.at, to: values.to });
          io.out(restorePlanText(job.name, plan));
          if (!values.yes && !(await confirm('Restore, replacing the contents of these volumes?'))) throw new RefusedError('restore cancelled; nothing was changed');
          // The old data put aside beside `_data` is deleted by a process that holds the stack's
          // lock until it is gone: the command ends once the containers run on the restored data.
          const socket = client.endpoint.socketPath;
          const handOff = !!(lock?.handOff && socket);
          const left = await runRestore(client, stack.name, job, plan, (l) => io.err(l), { oldData: handOff ? 'leave' : 'delete' });
          io.out(`Restored ${plan.archive.id} into ${plan.into.map((i) => i.engineVolume).join(', ')}: every entry written matched the archive's manifest.`);
          if (left && handOff) {
            try {
              const pid = await deleteOldDataLater(client, stack.name, left, lock!, socket!, `backup restore ${job.name}: deleting the replaced data`);
              io.err(`deleting the replaced data in the background (pid ${pid}), holding the stack's lock until it is gone: ${left.dirs.join(', ')}`);
            } catch (e) {
              io.err(`the replaced data (${left.dirs.join(', ')}) was not deleted: ${(e as Error).message}; the next moor backup command or apply on the stack deletes it`);
            }
          }
          return EXIT.ok;
        } finally {
          await lock?.release();
        }
      }
      case 'daemon': {
        const abort = new AbortController();
        const stop = (signal: string) => {
          io.err(`${new Date().toISOString()} ${signal}: stopping after the running job, if any`);
          abort.abort();
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
        await runDaemon({
          client, stack: stack.name, signal: abort.signal,
          log: (l) => io.out(`${new Date().toISOString()} ${l}`),
          run: (job) => runLocked(client, stack, job, io, lockMs(values['lock-timeout']), 'backup daemon', true),
        });
        return EXIT.ok;
      }
    }
    return EXIT.error;
  } finally {
    client.close();
  }
}

/** One run under the stack's lock (an apply must not replace the containers a backup stopped). */
async function runLocked(client: EngineClient, stack: DesiredStack, job: BackupSpec, io: Output, timeoutMs: number, command: string, quiet = false): Promise<string> {
  const lock = await takeLock(client, stack.name, { timeoutMs, command: `${command} ${job.name}` }, io);
  try {
    // What a killed backup or restore left (containers stopped, workers, staged data) is finished first.
    await recoverStack(client, stack.name, (l) => io.err(`${job.name}: ${l}`));
    // The pruned archives, when pruned here, are deleted by a process that holds the stack's lock
    // until they are gone: the command ends once the new archive is verified and named (the
    // daemon, which stays, deletes them itself).
    const later = !quiet && !!lock?.handOff;
    const r = await runBackup(client, stack.name, job, { log: quiet ? undefined : (l) => io.err(`${job.name}: ${l}`), pruneLater: later });
    if (r.left?.length) {
      try {
        const pid = deletePrunedLater(r.left, lock!, `${command} ${job.name}: deleting the pruned archives`);
        io.err(`${job.name}: deleting the pruned files in the background (pid ${pid}), holding the stack's lock until they are gone`);
      } catch (e) {
        io.err(`${job.name}: the pruned files were not handed on (${(e as Error).message}); the next run of the job deletes them`);
      }
    }
    return runLine(job.name, r);
  } catch (e) {
    if (e instanceof BackupStepError) throw new RefusedError(`backup ${job.name} failed at ${e.message}`);
    throw e;
  } finally {
    await lock?.release();
  }
}
