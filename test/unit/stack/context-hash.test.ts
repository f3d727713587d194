import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import fsp, { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { contextEntries } from '../../../core/stack/context-files.js';
import { hashContext } from '../../../core/stack/context-hash.js';

const REPO = path.resolve(import.meta.dirname, '../../..');

/** A build context made of `files` (path → content), removed after `run`. */
async function inContext<T>(files: Record<string, string>, run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'moor-context-'));
  try {
    for (const [p, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      writeFileSync(path.join(dir, p), content);
    }
    return await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sent = async (dir: string, dockerfile = 'Dockerfile') =>
  (await contextEntries(dir, dockerfile)).filter((e) => !e.stat.isDirectory()).map((e) => e.path);

const APP = { Dockerfile: 'FROM scratch\nCOPY . /app\n', 'src/main.ts': 'main', 'src/util.ts': 'util' };

const files = suite('contextEntries: what .dockerignore leaves in');

files('without a .dockerignore every file is sent', () =>
  inContext(APP, async (dir) => {
    assert.equal(await sent(dir), ['Dockerfile', 'src/main.ts', 'src/util.ts']);
  }));

files('patterns exclude files and whole directories; `**` matches at any depth; later `!` lines make exceptions', () =>
  inContext(
    {
      ...APP,
      '.dockerignore': '# comment\nnode_modules\n**/*.log\nsecrets/\n/build\n!build/keep.txt\n',
      'node_modules/a/index.js': 'x',
      'debug.log': 'x',
      'src/deep/trace.log': 'x',
      'secrets/key.pem': 'x',
      'build/out.bin': 'x',
      'build/keep.txt': 'kept',
    },
    async (dir) => {
      assert.equal(await sent(dir), ['.dockerignore', 'Dockerfile', 'build/keep.txt', 'src/main.ts', 'src/util.ts']);
    },
  ));

files('matching is case-sensitive, as Docker on Linux (the library folds case by default)', () =>
  inContext({ ...APP, '.dockerignore': 'readme.md\n', 'README.md': 'x', 'readme.md': 'y' }, async (dir) => {
    assert.ok((await sent(dir)).includes('README.md'));
    assert.not.ok((await sent(dir)).includes('readme.md'));
  }));

files('the Dockerfile and .dockerignore are always sent, even when a pattern matches them (also a Dockerfile in an excluded folder)', () =>
  inContext(
    { '.dockerignore': '*\n', 'docker/Dockerfile': 'FROM scratch\n', 'docker/other': 'x', 'app.txt': 'x' },
    async (dir) => {
      assert.equal(await sent(dir, 'docker/Dockerfile'), ['.dockerignore', 'docker/Dockerfile']);
      assert.equal(await sent(dir, './docker//Dockerfile'), ['.dockerignore', 'docker/Dockerfile']);
    },
  ));

files('an excluded directory is not walked at all unless an exception names a path inside it', () =>
  inContext({ ...APP, '.dockerignore': 'big\nkeep\n!keep/this\n', 'big/a/b': 'x', 'keep/this': 'x', 'keep/that': 'x' }, async (dir) => {
    // Every readdir the walk makes, seen through the builtin module's live binding.
    const read: string[] = [];
    const original = fsp.readdir;
    fsp.readdir = ((p: string, ...rest: unknown[]) => {
      read.push(path.relative(dir, p));
      return (original as (...a: unknown[]) => unknown)(p, ...rest);
    }) as typeof fsp.readdir;
    syncBuiltinESMExports();
    try {
      assert.equal(await sent(dir), ['.dockerignore', 'Dockerfile', 'keep/this', 'src/main.ts', 'src/util.ts']);
    } finally {
      fsp.readdir = original;
      syncBuiltinESMExports();
    }
    assert.equal(read.sort(), ['', 'keep', 'src']);
  }));

const hash = suite('hashContext');

/** The hash as moor computed it before .dockerignore support (a copy of the old code). */
async function hashBefore(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    const entries = (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(dir, p);
      const st = await lstat(full);
      h.update(`${p}\0${st.mode}\0`);
      if (e.isDirectory()) await walk(p);
      else if (e.isSymbolicLink()) h.update(await readlink(full));
      else if (e.isFile()) h.update(await readFile(full));
      h.update('\0');
    }
  };
  await walk('');
  return h.digest('hex').slice(0, 32);
}

hash('without a .dockerignore the hash is the one earlier versions computed: upgrading rebuilds nothing', () =>
  inContext({ ...APP, 'src/deep/er/x': 'x', 'z/a': 'a', 'zz': 'z' }, async (dir) => {
    symlinkSync('src/main.ts', path.join(dir, 'link'));
    mkdirSync(path.join(dir, 'empty'));
    assert.is(await hashContext(dir, 'Dockerfile'), await hashBefore(dir));
  }));

hash('editing, adding or removing an ignored file does not change the hash; a sent file does', () =>
  inContext({ ...APP, '.dockerignore': 'cache\n*.secret\n', 'cache/blob': '1', 'db.secret': 'pw1' }, async (dir) => {
    const before = await hashContext(dir, 'Dockerfile');
    writeFileSync(path.join(dir, 'cache/blob'), '2');
    writeFileSync(path.join(dir, 'cache/new'), 'new');
    writeFileSync(path.join(dir, 'db.secret'), 'pw2');
    rmSync(path.join(dir, 'db.secret'));
    assert.is(await hashContext(dir, 'Dockerfile'), before);
    writeFileSync(path.join(dir, 'src/main.ts'), 'changed');
    assert.is.not(await hashContext(dir, 'Dockerfile'), before);
  }));

hash('an exception is hashed: editing a file kept by `!` changes the hash', () =>
  inContext({ ...APP, '.dockerignore': 'docs\n!docs/keep.md\n', 'docs/keep.md': '1', 'docs/drop.md': '1' }, async (dir) => {
    const before = await hashContext(dir, 'Dockerfile');
    writeFileSync(path.join(dir, 'docs/drop.md'), '2');
    assert.is(await hashContext(dir, 'Dockerfile'), before);
    writeFileSync(path.join(dir, 'docs/keep.md'), '2');
    assert.is.not(await hashContext(dir, 'Dockerfile'), before);
  }));

hash('changing the .dockerignore changes the hash; an ignored Dockerfile is still hashed', () =>
  inContext({ ...APP, '.dockerignore': 'Dockerfile\n' }, async (dir) => {
    const before = await hashContext(dir, 'Dockerfile');
    writeFileSync(path.join(dir, '.dockerignore'), 'Dockerfile\nnothing\n');
    const after = await hashContext(dir, 'Dockerfile');
    assert.is.not(after, before);
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY src /src\n');
    assert.is.not(await hashContext(dir, 'Dockerfile'), after);
  }));

files('the matcher is loaded only for a context that has a .dockerignore', () =>
  inContext(APP, async (dir) => {
    // A fresh process: this one may have loaded it already.
    const loaded = () => {
      const script = `const { hashContext } = await import(${JSON.stringify(path.join(REPO, 'core/stack/context-hash.ts'))});
await hashContext(${JSON.stringify(dir)}, 'Dockerfile');
const { createRequire } = await import('node:module');
process.stdout.write(String(Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('@balena/dockerignore'))));`;
      return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8' });
    };
    assert.is(loaded(), 'false');
    writeFileSync(path.join(dir, '.dockerignore'), 'src\n');
    assert.is(loaded(), 'true');
  }));

files.run();
hash.run();
