/**
 * Content hash of an image build context: paths, modes and bytes of every file sent to the engine
 * (see context-files.ts: what `.dockerignore` excludes is not hashed; `.dockerignore` itself is),
 * in a stable order. Without a `.dockerignore` the hash is what it always was, so upgrading moor
 * rebuilds nothing.
 */
import { createHash } from 'node:crypto';
import { readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { contextEntries } from './context-files.js';

export async function hashContext(dir: string, dockerfile: string): Promise<string> {
  const hash = createHash('sha256');
  // A directory's record closes after its children: `path\0mode\0 … children … \0`.
  const open: string[] = [];
  const closeUntil = (p: string) => {
    while (open.length && !p.startsWith(`${open[open.length - 1]}/`)) {
      open.pop();
      hash.update('\0');
    }
  };
  for (const { path: p, stat } of await contextEntries(dir, dockerfile)) {
    closeUntil(p);
    hash.update(`${p}\0${stat.mode}\0`);
    const full = path.join(dir, p);
    if (stat.isDirectory()) {
      open.push(p);
      continue;
    }
    if (stat.isSymbolicLink()) hash.update(await readlink(full));
    else if (stat.isFile()) hash.update(await readFile(full));
    hash.update('\0');
  }
  closeUntil('');
  return hash.digest('hex').slice(0, 32);
}
