/**
 * Installing moor as a user does: `npm pack` the repository, install the tarball into a fresh
 * project outside the repository (nothing of the repository's node_modules reachable from it), and
 * run `npx moor` there on a stack that imports from 'moor' — type-checked against the installed
 * types, planned, applied on the real engine, planned empty, destroyed.
 *
 * Offline: the project gets a package-lock.json pinning moor's dependencies to the versions of the
 * repository's own lockfile (with their registry URLs), so `npm install --offline` takes every
 * tarball from the npm cache that installing the repository filled. Only when that cache lacks
 * them does the install go to the npm registry (--prefer-offline), and the test says so.
 * `npm pack --ignore-scripts` packs the dist/ the other e2e tests run (built by `npm ci`).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EngineClient } from '../../core/engine/client.js';
import { newPrefix, REPO, show, sweepEngine, TOOLS, type RunResult } from './helpers.js';

const prefix = newPrefix();
const test = suite('e2e: installing the packed tarball');

function run(cmd: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}, timeoutMs = 120_000): Promise<RunResult> {
  const command = `${cmd} ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} did not finish within ${timeoutMs / 1000}s\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? 1, stdout, stderr, command }); });
  });
}

interface LockEntry { version: string; name?: string; resolved?: string; integrity?: string; dev?: boolean; link?: boolean; [k: string]: unknown }

/** The consumer's package.json and package-lock.json: moor from the tarball, its dependencies as the repository pins them. */
function writeProject(dir: string, tarball: string): void {
  const lock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const self = lock.packages['']!;
  const file = `file:${path.basename(tarball)}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { moor: file } },
    'node_modules/moor': { version: self.version, resolved: file, integrity, license: self.license, dependencies: self.dependencies, bin: self.bin, engines: self.engines },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || entry.dev || entry.link) continue;
    const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[key] = { ...entry, resolved: entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz` };
  }
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, dependencies: { moor: file } }, null, 2));
  writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
}

const stackSource = (name: string, extra = '') => `import { secret, stack } from 'moor';

export default stack(${JSON.stringify(name)}, { params: { greeting: 'hello' } }, ({ image, container }, params) => {
  const img = image('tools', { build: { context: './tools' } });
  container('web', {
    image: img,
    command: ['sleep', '3600'],
    env: { GREETING: params.greeting, TOKEN: secret('PACK_TOKEN')${extra} },
    stopSignal: 'SIGKILL',
    stopTimeout: 0,
  });
});
`;

test('npm pack → npm install of the tarball in a fresh project → npx moor plan / apply / plan (empty) / destroy on the engine', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), `moor-pack-${prefix}-`));
  const name = `${prefix}-pack`;
  const env = { MOOR_CACHE_DIR: path.join(dir, '.moor-cache'), npm_config_update_notifier: 'false' };
  const npx = (...args: string[]) => run('npx', ['--no', 'moor', ...args], dir, env);
  const client = new EngineClient();
  let applied = false;
  try {
    const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], REPO, env);
    assert.is(packed.code, 0, show(packed));
    const info = (JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
    const files = info.files.map((f) => f.path);
    for (const f of ['bin/moor.js', 'dist/cli.cjs', 'dist/index.mjs', 'dist/core/index.d.ts', 'README.md']) assert.ok(files.includes(f), `the tarball holds ${f}`);
    assert.not.ok(files.some((f) => f.startsWith('test/') || f.startsWith('scripts/') || f.startsWith('node_modules/')), 'no tests, build scripts or dependencies in the tarball');
    const tarball = path.join(dir, info.filename);

    writeProject(dir, tarball);
    const npmArgs = ['install', '--no-audit', '--no-fund'];
    let installed = await run('npm', [...npmArgs, '--offline'], dir, env);
    if (installed.code !== 0 && /ENOTCACHED|only-if-cached/.test(installed.stderr)) {
      console.warn('pack.test: the npm cache lacks some of moor\'s dependencies; installing them from the npm registry');
      installed = await run('npm', [...npmArgs, '--prefer-offline'], dir, env);
    }
    assert.is(installed.code, 0, show(installed));
    assert.ok(existsSync(path.join(dir, 'node_modules/moor/dist/cli.cjs')), 'moor is installed from the tarball, built');

    cpSync(TOOLS, path.join(dir, 'tools'), { recursive: true });
    writeFileSync(path.join(dir, 'stack.ts'), stackSource(name));
    writeFileSync(path.join(dir, 'stack.prod.json'), '{ "greeting": "hello prod" }\n');
    writeFileSync(path.join(dir, '.env'), 'PACK_TOKEN=pack-s3cr3t\n');

    const version = await npx('version');
    assert.is(version.code, 0, show(version));
    assert.is(version.stdout.trim(), `moor ${JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version}`);

    // The stack is type-checked against the installed types: a wrong one is refused there.
    writeFileSync(path.join(dir, 'bad.ts'), stackSource(name, ', N: params.nope'));
    const bad = await npx('plan', 'bad.ts');
    assert.is(bad.code, 1, show(bad));
    assert.match(bad.stderr, /bad\.ts:\d+:\d+: type error: Property 'nope' does not exist/, show(bad));

    const plan = await npx('plan', '--env', 'prod');
    assert.is(plan.code, 0, show(plan));
    assert.match(plan.stdout, /\+ env\.GREETING: "hello prod"/, show(plan));
    assert.match(plan.stdout, /Plan: 2 to create/, show(plan));

    applied = true;
    const apply = await npx('apply', '--env', 'prod', '--yes');
    assert.is(apply.code, 0, show(apply));
    const again = await npx('plan', '--env', 'prod', '--detailed-exitcode');
    assert.is(again.code, 0, show(again));
    assert.match(again.stdout, /No changes\./, show(again));
    for (const r of [plan, apply, again]) assert.not.ok(r.stdout.includes('pack-s3cr3t') || r.stderr.includes('pack-s3cr3t'), show(r));

    const destroy = await npx('destroy', '--env', 'prod', '--yes');
    assert.is(destroy.code, 0, show(destroy));
    applied = false;
  } finally {
    try {
      if (applied) await npx('destroy', '--env', 'prod', '--yes').catch(() => undefined);
      await sweepEngine(client, prefix);
    } finally {
      client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test.run();
