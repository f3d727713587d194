/**
 * The applier's container operations when the engine fails half-way (core/apply/container.ts),
 * against the fake engine: the exact requests made, what is left on the engine, and what the
 * next plan does with it (it converges: a plan after it is empty).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ReplaceOrder } from '../../../core/model/lifecycle.js';
import { desired } from '../../fixtures/builders.js';
import { applyOn, nextPlanConverges, planOn } from '../../fixtures/fake-apply.js';
import { startFakeEngine, type FakeEngine } from '../../fixtures/fake-engine.js';

interface Knobs {
  mode?: string;
  order?: ReplaceOrder;
  aliases?: string[];
  restart?: 'no' | 'always';
}

/** network backend · container db on it · container web on it (aliases), waiting for db started. */
function app(k: Knobs = {}) {
  return desired('shop', ({ network, container }) => {
    const backend = network('backend');
    const db = container('db', { image: 'busybox', networks: [backend] });
    container('web', {
      image: 'busybox',
      env: { MODE: k.mode ?? 'prod' },
      networks: [{ network: backend, aliases: k.aliases ?? ['www'] }],
      restart: k.restart ?? 'always',
      dependsOn: [{ container: db, condition: 'started' }],
      ...(k.order ? { replaceOrder: k.order } : {}),
    });
  });
}

/** A fake engine where app() was applied. */
async function applied(): Promise<FakeEngine> {
  const engine = await startFakeEngine();
  engine.addImage('busybox');
  const first = await applyOn(engine, app());
  assert.ok(first.result.ok, first.summary);
  return engine;
}

const envOf = (engine: FakeEngine, name: string) => (engine.container(name)?.config.Env as string[] | undefined) ?? [];

const replace = suite('apply: a container replaced new-first, failing half-way');

replace('setting the old container aside fails: it runs again under its name, the new one is removed; nothing changed', async () => {
  const engine = await applied();
  try {
    const oldId = engine.container('shop-web')!.Id;
    engine.fail(/^POST \/containers\/[0-9a-f]+\/rename$/, { status: 500, message: 'rename failed: device busy' });
    const a = await applyOn(engine, app({ mode: 'dev' }));
    assert.equal(a.writes, [
      'POST /containers/shop-web.moor-next/stop?t=0', // a leftover of an interrupted run: none (404)
      'POST /containers/create?name=shop-web.moor-next',
      'POST /containers/{shop-web}/stop?t=10',
      'POST /containers/{shop-web}/rename?name=shop-web.moor-old',
      'POST /containers/{shop-web.moor-next}/stop?t=0',
      'DELETE /containers/{shop-web.moor-next}?force=true',
      'POST /containers/{shop-web}/rename?name=shop-web',
      'POST /containers/{shop-web}/start',
    ]);
    assert.match(engine.named(a.summary), /failed: {2}container\.web \(replace\): POST \/containers\/\{shop-web\}\/rename: engine answered 500: rename failed: device busy \(the old container was started again: nothing changed\)/);
    assert.equal(engine.containerStates(), ['shop-db running', 'shop-web running'], 'the service is not left down');
    assert.is(engine.container('shop-web')!.Id, oldId);
    const { next, after } = await nextPlanConverges(engine, app({ mode: 'dev' }));
    assert.equal(next, ['container.web replace']);
    assert.equal(after, []);
    assert.ok(envOf(engine, 'shop-web').includes('MODE=dev'));
  } finally {
    await engine.close();
  }
});

replace('renaming the new container fails: the old one gets its name back and runs; the next plan replaces it', async () => {
  const engine = await applied();
  try {
    engine.fail(/^POST \/containers\/[0-9a-f]+\/rename$/, { status: 500, message: 'rename failed: device busy' }, { nth: 2 });
    const a = await applyOn(engine, app({ mode: 'dev' }));
    assert.not.ok(a.result.ok);
    assert.match(a.summary, /the old container was started again: nothing changed/);
    assert.equal(engine.containerStates(), ['shop-db running', 'shop-web running']);
    assert.ok(envOf(engine, 'shop-web').includes('MODE=prod'));
    const { next, after } = await nextPlanConverges(engine, app({ mode: 'dev' }));
    assert.equal([next, after], [['container.web replace'], []]);
  } finally {
    await engine.close();
  }
});

