/**
 * What of a build context goes to the engine: every file the context's `.dockerignore` does not
 * exclude, as the docker CLI decides it (the CLI filters the context before the upload; the
 * engine does not). The context hash and the uploaded tar are both made from this one list, so
 * an ignored file neither triggers a rebuild nor travels.
 *
 * Docker's rules, kept here:
 * - patterns follow Moby's matcher (`*`, `?`, `**`, `!` exceptions, later lines win), case-sensitive;
 * - `.dockerignore` and the Dockerfile are always sent, even when a pattern matches them;
 * - an excluded directory is not walked, unless an exception pattern names a path inside it
 *   (`!dir/keep`): then the walk goes on and only what is not excluded is sent.
 * The matcher (@balena/dockerignore, a port of Moby's) is loaded only when a context has a
 * `.dockerignore`: plans of stacks without one, and commands that hash nothing, never load it.
 */
import type { Stats } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface ContextEntry {
  /** Relative to the context, `/`-separated. */
  path: string;
  stat: Stats;
}

interface Rules {
  ignores(rel: string): boolean;
  /** The exception patterns (`!x` → `x`), cleaned as Moby cleans them. */
  exceptions: string[];
}

/** The `.dockerignore` of a context, or undefined when it has none. */
export async function readIgnoreFile(dir: string): Promise<string | undefined> {
  try {
    return await readFile(path.join(dir, '.dockerignore'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Moby's cleaning of one pattern line: trimmed, `path.Clean`ed, without a leading `/`. */
function cleanPattern(line: string): string {
  let p = path.posix.normalize(line.trim()).replace(/(?<=.)\/$/, '');
  if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
  return p;
}

async function loadRules(text: string, dockerfile: string): Promise<Rules> {
  // A CommonJS module whose typings say `export default`: its exports are the factory, and the
  // factory's own `default` property is the factory again (what the typings mean).
  const ignore = (await import('@balena/dockerignore')).default.default;
  const lines = text.split(/\r?\n/);
  const matcher = ignore({ ignorecase: false }).add(lines);
  // As the docker CLI does: whatever the patterns say, the Dockerfile and .dockerignore are sent.
  const dockerfileRel = cleanPattern(dockerfile);
  const keep = ['.dockerignore', dockerfileRel].filter((p) => matcher.ignores(p)).map((p) => `!${p}`);
  if (keep.length) matcher.add(keep);
  const exceptions = [...lines, ...keep]
    .map((l) => l.trim())
    .filter((l) => l.startsWith('!'))
    .map((l) => cleanPattern(l.slice(1)))
    .filter((p) => p && p !== '.');
  return { ignores: (rel) => matcher.ignores(rel), exceptions };
}

/** Whether an excluded directory must still be walked: an exception names a path under it (Moby's test). */
function mayHoldExceptions(rules: Rules, rel: string): boolean {
  return rules.exceptions.some((p) => `${p}/`.startsWith(`${rel}/`));
}

/**
 * The entries of a context that go to the engine, depth first, each directory's names in sorted
 * order. A directory is listed when it is sent itself or holds something that is.
 */
export async function contextEntries(dir: string, dockerfile: string): Promise<ContextEntry[]> {
  const text = await readIgnoreFile(dir);
  const rules = text === undefined ? undefined : await loadRules(text, dockerfile);
  const walk = async (rel: string): Promise<ContextEntry[]> => {
    const names = (await readdir(path.join(dir, rel))).sort((a, b) => (a < b ? -1 : 1));
    const out: ContextEntry[] = [];
    for (const name of names) {
      const p = rel ? `${rel}/${name}` : name;
      const excluded = rules?.ignores(p) ?? false;
      const stat = await lstat(path.join(dir, p));
      if (stat.isDirectory()) {
        if (excluded && !mayHoldExceptions(rules!, p)) continue;
        const inner = await walk(p);
        if (!excluded || inner.length) out.push({ path: p, stat }, ...inner);
      } else if (!excluded) {
        out.push({ path: p, stat });
      }
    }
    return out;
  };
  return walk('');
}
