import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planStack } from '../../../core/plan/plan.js';
import { scheduleSteps } from '../../../core/plan/schedule.js';
import type { ObservedState } from '../../../core/observe/types.js';
import { emptyStack } from '../../../core/model/spec.js';
import { planToJson } from '../../../core/render/plan-json.js';
import { resourceStatuses } from '../../../core/plan/resource-status.js';
import { knownResourceIds, resolveResourceNames } from '../../../core/cli/resource-names.js';
import { actions, desired, nodeOf, observed, planText } from '../../fixtures/builders.js';

interface Knobs { replicas?: number; mode?: string; health?: boolean }

/** A worker (pulled image, one network, a shared volume) and a web that depends on it. */
function app(k: Knobs = {}) {
  return desired('app', ({ network, volume, container }) => {
    const img = 'busybox:1.36';
    const net = network('back');
    const data = volume('data');
    const worker = container('worker', {
      image: img, networks: [net], env: { MODE: k.mode ?? 'a' }, mounts: [{ volume: data, target: '/data' }],
      ...(k.replicas !== undefined ? { replicas: k.replicas } : {}),
      ...(k.health ? { healthcheck: { test: 'true', interval: '1s' } } : {}),
    });
    container('web', { image: img, networks: [net], dependsOn: [worker] });
  });
}

const byName = (s: ObservedState, name: string) => s.containers.find((c) => c.name === name)!;
const without = (name: string) => (s: ObservedState): ObservedState => ({ ...s, containers: s.containers.filter((c) => c.name !== name) });
const stoppedNamed = (name: string) => (s: ObservedState): ObservedState => ({ ...s, containers: s.containers.map((c) => (c.name === name ? { ...c, state: 'exited', exitCode: 137 } : c)) });

const scale = suite('replicas: scaling');

scale('replicas: 1 (the default) keeps one node container.worker named app-worker: nothing changes for existing stacks', () => {
  const d = app();
  assert.is(d.containers.find((c) => c.name === 'worker')!.replicas, undefined);
  assert.equal(actions(planStack(d, observed(d))), []);
  assert.is(nodeOf(planStack(d, observed(d)), 'container.worker').engineName, 'app-worker');
});

scale('3 replicas from nothing: three nodes, named -1..3, and the shared volume is a note', () => {
  const d = app({ replicas: 3 });
  const plan = planStack(d, observed(app({ replicas: 3 }), without('app-worker-1'), without('app-worker-2'), without('app-worker-3')));
  assert.equal(actions(plan), ['container.worker#1 create', 'container.worker#2 create', 'container.worker#3 create']);
  assert.equal(plan.nodes.filter((n) => n.kind === 'container' && n.name === 'worker').map((n) => n.engineName), ['app-worker-1', 'app-worker-2', 'app-worker-3']);
  assert.ok(plan.notes.some((n) => n.includes('container.worker: its 3 replicas share volume data')), plan.notes.join('\n'));
});

scale('web waits for all replicas: waitFor names each, the schedule orders it after each', () => {
  const d = app({ replicas: 3 });
  const plan = planStack(d, observed(app(), (s) => ({ ...s, containers: s.containers.filter((c) => c.resource !== 'worker') })));
  const web = nodeOf(plan, 'container.web');
  assert.is(web.action, 'noop');
  const fresh = planStack(d, { ...observed(d), containers: [] });
  const op = nodeOf(fresh, 'container.web').op;
  assert.ok(op.type === 'container.create');
  if (op.type === 'container.create') assert.equal(op.waitFor.map((w) => w.container), ['app-worker-1', 'app-worker-2', 'app-worker-3']);
  const steps = scheduleSteps(fresh.nodes);
  const webStep = steps.find((s) => s.id === 'container.web:create')!;
  for (const i of [1, 2, 3]) assert.ok(webStep.dependsOn.includes(`container.worker#${i}:create`), webStep.dependsOn.join(', '));
});

scale('3 → 5 creates only #4 and #5, saying so; 5 → 2 deletes only #3..#5', () => {
  const up = planStack(app({ replicas: 5 }), observed(app({ replicas: 3 })));
  assert.equal(actions(up), ['container.worker#4 create', 'container.worker#5 create']);
  assert.equal(nodeOf(up, 'container.worker#4').causes, ['scaled up (3 → 5 replicas)']);
  const down = planStack(app({ replicas: 2 }), observed(app({ replicas: 5 })));
  assert.equal(actions(down), ['container.worker#3 delete', 'container.worker#4 delete', 'container.worker#5 delete']);
  assert.equal(nodeOf(down, 'container.worker#5').causes, ['scaled down (5 → 2 replicas)']);
  assert.is(nodeOf(down, 'container.worker#5').engineName, 'app-worker-5');
  assert.equal(planText(down).split('\n').slice(0, 4), [
    '  ~   container worker  (5 → 2 replicas)',
    '  -   container worker#3 (app-worker-3)  (scaled down (5 → 2 replicas))',
    '  -   container worker#4 (app-worker-4)  (scaled down (5 → 2 replicas))',
    '  -   container worker#5 (app-worker-5)  (scaled down (5 → 2 replicas))',
  ]);
});

scale('1 → 3 renames the running app-worker to app-worker-1 live (no recreation), then creates -2 and -3', () => {
  const o = observed(app());
  const plan = planStack(app({ replicas: 3 }), o);
  assert.equal(actions(plan), ['container.worker#1 update', 'container.worker#2 create', 'container.worker#3 create']);
  const one = nodeOf(plan, 'container.worker#1');
  assert.equal(one.changes, [{ path: 'name', before: 'app-worker', after: 'app-worker-1', forcesReplacement: false, source: 'change', note: 'named for 3 replicas' }]);
  assert.ok(one.op.type === 'container.update' && one.op.id === byName(o, 'app-worker').id && one.op.rename === 'app-worker-1');
});

