/**
 * bin/moor.js runs dist/cli.cjs from V8's code cache: one entry per command, build and Node, in
 * moor's cache directory. A cache V8 accepts is not written again (so an unchanged file proves it
 * was used), a damaged one is refused by V8 and replaced, MOOR_CODE_CACHE=0 writes none, and a
 * command run from the cache still imports what lives outside the bundle (a stack's compiled
 * module, chalk): Node 20 gives a script compiled from cached data no import() of its own.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { newPrefix, REPO, runMoor, show } from './helpers.js';

const prefix = newPrefix();
const cache = suite('e2e: code cache (bin/moor.js)');

function entries(dir: string): string[] {
  try {
    return readdirSync(path.join(dir, 'code')).sort();
  } catch {
    return [];
  }
}

/** `node <bin> …args` for a moor that is not this checkout's bin/moor.js. */
async function runMoorAt(bin: string, args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const r = spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? 1, stderr: r.stderr };
}

function withCacheDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-cache-`));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

cache('one entry per command; an accepted entry is used as it is, a damaged one replaced', withCacheDir(async (dir) => {
  const env = { MOOR_CACHE_DIR: dir };
  const version = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version as string;
  // An entry of an earlier build of the same command (another size and time of dist/cli.cjs) goes when the new one is written.
  const stale = path.join(dir, 'code', `1-2-${process.version}-${process.arch}-version.bin`);
  mkdirSync(path.dirname(stale), { recursive: true });
  writeFileSync(stale, 'old');

  const first = await runMoor(['version'], { env });
  assert.is(first.code, 0, show(first));
  assert.is(first.stdout.trim(), `moor ${version}`);
  const written = entries(dir);
  assert.is(written.length, 1, `one entry, the stale one removed: ${written.join(', ')}`);
  assert.match(written[0]!, new RegExp(`-${process.version.replace(/\./g, '\\.')}-${process.arch}-version\\.bin$`));
  const file = path.join(dir, 'code', written[0]!);
  const before = statSync(file);
  assert.ok(before.size > 10_000, `the entry holds compiled code (${before.size} bytes)`);

  const second = await runMoor(['version'], { env });
  assert.is(second.stdout.trim(), `moor ${version}`);
  const after = statSync(file);
  // Written again only when V8 refused it: the same inode and time mean the run took it.
  assert.is(after.ino, before.ino, 'an accepted entry is not rewritten');
  assert.is(after.mtimeMs, before.mtimeMs);

  writeFileSync(file, Buffer.alloc(before.size, 7));
  const damaged = await runMoor(['version'], { env });
  assert.is(damaged.code, 0, show(damaged));
  assert.is(damaged.stdout.trim(), `moor ${version}`);
  assert.not.equal(readFileSync(file).subarray(0, 64), Buffer.alloc(64, 7), 'the damaged entry was replaced');

  const help = await runMoor(['plan', '--help'], { env });
  assert.is(help.code, 0, show(help));
  assert.equal(entries(dir).map((f) => f.replace(/.*-/, '')), ['plan.bin', 'version.bin'], 'an entry per command');
}));

cache("keyed by the bundle's build id: another build of the same size and time gets its own entry", withCacheDir(async (dir) => {
  const env = { MOOR_CACHE_DIR: dir };
  const bundle = path.join(REPO, 'dist', 'cli.cjs');
  const source = readFileSync(bundle, 'utf8');
  const id = /^\/\/ moor build ([0-9a-f]+)\n/.exec(source)?.[1];
  assert.ok(id, 'dist/cli.cjs names its build on its first line');
  const first = await runMoor(['version'], { env });
  assert.is(first.code, 0, show(first));
  assert.ok(entries(dir)[0]!.startsWith(`${id}-`), entries(dir).join(', '));

  // A copy of moor whose bundle differs only in its build id: same length, same modification time
  // (npm gives every file of a package the same one). V8 checks a cache only against the length.
  const copy = path.join(dir, 'moor-copy');
  mkdirSync(path.join(copy, 'bin'), { recursive: true });
  mkdirSync(path.join(copy, 'dist'));
  for (const f of ['moor.js', 'package.json']) copyFileSync(path.join(REPO, 'bin', f), path.join(copy, 'bin', f));
  copyFileSync(path.join(REPO, 'package.json'), path.join(copy, 'package.json'));
  const otherId = id!.replace(/./g, (c) => (c === 'a' ? 'b' : 'a'));
  writeFileSync(path.join(copy, 'dist', 'cli.cjs'), source.replace(id!, otherId));
  const { atime, mtime } = statSync(bundle);
  utimesSync(path.join(copy, 'dist', 'cli.cjs'), atime, mtime);
  const other = await runMoorAt(path.join(copy, 'bin', 'moor.js'), ['version'], env);
  assert.is(other.code, 0, other.stderr);
  assert.ok(entries(dir).some((f) => f.startsWith(`${otherId}-`)), `the other build wrote its own entry: ${entries(dir).join(', ')}`);
}));

cache('MOOR_CODE_CACHE=0 writes nothing', withCacheDir(async (dir) => {
  const r = await runMoor(['version'], { env: { MOOR_CACHE_DIR: dir, MOOR_CODE_CACHE: '0' } });
  assert.is(r.code, 0, show(r));
  assert.equal(entries(dir), []);
}));

cache('a command run from the cache imports a stack and chalk', withCacheDir(async (dir) => {
  // In the repository, so that `moor` resolves; nothing is created on the engine by a plan.
  const file = path.join(REPO, 'test', `.${prefix}-stack.ts`);
  writeFileSync(file, `import { stack } from 'moor';\nexport default stack('${prefix}', ({ network }) => { network('net'); });\n`);
  try {
    for (const round of ['writes the cache', 'runs from it']) {
      const r = await runMoor(['plan', file], { env: { MOOR_CACHE_DIR: dir, NO_COLOR: undefined, FORCE_COLOR: '1' } });
      assert.is(r.code, 0, `${round}: ${show(r)}`);
      assert.match(r.stdout, /network\S* net/, round);
      assert.match(r.stdout, '\x1b[', `${round}: coloured by chalk`);
    }
    assert.ok(entries(dir).some((f) => f.endsWith('-plan.bin')));
  } finally {
    rmSync(file, { force: true });
  }
}));

cache.run();
