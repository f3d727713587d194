/**
 * Applying to adopted containers (model/adoption.ts) on the fake engine: a replacement that cannot
 * finish gives the adopted container back its own name, and the record keeps it; one that
 * finishes drops its entry, and the plans after converge.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { adoptionEntries, recordAdoption } from '../../../core/import/adopt/adopt.js';
import type { MappedStack } from '../../../core/import/adopt/map.js';
import { readAdoption } from '../../../core/model/adoption.js';
import { actions, desired } from '../../fixtures/builders.js';
import { applyOn, nextPlanConverges, planOn } from '../../fixtures/fake-apply.js';
import { startFakeEngine, type FakeEngine } from '../../fixtures/fake-engine.js';

function app(mode = 'prod') {
  return desired('shop', ({ network, container }) => {
    const backend = network('backend');
    container('web', { image: 'busybox', env: { MODE: mode }, networks: [{ network: backend, aliases: ['www'] }], restart: 'always' });
  });
}

/** As docker-compose left it (compose names, no moor labels), then adopted as `moor import` does. */
async function adopted(): Promise<FakeEngine> {
  const engine = await startFakeEngine();
  engine.addImage('busybox');
  const c = engine.client;
  const net = await c.request<{ Id: string }>('POST', '/networks/create', { body: { Name: 'shop_backend', Labels: { 'com.docker.compose.project': 'shop' } } });
  const web = await c.request<{ Id: string }>('POST', '/containers/create', {
    query: { name: 'shop_web_1' },
    body: {
      Image: 'busybox', Env: ['MODE=prod'], Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' },
      HostConfig: { NetworkMode: 'shop_backend', RestartPolicy: { Name: 'always', MaximumRetryCount: 0 } },
      NetworkingConfig: { EndpointsConfig: { shop_backend: { Aliases: ['web', 'www'] } } },
    },
  });
  await c.request('POST', `/containers/${web.Id}/start`);
  const mapped = { targets: [
    { kind: 'network', resource: 'backend', id: net.Id, engineName: 'shop_backend' },
    { kind: 'container', resource: 'web', id: web.Id, engineName: 'shop_web_1' },
  ] } as MappedStack;
  await recordAdoption(c, 'shop', adoptionEntries(mapped, app(), '2026-12-06T00:00:00Z'));
  return engine;
}

const record = async (engine: FakeEngine) => readAdoption([...engine.volumes.values()].map((v) => ({ Name: v.Name, Labels: v.Labels })));

const apply = suite('apply to adopted containers');

apply('right after adoption the plan is empty', async () => {
  const engine = await adopted();
  try {
    assert.equal(actions(await planOn(engine, app())).filter((a) => !a.endsWith('noop')), []);
  } finally {
    await engine.close();
  }
});

apply('a replacement that cannot rename the new container gives the adopted one its own name back; the record keeps it', async () => {
  const engine = await adopted();
  try {
    const oldId = engine.container('shop_web_1')!.Id;
    engine.fail(/^POST \/containers\/[0-9a-f]+\/rename$/, { status: 500, message: 'rename failed: device busy' }, { nth: 2 });
    const a = await applyOn(engine, app('dev'));
    assert.not.ok(a.result.ok);
    assert.ok(a.writes.some((w) => w.endsWith('/rename?name=shop_web_1')), a.writes.join('\n'));
    assert.is(engine.container('shop_web_1')?.Id, oldId);
    assert.equal(engine.containerStates(), ['shop_web_1 running']);
    assert.equal((await record(engine)).entries.map((e) => `${e.kind}.${e.resource}`), ['container.web', 'network.backend']);
    const { next, after } = await nextPlanConverges(engine, app('dev'));
    assert.equal([next, after], [['container.web replace'], []]);
    assert.equal(engine.containerStates(), ['shop-web running']);
    assert.equal((await record(engine)).entries.map((e) => `${e.kind}.${e.resource}`), ['network.backend'], 'the replaced container left the record');
  } finally {
    await engine.close();
  }
});

apply.run();
