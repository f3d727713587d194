/** moor's entry point: dispatch, and the single place errors become messages and exit codes. */
import { DiagnosticsError } from '../diagnostics.js';
import { EngineClient } from '../engine/client.js';
import { applyCommand } from './commands/apply.js';
import { destroyCommand } from './commands/destroy.js';
import { backupCommand } from './commands/backup.js';
import { planCommand } from './commands/plan.js';
import { terminalConfirm, type Confirm } from './confirm.js';
import { EXIT, UsageError } from './errors.js';
import { MoorError } from '../errors.js';
import { processOutput, type Output } from './output.js';
import { moorVersion } from './version.js';

const HELP = `moor — declarative Docker stacks in TypeScript

Usage:
  moor plan    <stack.ts> [--detailed-exitcode] [--json] [--refresh=false] [--out plan.json]
                          [--target R]... [--replace R]... [--migrate-volumes] [--skip-checks]
  moor apply   <stack.ts> [--yes] [--concurrency N] [--allow-data-loss] [--migrate-volumes]
                          [--target R]... [--replace R]... [--wait-timeout 120s] [--lock-timeout 60s] [--refresh=false]
                          [--skip-checks]
  moor apply   <plan.json> [--yes] [--allow-data-loss] [--lock-timeout 60s] [--skip-checks]   apply a saved plan exactly
  moor destroy <stack.ts> [--yes] [--volumes] [--target R]... [--concurrency N] [--lock-timeout 60s]
  moor backup run     <stack.ts> <job> [--lock-timeout 60s]       archive now, verify, prune
  moor backup list    <stack.ts> [job] [--json]                   archives, sizes, verification status
  moor backup verify  <stack.ts> <job> [archive] [--json]         re-read an archive against its manifest
  moor backup restore <stack.ts> <job> [--at <archive>] [--to <volume>] [--yes]
  moor backup daemon  <stack.ts>                                  run the jobs on their schedules
  moor version

R is a resource name (web) or id (container.web). apply and destroy hold a per-stack lock;
plan never does. --skip-checks: no plan-time checks of volume providers (NFS server reachable,
SSH host key, host paths), for machines that cannot reach the servers.

Exit codes: 0 success (plan: no changes with --detailed-exitcode), 1 error or refused,
2 plan has changes (--detailed-exitcode), 130 interrupted.
The engine is found through DOCKER_HOST (unix:// or tcp://), else /var/run/docker.sock.`;

export async function main(argv: string[], io?: Output, confirm: Confirm = terminalConfirm): Promise<number> {
  const [command, ...rest] = argv;
  const output = io ?? (await processOutput(rest.includes('--json')));
  try {
    switch (command) {
      case 'plan': return await planCommand(rest, output);
      case 'apply': return await applyCommand(rest, output, confirm);
      case 'destroy': return await destroyCommand(rest, output, confirm);
      case 'backup': return await backupCommand(rest, output, confirm);
      case 'version': case '--version': output.out(`moor ${moorVersion()}`); return EXIT.ok;
      case undefined: case 'help': case '--help': case '-h': output.out(HELP); return EXIT.ok;
      default: throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    return reportError(e, output);
  } finally {
    // For benchmarks and debugging: how many Engine API requests this command made.
    if (process.env.MOOR_COUNT_REQUESTS === '1') process.stderr.write(`moor: ${EngineClient.totalRequests} engine requests\n`);
  }
}

export function reportError(e: unknown, io: Output): number {
  const { style } = io;
  // The diagnostics themselves were printed where they arose.
  if (e instanceof DiagnosticsError) return e.exitCode;
  if (e instanceof UsageError) {
    io.err(`${style.error('error')}: ${e.message}\nRun "moor help" for usage.`);
    return e.exitCode;
  }
  if (e instanceof MoorError) {
    io.err(`${style.error('error')}: ${e.message}`);
    return e.exitCode;
  }
  // Anything else is not the user's fault: say so, with what a bug report needs.
  io.err(
    `${style.error('internal error')}: ${(e as Error)?.message ?? String(e)}\n` +
      `This is a bug in moor ${moorVersion()}, not in your stack. Please report it with the lines below.\n` +
      ((e as Error)?.stack ?? String(e)),
  );
  return EXIT.error;
}
