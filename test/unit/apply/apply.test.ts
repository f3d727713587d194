/**
 * applyPlan's walk when steps fail (core/apply/apply.ts, core/graph.ts), against the fake engine:
 * a failed step skips only what depends on it, the summary names both, the rest is applied; image
 * pulls and network creation failing; the ledger of live updates (core/apply/ledger.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readLedger } from '../../../core/model/ledger.js';
import { desired } from '../../fixtures/builders.js';
import { applyOn, nextPlanConverges } from '../../fixtures/fake-apply.js';
import { startFakeEngine, withFakeEngine, type FakeEngine } from '../../fixtures/fake-engine.js';

/** networks front, back · db on back · api on back, needs db · web on front (redis:7 when asked). */
function app(k: { webImage?: string; restart?: 'no' | 'always'; memory?: string } = {}) {
  return desired('shop', ({ network, container }) => {
    const front = network('front');
    const back = network('back');
    const db = container('db', { image: 'busybox', networks: [back] });
    container('api', { image: 'busybox', networks: [back], dependsOn: [{ container: db, condition: 'started' }] });
    container('web', { image: k.webImage ?? 'busybox', networks: [front], restart: k.restart ?? 'always', ...(k.memory ? { resources: { memory: k.memory } } : {}) });
  });
}

const outcomes = (a: { result: { steps: { id: string; outcome: { status: string } }[] } }) => a.result.steps.map((s) => `${s.id} ${s.outcome.status}`).sort();

const walk = suite('apply: a failed step skips only what depends on it');

walk('network back cannot be created: db and api (through db) are skipped once, naming it; front and web are applied', () => withFakeEngine(async (engine) => {
  engine.addImage('busybox');
  engine.fail((r) => r.path === '/networks/create' && (r.body as { Name: string }).Name === 'shop-back', { status: 500, message: 'could not find an available, non-overlapping IPv4 address pool' });
  const a = await applyOn(engine, app());
  assert.equal(outcomes(a), [
    'container.api:create skipped', 'container.db:create skipped', 'container.web:create done', 'network.back:create failed', 'network.front:create done',
  ]);
  const api = a.result.steps.find((s) => s.id === 'container.api:create')!;
  assert.equal(api.outcome, { status: 'skipped', because: 'network.back:create' });
  assert.is(a.summary, [
    'Apply incomplete: 2 created, 0 updated, 0 replaced, 0 removed; 1 failed, 2 not attempted.',
    '  failed:  network.back (create): POST /networks/create: engine answered 500: could not find an available, non-overlapping IPv4 address pool',
    '  skipped: container.db (create), because network.back failed',
    '  skipped: container.api (create), because network.back failed',
    'Running the same command again would fail the same way: fix what the failures above name (the stack, or what is in its way on the engine), then apply again.',
  ].join('\n'));
  // Nothing was even tried for the skipped containers.
  assert.equal(engine.calls({ match: /containers\/create/ }), ['POST /containers/create?name=shop-web']);
  assert.equal(engine.containerStates(), ['shop-web running']);
  const { next, after } = await nextPlanConverges(engine, app());
  assert.equal([next, after], [['network.back create', 'container.db create', 'container.api create'], []]);
}));

walk('a container that does not start: what waits for it is skipped, the others are not', () => withFakeEngine(async (engine) => {
  engine.addImage('busybox');
  engine.fail((r) => r.path.endsWith('/start') && engine.container(r.path.split('/')[2]!)?.name === 'shop-db', { status: 500, message: 'OCI runtime create failed' });
  const a = await applyOn(engine, app());
  assert.equal(outcomes(a), [
    'container.api:create skipped', 'container.db:create failed', 'container.web:create done', 'network.back:create done', 'network.front:create done',
  ]);
  assert.match(a.summary, /failed: {2}container\.db \(create\): POST \/containers\/[0-9a-f]+\/start: engine answered 500: OCI runtime create failed\n {2}skipped: container\.api \(create\), because container\.db failed\n/);
  assert.equal(engine.containerStates(), ['shop-db created', 'shop-web running']);
  const { next, after } = await nextPlanConverges(engine, app());
  assert.equal([next, after], [['container.db update', 'container.api create'], []]);
}));

walk.run();

const images = suite('apply: images');

