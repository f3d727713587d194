/**
 * `moor completion bash|zsh|fish` — a completion script on stdout.
 * `moor __complete resources [stack.ts | dir]` — hidden: the stack's container names, one a line,
 * for the scripts; prints nothing (exit 0) when there is no stack to read.
 */
import { completionScript, SHELLS, type Shell } from '../completion.js';
import { EXIT, UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { findStackFile } from '../stack-file.js';

export async function completionCommand(argv: string[], io: Output): Promise<number> {
  const [shell, ...extra] = argv;
  if (!shell || !(SHELLS as readonly string[]).includes(shell) || extra.length) {
    throw new UsageError(`moor completion takes one shell: ${SHELLS.join(', ')} (e.g. source <(moor completion bash))`);
  }
  io.out(completionScript(shell as Shell));
  return EXIT.ok;
}

export async function completeCommand(argv: string[], io: Output): Promise<number> {
  const [what, file] = argv;
  if (what !== 'resources') return EXIT.ok;
  // Completion must answer fast: the stack is compiled, not type-checked.
  process.env.MOOR_SKIP_TYPECHECK = '1';
  try {
    const { loadStack } = await import('../../stack/load.js');
    const loaded = await loadStack(findStackFile(file, '__complete'));
    for (const c of loaded.stack?.containers ?? []) io.out(c.name);
  } catch {
    // no stack here: nothing to offer
  }
  return EXIT.ok;
}
