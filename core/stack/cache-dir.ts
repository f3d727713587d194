import os from 'node:os';
import path from 'node:path';

/** Where moor caches derived data (type-check results). MOOR_CACHE_DIR overrides. */
export function cacheDir(...parts: string[]): string {
  const base =
    process.env.MOOR_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'moor');
  return path.join(base, ...parts);
}