images('an image that cannot be pulled: the step says why; pulls run first, so nothing else is created', () => withFakeEngine(async (engine) => {
  engine.addImage('busybox');
  const a = await applyOn(engine, app({ webImage: 'redis:7' }));
  assert.equal(engine.calls({ match: /images\/create/ }), ['POST /images/create?fromImage=redis&tag=7']);
  assert.match(a.summary, /\n {2}failed: {2}image\.redis:7 \(create\): image redis:7 is not on the engine and could not be pulled: pull access denied for redis, repository does not exist/);
  assert.match(a.summary, /\n {2}skipped: container\.web \(create\), because image\.redis:7 failed\n/);
  assert.match(a.summary, /\n {2}skipped: network\.back \(create\), because image\.redis:7 failed\n/);
  assert.match(a.summary, /\nNothing on the engine was changed\.\nRunning the same command again would fail the same way/);
  assert.equal(a.writes, ['POST /images/create?fromImage=redis&tag=7']);
  assert.equal(engine.containerStates(), []);
  // Once the registry has it, the next apply pulls it and creates everything.
  engine.registry.add('redis:7');
  const { next, after } = await nextPlanConverges(engine, app({ webImage: 'redis:7' }));
  assert.equal([next.length, after], [6, []]);
}));

images.run();

const ledger = suite('apply: the ledger of live updates');

async function applied(): Promise<FakeEngine> {
  const engine = await startFakeEngine();
  engine.addImage('busybox');
  assert.ok((await applyOn(engine, app())).result.ok);
  return engine;
}

const ledgerOf = (engine: FakeEngine) => readLedger([...engine.volumes.values()].map((v) => ({ Name: v.Name, Labels: v.Labels })));

ledger('each update writes a new generation, then removes the old one', async () => {
  const engine = await applied();
  try {
    const webId = engine.container('shop-web')!.Id;
    const first = await applyOn(engine, app({ restart: 'no' }));
    assert.equal(first.writes, ['POST /containers/{shop-web}/update', 'POST /volumes/create']);
    assert.equal(ledgerOf(engine).volumes, ['shop.moor-live.1']);
    const second = await applyOn(engine, app({ restart: 'no', memory: '64m' }));
    assert.equal(second.writes, ['POST /containers/{shop-web}/update', 'POST /volumes/create', 'DELETE /volumes/shop.moor-live.1']);
    const l = ledgerOf(engine);
    assert.equal([l.generation, l.volumes], [2, ['shop.moor-live.2']]);
    assert.equal(l.entries[webId]!.restart, { policy: 'no', maxRetries: 0 });
    assert.is(l.entries[webId]!.resources.memoryBytes, 64 * 2 ** 20);
  } finally {
    await engine.close();
  }
});

ledger('the old generation cannot be removed: the update step fails, the new generation holds its record; the stale one stays until the next record', async () => {
  const engine = await applied();
  try {
    const webId = engine.container('shop-web')!.Id;
    await applyOn(engine, app({ restart: 'no' }));
    engine.fail('DELETE /volumes/shop.moor-live.1', { status: 500, message: 'volume store is locked' });
    const a = await applyOn(engine, app({ restart: 'no', memory: '64m' }));
    assert.match(a.summary, /failed: {2}container\.web \(update\): DELETE \/volumes\/shop\.moor-live\.1: engine answered 500: volume store is locked/);
    assert.equal(engine.volumeNames(), ['shop.moor-live.1', 'shop.moor-live.2']);
    const l = ledgerOf(engine);
    assert.is(l.generation, 2);
    assert.is(l.entries[webId]!.resources.memoryBytes, 64 * 2 ** 20);
    const { next, after } = await nextPlanConverges(engine, app({ restart: 'no', memory: '64m' }));
    assert.equal([next, after], [[], []]);
  } finally {
    await engine.close();
  }
});

// Was a bug (core/apply/ledger.ts): when removing the old generation failed after the new one was
// created, the generation was not advanced and the next record of the same apply was lost.
ledger('two updates in one apply, the first cannot remove the old generation: the second record is still kept', async () => {
  const engine = await applied();
  try {
    await applyOn(engine, app({ restart: 'no' }));
    const [dbId, webId] = [engine.container('shop-db')!.Id, engine.container('shop-web')!.Id];
    engine.fail('DELETE /volumes/shop.moor-live.1', { status: 500, message: 'volume store is locked' });
    const d = app({ restart: 'always', memory: '64m' });
    const changed = { ...d, containers: d.containers.map((c) => (c.name === 'db' ? { ...c, restart: { policy: 'on-failure' as const, maxRetries: 3 } } : c)) };
    const a = await applyOn(engine, changed);
    assert.equal(a.result.steps.filter((s) => s.outcome.status === 'failed').length, 1);
    const l = ledgerOf(engine);
    assert.equal(l.entries[dbId]?.restart, { policy: 'on-failure', maxRetries: 3 });
    assert.is(l.entries[webId]?.resources.memoryBytes, 64 * 2 ** 20);
  } finally {
    await engine.close();
  }
});

ledger.run();