scale('3 → 1 keeps app-worker-1 (renamed back to app-worker) and deletes -2 and -3', () => {
  const o = observed(app({ replicas: 3 }));
  const plan = planStack(app(), o);
  assert.equal(actions(plan), ['container.worker update', 'container.worker#2 delete', 'container.worker#3 delete']);
  const w = nodeOf(plan, 'container.worker');
  assert.ok(w.op.type === 'container.update' && w.op.id === byName(o, 'app-worker-1').id && w.op.rename === 'app-worker');
});

scale.run();

const rolling = suite('replicas: rolling replacement and drift');

rolling('an env change replaces the replicas one at a time: each waits for the one before', () => {
  const plan = planStack(app({ replicas: 3, mode: 'b' }), observed(app({ replicas: 3 })));
  assert.equal(actions(plan), ['container.worker#1 replace', 'container.worker#2 replace', 'container.worker#3 replace', 'container.web replace'].filter((a) => plan.nodes.some((n) => `${n.id} ${n.action}` === a)));
  assert.ok(nodeOf(plan, 'container.worker#2').dependsOn.includes('container.worker#1'));
  assert.ok(nodeOf(plan, 'container.worker#3').dependsOn.includes('container.worker#2'));
  const op = nodeOf(plan, 'container.worker#2').op;
  assert.ok(op.type === 'container.replace' && op.replica === 2 && op.order === 'create-before-destroy');
  const steps = scheduleSteps(plan.nodes);
  assert.ok(steps.find((s) => s.id === 'container.worker#3:replace')!.dependsOn.includes('container.worker#2:replace'));
});

rolling('one replica stopped by hand: the plan names that replica, and only it is started', () => {
  const plan = planStack(app({ replicas: 3 }), observed(app({ replicas: 3 }), stoppedNamed('app-worker-2')));
  assert.equal(actions(plan), ['container.worker#2 update']);
  const n = nodeOf(plan, 'container.worker#2');
  assert.ok(n.op.type === 'container.update' && n.op.start && n.op.replica === 2);
});

rolling('after 5 → 2, the labels of the replicas left still say 5: a later plan says 2 replicas, not 5 → 2', () => {
  const o = observed(app({ replicas: 5 }), without('app-worker-3'), without('app-worker-4'), without('app-worker-5'), stoppedNamed('app-worker-2'));
  const plan = planStack(app({ replicas: 2 }), o);
  assert.equal(actions(plan), ['container.worker#2 update']);
  assert.equal(planText(plan).split('\n')[0], '  ~   container worker  (2 replicas)');
});

rolling('one replica removed by hand: only it is created again', () => {
  const plan = planStack(app({ replicas: 3 }), observed(app({ replicas: 3 }), without('app-worker-3')));
  assert.equal(actions(plan), ['container.worker#3 create']);
  assert.equal(nodeOf(plan, 'container.worker#3').causes, ['not on the engine']);
});

rolling('--target container.worker takes every replica', () => {
  const plan = planStack(app({ replicas: 3, mode: 'b' }), observed(app({ replicas: 3 })), { mode: 'apply', targets: ['container.worker'] });
  assert.equal(plan.nodes.filter((n) => n.name === 'worker').map((n) => n.id), ['container.worker#1', 'container.worker#2', 'container.worker#3']);
});

rolling('ps: a container with replicas is one row with every replica, and the replica that drifted named', () => {
  const d = app({ replicas: 3 });
  const o = observed(d, stoppedNamed('app-worker-2'));
  const rows = resourceStatuses(planStack(d, o), o).filter((r) => r.kind === 'container');
  const worker = rows.find((r) => r.name === 'worker')!;
  assert.equal(rows.map((r) => r.id), ['container.web', 'container.worker']);
  assert.equal(worker.objects.map((x) => x.name), ['app-worker-1', 'app-worker-2', 'app-worker-3']);
  assert.equal([worker.sync, worker.causes], ['drifted', ['#2: state: stopped outside moor']]);
});

rolling('--replace worker#2 replaces that replica only', () => {
  const d = app({ replicas: 3 });
  const o = observed(d);
  const ids = resolveResourceNames('replace', ['worker#2'], knownResourceIds(d, o));
  assert.equal(ids, ['container.worker#2']);
  assert.equal(actions(planStack(d, o, { mode: 'apply', replace: ids })), ['container.worker#2 replace']);
});

rolling('destroy removes every replica, one node each', () => {
  const d = app({ replicas: 3 });
  const plan = planStack(emptyStack('app', d.file), observed(d), { mode: 'destroy' });
  assert.equal(actions(plan).filter((a) => a.includes('worker')), ['container.worker#1 delete', 'container.worker#2 delete', 'container.worker#3 delete']);
  assert.equal(plan.nodes.filter((n) => n.name === 'worker').map((n) => n.engineName), ['app-worker-1', 'app-worker-2', 'app-worker-3']);
});

rolling('plan JSON: each replica node names its resource, its index and the counts', () => {
  const json = planToJson(planStack(app({ replicas: 4 }), observed(app({ replicas: 3 })))) as { resources: Record<string, unknown>[] };
  const four = json.resources.find((r) => r.id === 'container.worker#4')!;
  assert.equal([four.resource, four.replica, four.replicas, four.engine_name, four.action], ['container.worker', 4, { before: 3, after: 4 }, 'app-worker-4', 'create']);
});

rolling.run();
