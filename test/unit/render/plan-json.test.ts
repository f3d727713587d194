import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { emptyStack } from '../../../core/model/spec.js';
import { planStack } from '../../../core/plan/plan.js';
import { planToJson, PLAN_JSON_VERSION } from '../../../core/render/plan-json.js';
import { bind, tmpfs } from '../../../providers/index.js';
import { secret } from '../../../core/stack/secret.js';
import { desired, foreign, observed, stopped, volumeHealth } from '../../fixtures/builders.js';

const was = desired('shop', ({ volume, container }) => {
  container('web', { image: 'nginx:1.27', env: { MODE: 'prod' } });
  container('worker', { image: 'nginx:1.27', mounts: [{ volume: volume('scratch'), target: '/scratch' }] });
});
const now = desired('shop', ({ container }) => {
  container('web', { image: 'nginx:1.27', env: { MODE: 'dev' } });
  container('api', { image: 'nginx:1.27' });
});

const json = suite('planToJson');

json('version "2", the plan\'s header and summary', () => {
  const out = planToJson(planStack(now, observed(was)));
  assert.is(PLAN_JSON_VERSION, '2');
  assert.is(out.format_version, '2');
  assert.is(out.refreshed, true);
  assert.is(out.stack, 'shop');
  assert.is(out.mode, 'apply');
  assert.equal(out.engine, { version: '27.3.1', api_version: '1.45' });
  assert.equal(out.summary, { create: 1, update: 0, replace: 1, migrate: 0, delete: 2 });
  assert.equal(out.notes, []);
  assert.equal(out.diagnostics, []);
});

json('one entry per node, in plan order, with snake_case fields', () => {
  const o = observed(was);
  const out = planToJson(planStack(now, o)) as { resources: Record<string, unknown>[] };
  assert.equal(out.resources.map((r) => `${r.id} ${r.action} ${r.symbol}`), [
    'image.nginx:1.27 noop ',
    'container.api create +',
    'container.web replace +/-',
    'container.worker delete -',
    'volume.scratch delete -',
  ]);
  assert.equal(out.resources[2], {
    id: 'container.web', kind: 'container', name: 'web', engine_name: 'shop-web', action: 'replace', symbol: '+/-',
    replace_order: 'create-before-destroy', causes: ['env.MODE changed'], data_loss: false, depends_on: ['image.nginx:1.27'],
    changes: [{ path: 'env.MODE', before: 'prod', after: 'dev', forces_replacement: true, source: 'change' }],
  });
  assert.equal(out.resources[4], {
    id: 'volume.scratch', kind: 'volume', name: 'scratch', engine_name: 'shop-scratch', action: 'delete', symbol: '-',
    causes: ['no longer in the stack'], data_loss: true, depends_on: [],
    changes: [{ path: 'provider', before: 'local', after: null, forces_replacement: false, source: 'change' }],
  });
});

json('raw values: a create lists what it sets, as the stack means it (numbers, objects, arrays); secrets are a marker', () => {
  const d = desired('shop', ({ container }) => {
    container('api', {
      image: 'nginx:1.27', ports: [{ host: 8080, container: 80, hostIp: '127.0.0.1' }], restart: { policy: 'on-failure', maxRetries: 3 },
      resources: { memory: '256m', cpus: 0.5 }, env: { TOKEN: secret('TOKEN'), MODE: 'prod' },
    });
  });
  const out = planToJson(planStack(d, observed(desired('shop', () => undefined)))) as { resources: { id: string; changes: Record<string, unknown>[] }[] };
  const api = out.resources.find((r) => r.id === 'container.api')!;
  const after = Object.fromEntries(api.changes.map((c) => [c.path, c.after]));
  assert.equal(after, {
    image: 'nginx:1.27',
    'env.MODE': 'prod',
    'env.TOKEN': '(sensitive)',
    ports: [{ containerPort: '80/tcp', hostIp: '127.0.0.1', hostPort: '8080' }],
    restart: { policy: 'on-failure', maxRetries: 3 },
    'resources.cpus': 0.5,
    'resources.memory': 268435456,
    networkMode: { type: 'bridge' },
  });
  assert.ok(api.changes.every((c) => c.before === null));
  assert.equal(api.changes.find((c) => c.path === 'env.TOKEN')!.sensitive, true);
  assert.not.match(JSON.stringify(out), /"digest"/, 'not even the keyed hash of a secret');
});

json('drift changes carry their source and note', () => {
  const out = planToJson(planStack(was, observed(was, stopped('web')))) as { resources: { id: string; changes: unknown[] }[] };
  assert.equal(out.resources.find((r) => r.id === 'container.web')!.changes, [
    { path: 'state', before: 'exited', after: 'running', forces_replacement: false, source: 'drift', note: 'stopped outside moor' },
  ]);
});

json('diagnostics and notes, with null for what a diagnostic does not have', () => {
  const out = planToJson(planStack(was, observed(was, foreign('container', 'web'))));
  const location = was.locations['container.web']!;
  assert.equal(out.diagnostics, [{
    severity: 'error',
    summary: 'a container named "shop-web" already exists on the engine and is not managed by stack "shop"; moor will not touch it',
    resource: 'container.web', field: null, file: location.file, line: location.line, column: location.column,
    detail: 'Rename the container in the stack, or remove or rename the existing one yourself.',
  }]);
  const destroy = planToJson(planStack(emptyStack('shop', was.file), observed(was), { mode: 'destroy' }));
  assert.is(destroy.mode, 'destroy');
  assert.equal(destroy.notes, ['volume shop-scratch is kept with its data (destroy --volumes removes it)']);
});

json('survives JSON unchanged (no undefined, no class instances)', () => {
  const out = planToJson(planStack(now, observed(was, stopped('web'))));
  assert.equal(JSON.parse(JSON.stringify(out)), out);
});

json('volumes of other providers: data_home on deletions, repair.restarts on repairs', () => {
  const d = desired('shop', ({ volume, container }) => {
    const site = volume('site', { provider: bind({ path: '/srv/site' }) });
    volume('cache', { provider: tmpfs() });
    container('web', { image: 'nginx:1.27', mounts: [{ volume: site, target: '/site' }] });
    container('api', { image: 'nginx:1.27', mounts: [{ volume: site, target: '/site' }] });
  });
  type Entry = { id: string; data_home?: string; data_loss: boolean; repair?: unknown };
  const entry = (out: Record<string, unknown>, id: string) => (out.resources as Entry[]).find((r) => r.id === id)!;
  const repaired = planToJson(planStack(d, observed(d, volumeHealth('site', { ok: false, reason: 'gone' }))));
  assert.equal(entry(repaired, 'volume.site').repair, { restarts: ['shop-api', 'shop-web'] });
  assert.not.ok('data_home' in entry(repaired, 'volume.site'));
  const dropped = planToJson(planStack({ ...d, volumes: d.volumes.filter((v) => v.name === 'site') }, observed(d)));
  assert.equal([entry(dropped, 'volume.cache').data_home, entry(dropped, 'volume.cache').data_loss], ['memory', false]);
  assert.not.ok('repair' in entry(dropped, 'volume.cache'));
});

json.run();
