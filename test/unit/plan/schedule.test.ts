import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { topoSort, walk } from '../../../core/graph.js';
import { planStack } from '../../../core/plan/plan.js';
import { scheduleSteps, stepResource, type Step } from '../../../core/plan/schedule.js';
import type { Plan } from '../../../core/plan/types.js';
import { containerSpec, desired, leftoverNext, observed, observedState, shopStack, withContextHash } from '../../fixtures/builders.js';

/** `step <- deps` lines, in plan order. */
const edges = (steps: Step[]) => steps.map((s) => `${s.id} <- ${[...s.dependsOn].join(', ')}`);
/** Step ids in the one order a walk with concurrency 1 would run them. */
const runOrder = (plan: Plan) => topoSort(scheduleSteps(plan.nodes)).map((s) => s.id);

const app = (subnet?: string) => desired('shop', ({ network, container }) => {
  const backend = network('backend', subnet ? { subnet } : {});
  container('app', { image: 'busybox', networks: [backend] });
});

const schedule = suite('scheduleSteps');

schedule('noops have no steps', () => {
  const d = shopStack();
  assert.equal(scheduleSteps(planStack(d, observed(d)).nodes), []);
});

schedule('a network replacement: container destroy → network destroy → network create → container create', () => {
  const plan = planStack(app('10.77.0.0/24'), observed(app()));
  assert.equal(edges(scheduleSteps(plan.nodes)), [
    'network.backend:destroy <- container.app:destroy',
    'network.backend:create <- network.backend:destroy',
    'container.app:destroy <- ',
    'container.app:create <- network.backend:create, container.app:destroy',
  ]);
  assert.equal(runOrder(plan), ['container.app:destroy', 'network.backend:destroy', 'network.backend:create', 'container.app:create']);
});

schedule('a create-before-destroy replacement is one step, after the rebuilt image it runs', () => {
  const plan = planStack(withContextHash(shopStack(), 'tools', 'b'), observed(withContextHash(shopStack(), 'tools', 'a')));
  assert.equal(edges(scheduleSteps(plan.nodes)), [
    'image.tools:replace <- ',
    'container.web:replace <- image.tools:replace',
    'container.sidecar:replace <- container.web:replace, image.tools:replace',
  ]);
});

const fresh = () => desired('shop', ({ network, volume, container }) => {
  container('app', { image: 'moor-nonexistent.invalid/none:1', networks: [network('backend')], mounts: [{ volume: volume('data'), target: '/data' }] });
  container('side', { image: 'busybox' });
});

schedule('images first: every other step waits for every pull and build', () => {
  const plan = planStack(fresh(), observedState({ stack: 'shop' }));
  assert.equal(edges(scheduleSteps(plan.nodes)), [
    'image.busybox:create <- ',
    'image.moor-nonexistent.invalid/none:1:create <- ',
    'network.backend:create <- image.busybox:create, image.moor-nonexistent.invalid/none:1:create',
    'volume.data:create <- image.busybox:create, image.moor-nonexistent.invalid/none:1:create',
    'container.app:create <- image.moor-nonexistent.invalid/none:1:create, network.backend:create, volume.data:create, image.busybox:create',
    'container.side:create <- image.busybox:create, image.moor-nonexistent.invalid/none:1:create',
  ]);
});

schedule('a pull that fails skips every other step: nothing else is attempted', async () => {
  const steps = scheduleSteps(planStack(fresh(), observedState({ stack: 'shop' })).nodes);
  const ran: string[] = [];
  const outcomes = await walk(steps, 4, async (s) => {
    ran.push(s.id);
    if (s.id.startsWith('image.moor-nonexistent')) throw new Error('pull failed');
  });
  assert.equal(ran.sort(), ['image.busybox:create', 'image.moor-nonexistent.invalid/none:1:create']);
  for (const id of ['network.backend:create', 'volume.data:create', 'container.app:create', 'container.side:create']) {
    assert.equal(outcomes.get(id), { status: 'skipped', because: 'image.moor-nonexistent.invalid/none:1:create' }, id);
  }
});

