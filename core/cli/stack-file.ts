/**
 * Which stack file a command is about: the one given, or — with no argument, or a directory —
 * `moor.ts`, else `stack.ts`, in that directory (the current one by default).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.js';

export const STACK_FILE_NAMES = ['moor.ts', 'stack.ts'] as const;

export function findStackFile(arg: string | undefined, command: string): string {
  const dir = arg ?? '.';
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // a file that does not exist: loading it says so, naming it
    if (arg !== undefined) return arg;
  }
  if (!isDir) return dir;
  for (const name of STACK_FILE_NAMES) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  const where = arg === undefined ? 'the current directory' : dir;
  throw new UsageError(`no stack file in ${where}: name one (moor ${command} path/to/stack.ts) or call it ${STACK_FILE_NAMES.join(' or ')}`);
}
