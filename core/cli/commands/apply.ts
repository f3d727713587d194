/**
 * `moor apply <stack.ts> [--yes] [--concurrency N] [--allow-data-loss] [--migrate-volumes] [--target R]… [--replace R]…`
 * `moor apply <plan.json>` — a saved plan, exactly as it was made, or not at all when the engine
 * state it depends on changed since.
 */
import { parseCommandArgs } from '../args.js';
import type { Confirm } from '../confirm.js';
import { executeSession } from '../execute.js';
import type { Output } from '../output.js';
import { savedPlanSession } from '../saved-plan.js';
import { planSession } from '../session.js';
import { UsageError } from '../errors.js';
import { isPlanFile } from '../../plan/plan-file.js';

export async function applyCommand(argv: string[], io: Output, confirm: Confirm): Promise<number> {
  const flags = parseCommandArgs('apply', argv);
  const lock = { timeoutMs: flags.lockTimeoutMs, command: 'apply' };
  if (isPlanFile(flags.stackFile)) {
    const given = [flags.targets.length && '--target', flags.replace.length && '--replace', flags.migrateVolumes && '--migrate-volumes', argv.some((a) => a.startsWith('--refresh')) && '--refresh', flags.inputs.vars?.length && '--var'].filter(Boolean);
    if (given.length) throw new UsageError(`${given.join(', ')} cannot change a saved plan; pass them to moor plan --out instead`);
    // --env only checks the plan is of that environment; --env-file gives the secrets, read again.
    return executeSession(await savedPlanSession(flags.stackFile, io, { concurrency: flags.concurrency, lock, skipChecks: flags.skipChecks, context: flags.context, inputs: flags.inputs }), flags, io, confirm, 'Apply');
  }
  const session = await planSession(flags.stackFile, io, {
    mode: 'apply', refresh: flags.refresh, concurrency: flags.concurrency, lock,
    targetNames: flags.targets, replaceNames: flags.replace, migrateVolumes: flags.migrateVolumes, skipChecks: flags.skipChecks, context: flags.context, inputs: flags.inputs,
  });
  return executeSession(session, flags, io, confirm, 'Apply');
}
