/**
 * `moor import …` — dispatch: `moor import compose …` writes a stack from compose files (the
 * compose import); `moor import --project NAME` and `moor import container|volume|network …` adopt
 * running objects (import-adopt.ts).
 */
import type { Confirm } from '../confirm.js';
import { UsageError } from '../errors.js';
import type { Output } from '../output.js';

export async function importCommand(argv: string[], io: Output, confirm: Confirm): Promise<number> {
  if (argv[0] === 'compose') throw new UsageError('moor import compose is not part of this build');
  void confirm;
  return (await import('./import-adopt.js')).adoptCommand(argv, io);
}
