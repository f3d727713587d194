/**
 * Making data moor wrote durable before the data it replaces can go: a restore's staged copy
 * before the switch's point of no return and the switch's renames before the old data is deleted
 * (backup/switch.ts); a volume copy before its source can be removed (copy.ts). Without it, a machine that loses power after the old data was deleted could come back with the
 * new files empty or short (ext4 allocates a file's blocks only when its pages are written back).
 *
 * syncfs(2) once per file system, by `sync -f` (coreutils ≥ 8.24, busybox ≥ 1.30) in a child
 * process: it waits for the disk, which must not stall the event loop (Node has no syncfs, and
 * ffi-rs's calls block). A `sync` that does not take -f is replaced by a plain `sync` (everything
 * written back, these included).
 */
import { execFile } from 'node:child_process';

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('sync', args, { timeout: 10 * 60_000 }, (err, _out, stderr) => (err ? reject(new Error(String(stderr).trim() || err.message)) : resolve()));
  });
}

/** Write back, and wait for, the file systems `dirs` are on. Throws when the disk does not take it. */
export async function syncFileSystems(dirs: readonly string[]): Promise<void> {
  const unique = [...new Set(dirs)];
  if (!unique.length) return;
  try {
    await run(['-f', '--', ...unique]);
  } catch (first) {
    await run([]).catch((e: Error) => Promise.reject(new Error(`sync -f: ${(first as Error).message}; sync: ${e.message}`)));
  }
}

/**
 * The same, in a worker's script: for each directory given, its file system (busybox or coreutils
 * `sync -f`), else everything (`sync`).
 */
export const SYNC_FS = (dir: string) => `sync -f -- ${dir} 2>/dev/null || sync`;
