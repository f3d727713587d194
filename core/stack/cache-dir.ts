import { mkdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Where moor caches derived data (type-check results). MOOR_CACHE_DIR overrides. */
export function cacheDir(...parts: string[]): string {
  const base =
    process.env.MOOR_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'moor');
  return path.join(base, ...parts);
}

/**
 * Write a cache file whole or not at all: into a temporary file beside it, then renamed over it,
 * so that a reader (another moor) never sees half of one.
 */
export async function writeCacheFile(target: string, text: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, target);
}