replace('the answer to setting the old one aside is lost (the engine did it): the old one still runs under its name again', async () => {
  const engine = await applied();
  try {
    engine.fail(/^POST \/containers\/[0-9a-f]+\/rename$/, { close: true }, { after: true });
    const a = await applyOn(engine, app({ mode: 'dev' }));
    assert.not.ok(a.result.ok);
    assert.equal(engine.containerStates(), ['shop-db running', 'shop-web running']);
    const { next, after } = await nextPlanConverges(engine, app({ mode: 'dev' }));
    assert.equal([next, after], [['container.web replace'], []]);
  } finally {
    await engine.close();
  }
});

replace('the new container cannot start (a host port held elsewhere): the old one is brought back, running, and the step says so', async () => {
  const engine = await applied();
  try {
    const oldId = engine.container('shop-web')!.Id;
    engine.fail((r) => r.line.startsWith('POST /containers/') && r.line.endsWith('/start') && !r.path.includes(oldId), { status: 500, message: 'driver failed programming external connectivity: Bind for 0.0.0.0:8080 failed: port is already allocated' });
    const a = await applyOn(engine, app({ mode: 'dev' }));
    assert.not.ok(a.result.ok);
    assert.match(a.summary, /the old container was started again: nothing changed/);
    assert.equal(engine.containerStates(), ['shop-db running', 'shop-web running']);
    assert.is(engine.container('shop-web')!.Id, oldId);
  } finally {
    await engine.close();
  }
});

replace('creating the new container fails: the old one is untouched and keeps running', async () => {
  const engine = await applied();
  try {
    const oldId = engine.container('shop-web')!.Id;
    engine.fail((r) => r.path === '/containers/create' && r.query.name === 'shop-web.moor-next', { status: 500, message: 'no space left on device' });
    const a = await applyOn(engine, app({ mode: 'dev' }));
    assert.equal(a.writes, ['POST /containers/shop-web.moor-next/stop?t=0', 'POST /containers/create?name=shop-web.moor-next']);
    assert.equal(engine.containerStates(), ['shop-db running', 'shop-web running']);
    assert.is(engine.container('shop-web')!.Id, oldId);
    const { next, after } = await nextPlanConverges(engine, app({ mode: 'dev' }));
    assert.equal([next, after], [['container.web replace'], []]);
  } finally {
    await engine.close();
  }
});

replace('an old container that was not running comes back as it was, not started, when the new one cannot start', async () => {
  const engine = await applied();
  try {
    const old = engine.container('shop-web')!;
    old.state = 'exited'; // stopped by hand, or a completed runOnce job
    old.exitCode = 0;
    engine.fail((r) => r.line.startsWith('POST /containers/') && r.line.endsWith('/start') && !r.path.includes(old.Id), { status: 500, message: 'error mounting: no such device' });
    const a = await applyOn(engine, app({ mode: 'dev' }));
    assert.not.ok(a.result.ok);
    assert.match(a.summary, /the old container is back: nothing changed/);
    assert.is(engine.container('shop-web')!.Id, old.Id);
    assert.is(engine.container('shop-web')!.state, 'exited', 'not started: it was not running');
    assert.not.ok(engine.calls({ writes: true }).includes(`POST /containers/${old.Id}/start`));
  } finally {
    await engine.close();
  }
});

