/**
 * Which stack a day-2 command (ps, logs, exec) is about: a stack file or directory as the first
 * argument (as for plan), nothing (moor.ts / stack.ts here), or `--stack NAME` — the stack as the
 * engine's labels know it, without its file.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DesiredStack } from '../model/spec.js';
import type { StackInputs } from '../stack/environment.js';
import { UsageError } from './errors.js';
import type { Output } from './output.js';
import { findStackFile, STACK_FILE_NAMES } from './stack-file.js';

/**
 * A file or directory argument, as opposed to a resource name (`web`): a name ending in .ts, a
 * path with a `/`, or a directory here that holds a stack file (so a directory that happens to be
 * called like a container, `web/`, does not hide the container).
 */
export function looksLikeStackPath(arg: string): boolean {
  if (/\.(?:m|c)?[tj]s$/.test(arg) || arg.includes('/') || arg === '.' || arg === '..') return true;
  try {
    return statSync(arg).isDirectory() && STACK_FILE_NAMES.some((f) => existsSync(path.join(arg, f)));
  } catch {
    return false;
  }
}

export interface StackTarget {
  /** The stack's name on the engine. */
  name: string;
  /** The loaded stack, when it came from its file. */
  stack?: DesiredStack;
}

/**
 * Split `[stack] rest…`: the first positional is the stack when it looks like a path. With
 * `--stack NAME`, no positional is a stack file.
 */
export function splitStackArg(positionals: string[], stackFlag: string | undefined): { file?: string; rest: string[] } {
  if (stackFlag !== undefined) return { rest: positionals };
  const [first, ...rest] = positionals;
  if (first !== undefined && looksLikeStackPath(first)) return { file: first, rest };
  return { rest: positionals };
}

export async function resolveStackTarget(command: string, file: string | undefined, stackFlag: string | undefined, io: Output, inputs: StackInputs = {}): Promise<StackTarget> {
  if (stackFlag !== undefined) {
    if (file !== undefined) throw new UsageError(`moor ${command} takes a stack file or --stack NAME, not both`);
    return { name: stackFlag };
  }
  const { loadOrFail } = await import('./session.js');
  const stack = await loadOrFail(findStackFile(file, command), io, inputs);
  return { name: stack.name, stack };
}