schedule('the removal of an image no longer declared waits for the pulls too, and for its users to go', () => {
  const was = desired('shop', ({ image, container }) => {
    container('old', { image: image('tools', { build: { context: './tools' } }) });
  });
  const plan = planStack(desired('shop', ({ container }) => { container('new', { image: 'busybox' }); }), observed(was));
  assert.equal(edges(scheduleSteps(plan.nodes)).filter((e) => e.startsWith('image.tools')), ['image.tools:destroy <- container.old:destroy, image.busybox:create']);
});

schedule('an orphan network is deleted only after its container is', () => {
  const was = desired('shop', ({ network, container }) => {
    container('worker', { image: 'busybox', networks: [network('jobs')] });
  });
  const plan = planStack(desired('shop', () => {}), observed(was));
  assert.equal(edges(scheduleSteps(plan.nodes)), [
    'container.worker:destroy <- ',
    'network.jobs:destroy <- container.worker:destroy',
  ]);
});

schedule('an orphan volume is deleted only after its container is', () => {
  const was = desired('shop', ({ volume, container }) => {
    container('worker', { image: 'busybox', mounts: [{ volume: volume('data'), target: '/data' }] });
  });
  const plan = planStack(desired('shop', () => {}), observed(was));
  assert.equal(edges(scheduleSteps(plan.nodes)), [
    'container.worker:destroy <- ',
    'volume.data:destroy <- container.worker:destroy',
  ]);
});

schedule('a network left by a container that stays is deleted after the container\'s update disconnects it', () => {
  const was = desired('shop', ({ network, container }) => {
    container('app', { image: 'busybox', networks: [network('old'), network('new')] });
  });
  const now = desired('shop', ({ network, container }) => {
    container('app', { image: 'busybox', networks: [network('new')] });
  });
  const plan = planStack(now, observed(was));
  assert.equal(edges(scheduleSteps(plan.nodes)), [
    'container.app:update <- ',
    'network.old:destroy <- container.app:update',
  ]);
});

schedule('a container update that joins a new network waits for the network to be created', () => {
  const was = desired('shop', ({ network, container }) => {
    container('app', { image: 'busybox', networks: [network('old')] });
  });
  const now = desired('shop', ({ network, container }) => {
    container('app', { image: 'busybox', networks: [network('old'), network('new')] });
  });
  const plan = planStack(now, observed(was));
  assert.equal(edges(scheduleSteps(plan.nodes)), [
    'network.new:create <- ',
    'container.app:update <- network.new:create',
  ]);
});

schedule('a leftover .moor-next container is removed before a create-before-destroy replacement reuses its name', () => {
  // Both steps remove the same engine container (the delete by id, the replacement by the name
  // <stack>-web.moor-next before creating its own): unordered, they race on one removal.
  const d = shopStack({ webEnv: { MODE: 'dev' } });
  const o = observed(shopStack(), leftoverNext('web', containerSpec(d, 'web')));
  const steps = scheduleSteps(planStack(d, o).nodes);
  const leftover = steps.find((s) => s.node.engineName === 'shop-web.moor-next')!;
  const replace = steps.find((s) => s.id === 'container.web:replace')!;
  assert.ok(leftover, 'a step deletes the leftover');
  assert.ok(replace.dependsOn.includes(leftover.id), `container.web:replace <- ${replace.dependsOn.join(', ')}`);
});

schedule.run();

const resource = suite('stepResource');

resource('strips the phase, even from image references with a tag', () => {
  assert.is(stepResource('container.web:replace'), 'container.web');
  assert.is(stepResource('image.busybox:latest:create'), 'image.busybox:latest');
  assert.is(stepResource('network.backend:destroy'), 'network.backend');
});

resource.run();