replace('a leftover -next container from an interrupted run is removed before the new one is created', async () => {
  const engine = await applied();
  try {
    // Last time stopping the old one failed, and so did removing the new one: the leftover waits under the -next name.
    const oldId = engine.container('shop-web')!.Id;
    engine.fail(`POST /containers/${oldId}/stop`, { status: 500, message: 'boom' });
    engine.fail(/^DELETE \/containers\//, { status: 500, message: 'boom' });
    await applyOn(engine, app({ mode: 'dev' }));
    assert.equal(engine.containerStates(), ['shop-db running', 'shop-web running', 'shop-web.moor-next created']);
    // This time the stack changed again before the next apply: the leftover must go, the container be created from the new spec.
    const { next, after } = await nextPlanConverges(engine, app({ mode: 'test' }));
    assert.is(next.length, 2);
    assert.equal(after, []);
    assert.equal(engine.containerStates(), ['shop-db running', 'shop-web running']);
    assert.ok(envOf(engine, 'shop-web').includes('MODE=test'));
  } finally {
    await engine.close();
  }
});

replace.run();

const deleteFirst = suite('apply: a container replaced old-first (replaceOrder: delete-before-create)');

deleteFirst('creating the new container fails: the old one is already gone; the summary says so and the next plan creates it', async () => {
  const engine = await applied();
  try {
    engine.fail((r) => r.path === '/containers/create' && r.query.name === 'shop-web', { status: 400, message: 'invalid mount config' });
    const a = await applyOn(engine, app({ mode: 'dev', order: 'delete-before-create' }));
    assert.equal(a.writes, [
      'POST /containers/{shop-web}/stop?t=10',
      'DELETE /containers/{shop-web}?force=true',
      'POST /containers/create?name=shop-web',
    ]);
    assert.is(a.summary, [
      'Apply incomplete: 0 created, 0 updated, 0 replaced, 0 removed; 1 failed, 0 not attempted.',
      '  failed:  container.web (create): POST /containers/create: engine answered 400: invalid mount config',
      'Running the same command again would fail the same way: fix what the failures above name (the stack, or what is in its way on the engine), then apply again.',
    ].join('\n'));
    assert.equal(a.result.steps.map((s) => `${s.id} ${s.outcome.status}`), ['container.web:destroy done', 'container.web:create failed']);
    assert.equal(engine.containerStates(), ['shop-db running']);
    const { next, after } = await nextPlanConverges(engine, app({ mode: 'dev', order: 'delete-before-create' }));
    assert.equal([next, after], [['container.web create'], []]);
  } finally {
    await engine.close();
  }
});

deleteFirst('stopping the old container fails: nothing is created, the old one keeps running', async () => {
  const engine = await applied();
  try {
    engine.fail(/^POST \/containers\/[0-9a-f]+\/stop$/, { status: 500, message: 'cannot stop container: permission denied' });
    const a = await applyOn(engine, app({ mode: 'dev', order: 'delete-before-create' }));
    assert.equal(a.writes, ['POST /containers/{shop-web}/stop?t=10']);
    assert.equal(a.result.steps.map((s) => `${s.id} ${s.outcome.status}`), ['container.web:destroy failed', 'container.web:create skipped']);
    assert.equal(engine.containerStates(), ['shop-db running', 'shop-web running']);
    assert.ok(envOf(engine, 'shop-web').includes('MODE=prod'));
  } finally {
    await engine.close();
  }
});

deleteFirst.run();

const update = suite('apply: a container updated live, failing half-way');

update('new aliases: the connect fails after the disconnect; the container is off the network until the next plan connects it', async () => {
  const engine = await applied();
  try {
    engine.fail('POST /networks/shop-backend/connect', { status: 500, message: 'could not allocate endpoint' });
    const a = await applyOn(engine, app({ aliases: ['www', 'api'] }));
    assert.equal(a.writes, ['POST /networks/shop-backend/disconnect', 'POST /networks/shop-backend/connect']);
    assert.equal(engine.requests.at(-1)!.body, { Container: engine.container('shop-web')!.Id, EndpointConfig: { Aliases: ['web', 'api', 'www'] } });
    assert.equal([...engine.container('shop-web')!.networks.keys()], []);
    assert.equal(engine.containerStates(), ['shop-db running', 'shop-web running']);
    // The ledger records only what succeeded: nothing.
    assert.equal(engine.volumeNames(), []);

    const { next, after } = await nextPlanConverges(engine, app({ aliases: ['www', 'api'] }));
    assert.equal([next, after], [['container.web update'], []]);
    assert.equal(engine.container('shop-web')!.networks.get('shop-backend')?.Aliases, ['web', 'api', 'www']);
    assert.equal(engine.volumeNames(), ['shop.moor-live.1']);
  } finally {
    await engine.close();
  }
});

update('the restart policy update fails: nothing is connected or recorded, and the next plan updates it again', async () => {
  const engine = await applied();
  try {
    engine.fail(/^POST \/containers\/[0-9a-f]+\/update$/, { status: 500, message: 'cgroup update failed' });
    const a = await applyOn(engine, app({ restart: 'no', aliases: ['www', 'api'] }));
    assert.equal(a.writes, ['POST /containers/{shop-web}/update']);
    assert.equal(engine.container('shop-web')!.restart, { Name: 'always', MaximumRetryCount: 0 });
    assert.equal(engine.volumeNames(), []);
    const { next, after } = await nextPlanConverges(engine, app({ restart: 'no', aliases: ['www', 'api'] }));
    assert.equal([next, after], [['container.web update'], []]);
    assert.equal(engine.container('shop-web')!.restart, { Name: 'no', MaximumRetryCount: 0 });
  } finally {
    await engine.close();
  }
});

update.run();

