import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bindProvider } from '../../../providers/bind.js';
import { schema as bindSchema } from '../../../providers/schemas/bind.js';
import { LOCAL_HOST, providerContext, REMOTE_HOST } from '../../fixtures/builders.js';

const ctx = providerContext('site', '/srv/stacks/shop.ts');
const options = (input: { path: string; create?: boolean }) => bindProvider.resolve!(bindSchema.parse(input), ctx);

const pure = suite('bind: resolve and engine volume');

pure('a relative path is resolved against the stack file\'s directory; an absolute one is kept', () => {
  assert.is(options({ path: './site' }).path, '/srv/stacks/site');
  assert.is(options({ path: '../data/site' }).path, '/srv/data/site');
  assert.is(options({ path: '/var/www' }).path, '/var/www');
  assert.equal(options({ path: 'site' }), { path: '/srv/stacks/site', create: false });
});

pure('the engine volume is a local-driver bind of the resolved directory', () => {
  assert.equal(bindProvider.toEngine(options({ path: './site' }), ctx), {
    driver: 'local', driverOpts: { type: 'none', o: 'bind', device: '/srv/stacks/site' },
  });
  assert.is(bindProvider.describe(options({ path: './site' })), 'host directory /srv/stacks/site');
  assert.is(bindProvider.data, 'external');
});

pure.run();

const host = suite('bind: the host directory');
let dir = '';
host.before.each(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'moor-bind-test-')); });
host.after.each(() => { rmSync(dir, { recursive: true, force: true }); });

const check = (input: { path: string; create?: boolean }, h = LOCAL_HOST) => bindProvider.check!(options(input), ctx, h);

host('check: an existing directory is fine; a missing one is an error naming it, unless create: true', async () => {
  assert.equal(await check({ path: dir }), []);
  const missing = path.join(dir, 'nope');
  assert.equal(await check({ path: missing }), [{
    severity: 'error', field: 'path', summary: `${missing} does not exist`, detail: 'Create it, or set create: true to let moor create it.',
  }]);
  assert.equal(await check({ path: missing, create: true }), []);
});

host('check: a file is not a directory; the root directory is refused', async () => {
  const file = path.join(dir, 'file');
  writeFileSync(file, 'x');
  assert.equal(await check({ path: file }), [{ severity: 'error', field: 'path', summary: `${file} exists and is not a directory` }]);
  assert.equal((await check({ path: '/' })).map((f) => f.severity), ['error']);
});

host('check on a remote engine: a warning that the path cannot be checked; create: true is an error', async () => {
  const missing = path.join(dir, 'nope');
  const warned = await check({ path: missing }, REMOTE_HOST);
  assert.equal(warned.map((f) => [f.severity, f.field]), [['warning', 'path']]);
  assert.match(warned[0]!.summary, 'tcp://192.0.2.5:2376');
  const refused = await check({ path: missing, create: true }, REMOTE_HOST);
  assert.equal(refused.map((f) => [f.severity, f.field]), [['error', 'create']]);
});

host('health: a directory is ok; a missing one, or a file in its place, is not', async () => {
  assert.equal(await bindProvider.health!(options({ path: dir }), ctx, LOCAL_HOST), { ok: true });
  const gone = path.join(dir, 'gone');
  assert.equal(await bindProvider.health!(options({ path: gone }), ctx, LOCAL_HOST), { ok: false, reason: `the host directory ${gone} is gone` });
  writeFileSync(gone, 'x');
  assert.equal(await bindProvider.health!(options({ path: gone }), ctx, LOCAL_HOST), { ok: false, reason: `${gone} is no longer a directory` });
});

host('prepare: create: true makes the directory and its parents; without it a missing directory throws', async () => {
  const deep = path.join(dir, 'a', 'b');
  await bindProvider.prepare!(options({ path: deep, create: true }), ctx, LOCAL_HOST);
  assert.ok(statSync(deep).isDirectory());
  const missing = path.join(dir, 'missing');
  const refused = await bindProvider.prepare!(options({ path: missing }), ctx, LOCAL_HOST).then(() => 'no error', (e: Error) => e.message);
  assert.is(refused, `the host directory ${missing} does not exist (create: true lets moor create it)`);
  assert.throws(() => statSync(missing));
  mkdirSync(missing);
  await bindProvider.prepare!(options({ path: missing }), ctx, LOCAL_HOST);
});

host.run();
