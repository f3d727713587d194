import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { collectDeclarations, type Declaration } from '../../../core/stack/collect.js';
import { stack } from '../../../core/stack/define.js';
import { normalizeStack } from '../../../core/stack/normalize.js';
import { secret } from '../../../core/stack/secret.js';
import { readValidated, validationKey, writeValidated } from '../../../core/stack/validated-cache.js';
import { bind, tmpfs } from '../../../providers/api.js';
import { STACK_FILE } from '../../fixtures/builders.js';

const AT = { file: STACK_FILE, line: 3, column: 15 };
const declare = (build: Parameters<typeof stack>[1]) => collectDeclarations(stack('shop', build), STACK_FILE);
const key = (d: Declaration[], build = 'b1') => validationKey('shop', STACK_FILE, d, AT, build);

const shop = () =>
  declare(({ image, network, volume, container }) => {
    const tools = image('tools', { build: { context: './tools', args: { V: '1' } } });
    const net = network('backend', { subnet: '10.77.0.0/24' });
    const data = volume('data', { provider: bind({ path: './data', create: true }) });
    const cache = volume('cache', { provider: tmpfs({ size: '64m' }) });
    container('web', {
      image: tools,
      env: { A: '1', TOKEN: secret('TOKEN') },
      networks: [{ network: net, aliases: ['www'] }],
      mounts: [{ volume: data, target: '/data' }, { volume: cache, target: '/cache' }],
      ports: [{ container: 80, host: 8080, hostIp: '127.0.0.1' }],
    });
  });

const keys = suite('validationKey');

keys('the same declarations give the same key; a changed value, line or build does not', () => {
  const a = key(shop());
  assert.type(a, 'string');
  assert.is(key(shop()), a);
  assert.is.not(key(shop(), 'b2'), a);
  const moved = shop().map((d) => ({ ...d, location: { ...d.location, line: (d.location.line ?? 0) + 1 } }));
  assert.is.not(key(moved), a);
  const changed = declare(({ container }) => { container('web', { image: 'x:1', env: { A: '2' } }); });
  const same = declare(({ container }) => { container('web', { image: 'x:1', env: { A: '1' } }); });
  assert.is.not(key(changed), key(same));
});

keys('key order inside options does not matter; a handle and a look-alike plain object differ', () => {
  const a = declare(({ container }) => { container('web', { image: 'x:1', env: { A: '1', B: '2' } }); });
  const b = declare(({ container }) => { container('web', { env: { B: '2', A: '1' }, image: 'x:1' }); });
  assert.is(key(a.map((d) => ({ ...d, location: AT }))), key(b.map((d) => ({ ...d, location: AT }))));
  const real = declare(({ volume, container }) => { container('web', { image: 'x:1', mounts: [{ volume: volume('v'), target: '/v' }] }); });
  const fake = real.map((d) =>
    d.kind === 'container' ? { ...d, options: { image: 'x:1', mounts: [{ volume: { kind: 'volume', name: 'v', stack: 'shop' }, target: '/v' }] } } : d,
  );
  assert.is.not(key(real), key(fake));
});

keys('anything that is not plain data is not cached: functions, undefined, NaN, class instances, no build id', () => {
  const withOptions = (options: unknown) => [{ kind: 'container' as const, name: 'web', options, location: AT }];
  assert.is(key(withOptions({ image: 'x', command: () => 'sh' })), undefined);
  assert.is(key(withOptions({ image: 'x', user: undefined })), undefined);
  assert.is(key(withOptions({ image: 'x', stopTimeout: NaN })), undefined);
  assert.is(key(withOptions({ image: 'x', labels: new Map() })), undefined);
  assert.is(key(withOptions({ image: 'x', command: ['a', , 'b'] })), undefined);
  assert.type(key(withOptions({ image: 'x' })), 'string');
  assert.is(validationKey('shop', STACK_FILE, withOptions({ image: 'x' }), AT, undefined), undefined);
});

const store = suite('readValidated / writeValidated');
let dir = '';
store.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'moor-validated-'));
  process.env.MOOR_CACHE_DIR = dir;
});
store.after.each(() => {
  delete process.env.MOOR_CACHE_DIR;
  rmSync(dir, { recursive: true, force: true });
});

store('a stored stack comes back identical to a fresh validation (JSON round trip loses nothing)', async () => {
  const decls = shop();
  const fresh = normalizeStack('shop', STACK_FILE, decls, AT);
  assert.equal(fresh.diagnostics.filter((d) => d.severity === 'error'), []);
  const k = key(decls)!;
  await writeValidated(STACK_FILE, k, fresh);
  const back = await readValidated(STACK_FILE, k);
  assert.equal(back, normalizeStack('shop', STACK_FILE, decls, AT));
  assert.is(await readValidated(STACK_FILE, key(decls, 'other')!), undefined);
});

store('a stack with errors is never stored; a changed input file invalidates the entry', async () => {
  const bad = declare(({ container }) => { container('web', { image: 'x:1', stopTimeout: -1 }); });
  const k = key(bad)!;
  const r = normalizeStack('shop', STACK_FILE, bad, AT);
  assert.ok(r.diagnostics.some((d) => d.severity === 'error'));
  await writeValidated(STACK_FILE, k, r);
  assert.is(await readValidated(STACK_FILE, k), undefined);

  const input = path.join(dir, 'web.env');
  writeFileSync(input, 'A=1\n');
  const good = shop();
  const gk = key(good)!;
  await writeValidated(STACK_FILE, gk, normalizeStack('shop', STACK_FILE, good, AT), [input]);
  assert.ok(await readValidated(STACK_FILE, gk));
  writeFileSync(input, 'A=2\n');
  assert.is(await readValidated(STACK_FILE, gk), undefined);
});

keys.run();
store.run();
