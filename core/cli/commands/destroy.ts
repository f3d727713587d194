/** `moor destroy <stack.ts> [--yes] [--volumes] [--target R]… [--concurrency N]` — volumes are kept unless --volumes. */
import { parseCommandArgs } from '../args.js';
import type { Confirm } from '../confirm.js';
import { executeSession } from '../execute.js';
import type { Output } from '../output.js';
import { planSession } from '../session.js';

export async function destroyCommand(argv: string[], io: Output, confirm: Confirm): Promise<number> {
  const flags = parseCommandArgs('destroy', argv);
  const session = await planSession(flags.stackFile, io, {
    mode: 'destroy', destroyVolumes: flags.volumes, refresh: false, concurrency: flags.concurrency,
    targetNames: flags.targets, lock: { timeoutMs: flags.lockTimeoutMs, command: 'destroy' }, context: flags.context, inputs: flags.inputs,
  });
  // --volumes is the explicit request to delete volume data (protect: true still refuses).
  return executeSession(session, { ...flags, allowDataLoss: flags.volumes }, io, confirm, 'Destroy');
}
