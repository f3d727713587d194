/**
 * Rolling replacement of replicas when the engine fails half-way (core/apply/container.ts), on
 * the fake engine: the replicas not replaced yet keep running the old version, the summary says so,
 * and the next apply finishes the rollout.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { desired } from '../../fixtures/builders.js';
import { applyOn, nextPlanConverges } from '../../fixtures/fake-apply.js';
import { startFakeEngine } from '../../fixtures/fake-engine.js';

const app = (mode: string, replicas = 3) => desired('shop', ({ network, container }) => {
  const backend = network('backend');
  container('worker', { image: 'busybox', env: { MODE: mode }, networks: [backend], replicas });
});

const rolling = suite('apply: rolling replacement of replicas, failing half-way');

rolling('the second new replica cannot start: replica 1 is new, replicas 2 and 3 keep running the old version, and the summary says so', async () => {
  const engine = await startFakeEngine();
  try {
    engine.addImage('busybox');
    const first = await applyOn(engine, app('a'));
    assert.ok(first.result.ok, first.summary);
    const old = [1, 2, 3].map((i) => engine.container(`shop-worker-${i}`)!.Id);
    assert.equal(old.length, 3);
    engine.fail((r) => r.line.startsWith('POST /containers/') && r.line.endsWith('/start') && !old.some((id) => r.path.includes(id)), { status: 500, message: 'error mounting: no such device' }, { nth: 2 });
    const a = await applyOn(engine, app('b'));
    assert.not.ok(a.result.ok);
    assert.match(a.summary, /container\.worker#2 \(replace\).*no such device.*the old container was started again: nothing changed; replica 2 of 3: the replicas not replaced yet keep running the old version/);
    assert.match(a.summary, /1 replaced/);
    assert.equal(a.result.steps.filter((s) => s.outcome.status !== 'done').map((s) => `${s.id} ${s.outcome.status}`), ['container.worker#2:replace failed', 'container.worker#3:replace skipped']);
    const now = [1, 2, 3].map((i) => engine.container(`shop-worker-${i}`)!);
    assert.is.not(now[0]!.Id, old[0]);
    assert.equal(now.slice(1).map((c) => [c.Id, c.state]), [[old[1], 'running'], [old[2], 'running']]);
    assert.ok(now.every((c) => c.state === 'running'), 'every replica runs');
    // The next apply finishes the rollout, and converges.
    const { next, after } = await nextPlanConverges(engine, app('b'));
    assert.equal(next, ['container.worker#2 replace', 'container.worker#3 replace']);
    assert.equal(after, []);
  } finally {
    await engine.close();
  }
});

rolling('scaling down removes the highest-numbered replicas only', async () => {
  const engine = await startFakeEngine();
  try {
    engine.addImage('busybox');
    assert.ok((await applyOn(engine, app('a', 4))).result.ok);
    const kept = [1, 2].map((i) => engine.container(`shop-worker-${i}`)!.Id);
    const { next, after } = await nextPlanConverges(engine, app('a', 2));
    assert.equal(next, ['container.worker#3 delete', 'container.worker#4 delete']);
    assert.equal(after, []);
    assert.equal([1, 2].map((i) => engine.container(`shop-worker-${i}`)?.Id), kept);
    assert.is(engine.container('shop-worker-3'), undefined);
  } finally {
    await engine.close();
  }
});

rolling.run();
