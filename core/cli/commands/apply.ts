/** `moor apply <stack.ts> [--yes] [--concurrency N] [--allow-data-loss] [--wait-timeout D] [--refresh]` */
import { parseCommandArgs } from '../args.js';
import type { Confirm } from '../confirm.js';
import { executeSession } from '../execute.js';
import type { Output } from '../output.js';
import { planSession } from '../session.js';

export async function applyCommand(argv: string[], io: Output, confirm: Confirm): Promise<number> {
  const flags = parseCommandArgs('apply', argv);
  const session = await planSession(flags.stackFile, io, { mode: 'apply', refresh: flags.refresh, concurrency: flags.concurrency });
  return executeSession(session, flags, io, confirm, 'Apply');
}
