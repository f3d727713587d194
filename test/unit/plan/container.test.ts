import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planStack } from '../../../core/plan/plan.js';
import {
  actions, connectedByHand, container, containerId, containerSpec, detached, inspected, labelledWith, leftoverNext, nodeOf,
  desired, observed, recorded, removed, shopStack, stopped,
} from '../../fixtures/builders.js';

const MiB = 1024 * 1024;

const webWaits = [{ container: 'shop-db', resource: 'db', condition: 'healthy' }];

const fixed = suite('planContainers: attributes fixed at creation');

fixed('an env change replaces the container, new one first, naming env.MODE', () => {
  const was = shopStack();
  const d = shopStack({ webEnv: { MODE: 'dev' } });
  const o = observed(was);
  const plan = planStack(d, o);
  const web = nodeOf(plan, 'container.web');
  assert.is(web.action, 'replace');
  assert.equal(web.causes, ['env.MODE changed']);
  assert.equal(web.changes, [{ path: 'env.MODE', before: 'prod', after: 'dev', forcesReplacement: true, source: 'change' }]);
  assert.equal(web.op, {
    type: 'container.replace', oldId: containerId(o, 'web'), container: containerSpec(d, 'web'), order: 'create-before-destroy', waitFor: webWaits,
  });
});

fixed('containers that share the replaced container\'s namespace or volumes are replaced with it', () => {
  const plan = planStack(shopStack({ webEnv: { MODE: 'dev' } }), observed(shopStack()));
  assert.equal(actions(plan), ['container.web replace', 'container.sidecar replace']);
  const sidecar = nodeOf(plan, 'container.sidecar');
  assert.equal(sidecar.causes, ['container web is replaced']);
  assert.equal(sidecar.changes, []);
});

fixed('env keys added and removed are changes of their own, null on the missing side', () => {
  const plan = planStack(shopStack({ webEnv: { LOG: 'debug' } }), observed(shopStack()));
  assert.equal(nodeOf(plan, 'container.web').changes, [
    { path: 'env.LOG', before: null, after: 'debug', forcesReplacement: true, source: 'change' },
    { path: 'env.MODE', before: 'prod', after: null, forcesReplacement: true, source: 'change' },
  ]);
});

fixed('labels moor cannot read force a replacement that says so', () => {
  const d = shopStack();
  const o = observed(d, container('jobs', (c) => ({ ...c, spec: undefined, labels: { 'moor.stack': 'shop', 'moor.kind': 'container', 'moor.name': 'jobs' } })));
  const jobs = nodeOf(planStack(d, o), 'container.jobs');
  assert.is(jobs.action, 'replace');
  assert.equal(jobs.causes, ['moor cannot read what it last applied to this container']);
});

fixed.run();

const live = suite('planContainers: restart policy and limits change live');

live('a restart policy change is an update whose op carries the new policy', () => {
  const d = shopStack({ webRestart: 'always' });
  const o = observed(shopStack(), inspected('web'));
  const web = nodeOf(planStack(d, o), 'container.web');
  const want = containerSpec(d, 'web');
  assert.is(web.action, 'update');
  assert.equal(web.causes, ['restart changed']);
  assert.equal(web.changes, [{ path: 'restart', before: { policy: 'unless-stopped', maxRetries: 0 }, after: { policy: 'always', maxRetries: 0 }, forcesReplacement: false, source: 'change' }]);
  assert.equal(web.op, {
    type: 'container.update', id: containerId(o, 'web'), container: want,
    restart: { policy: 'always', maxRetries: 0 },
    disconnect: [], connect: [], start: false, waitFor: webWaits,
    record: { restart: want.restart, resources: want.resources, aliases: { 'shop-backend': ['www'], 'shop-frontend': [] } },
  });
});

live('a restart policy changed by hand is drift, put back by an update', () => {
  const d = shopStack();
  const o = observed(d, inspected('web', { restart: { policy: 'no', maxRetries: 0 } }));
  const web = nodeOf(planStack(d, o), 'container.web');
  assert.is(web.action, 'update');
  assert.equal(web.changes, [{ path: 'restart', before: { policy: 'no', maxRetries: 0 }, after: { policy: 'unless-stopped', maxRetries: 0 }, forcesReplacement: false, source: 'drift' }]);
  assert.equal(web.causes, ['restart: drifted']);
  assert.equal((web.op as { restart?: unknown }).restart, { policy: 'unless-stopped', maxRetries: 0 });
});

live('reverting a live-updated restart policy to what the labels say is planned (the ledger remembers)', () => {
  const original = shopStack();
  const updated = containerSpec(shopStack({ webRestart: 'always' }), 'web');
  const o = observed(original, recorded('web', { restart: updated.restart, resources: updated.resources, aliases: { 'shop-backend': ['www'], 'shop-frontend': [] } }), inspected('web'));
  const web = nodeOf(planStack(original, o), 'container.web');
  assert.is(web.action, 'update');
  assert.equal(web.changes, [{ path: 'restart', before: { policy: 'always', maxRetries: 0 }, after: { policy: 'unless-stopped', maxRetries: 0 }, forcesReplacement: false, source: 'change' }]);
});

live('raising and adding limits is an update carrying every limit', () => {
  const d = shopStack({ webResources: { memory: '512m', cpus: 0.5 } });
  const o = observed(shopStack(), inspected('web'));
  const web = nodeOf(planStack(d, o), 'container.web');
  assert.is(web.action, 'update');
  assert.equal(web.causes, ['resources.cpus changed', 'resources.memory changed']);
  assert.equal(web.changes, [
    { path: 'resources.cpus', before: null, after: 0.5, forcesReplacement: false, source: 'change' },
    { path: 'resources.memory', before: 256 * MiB, after: 512 * MiB, forcesReplacement: false, source: 'change' },
  ]);
  assert.equal((web.op as { resources?: unknown }).resources, { nanoCpus: 500_000_000, memoryBytes: 512 * 1024 ** 2, pids: null });
});

live('removing a limit replaces the container, with a note saying why', () => {
  const d = shopStack({ webResources: {} });
  const o = observed(shopStack(), inspected('web'));
  const web = nodeOf(planStack(d, o), 'container.web');
  assert.is(web.action, 'replace');
  assert.equal(web.causes, ['resources.memory changed']);
  assert.equal(web.changes, [{
    path: 'resources.memory', before: 256 * MiB, after: null, forcesReplacement: true, source: 'change',
    note: 'the engine cannot remove a limit from a running container',
  }]);
  assert.is(web.op.type === 'container.replace' && web.op.order, 'create-before-destroy');
});

live.run();

const networks = suite('planContainers: network attachments');

networks('an alias change is an update that disconnects and reconnects the network', () => {
  const d = shopStack({ webAliases: ['www', 'shop'] });
  const o = observed(shopStack(), inspected('web'));
  const web = nodeOf(planStack(d, o), 'container.web');
  assert.is(web.action, 'update');
  assert.equal(web.changes, [{ path: 'networks.backend.aliases', before: ['www'], after: ['shop', 'www'], forcesReplacement: false, source: 'change' }]);
  assert.equal(web.causes, ['networks.backend.aliases changed']);
  if (web.op.type !== 'container.update') throw new Error(web.op.type);
  assert.equal(web.op.disconnect, ['shop-backend']);
  assert.equal(web.op.connect, [{ network: 'shop-backend', aliases: ['shop', 'www'] }]);
  assert.is(web.op.start, false);
});

networks('a network disconnected by hand is drift, reconnected with its aliases', () => {
  const d = shopStack();
  const web = nodeOf(planStack(d, observed(d, detached('web', 'backend'))), 'container.web');
  assert.is(web.action, 'update');
  assert.equal(web.changes, [{
    path: 'networks.backend', before: null, after: { aliases: ['www'] }, forcesReplacement: false, source: 'drift', note: 'disconnected outside moor',
  }]);
  assert.equal(web.causes, ['networks.backend: disconnected outside moor']);
  if (web.op.type !== 'container.update') throw new Error(web.op.type);
  assert.equal(web.op.connect, [{ network: 'shop-backend', aliases: ['www'] }]);
  assert.equal(web.op.disconnect, []);
});

networks('a network connected by hand is drift, disconnected', () => {
  const d = shopStack();
  const db = nodeOf(planStack(d, observed(d, connectedByHand('db', 'bridge'))), 'container.db');
  assert.is(db.action, 'update');
  assert.equal(db.changes, [{
    path: 'networks.bridge', before: { aliases: [] }, after: null, forcesReplacement: false, source: 'drift', note: 'connected outside moor',
  }]);
  if (db.op.type !== 'container.update') throw new Error(db.op.type);
  assert.equal(db.op.disconnect, ['bridge']);
  assert.equal(db.op.connect, []);
});

networks('a container on the default bridge detached from it is reconnected', () => {
  const d = shopStack();
  const o = observed(d, container('jobs', (c) => ({ ...c, networks: [] })));
  const jobs = nodeOf(planStack(d, o), 'container.jobs');
  assert.is(jobs.action, 'update');
  if (jobs.op.type !== 'container.update') throw new Error(jobs.op.type);
  assert.equal(jobs.op.connect, [{ network: 'bridge', aliases: [] }]);
});

networks('host and container network modes have nothing to attach: what the engine lists is not drift', () => {
  const d = shopStack();
  const o = observed(d, container('metrics', (c) => ({ ...c, networks: ['host'] })), container('sidecar', (c) => ({ ...c, networks: [] })));
  const plan = planStack(d, o);
  assert.is(nodeOf(plan, 'container.metrics').action, 'noop');
  assert.is(nodeOf(plan, 'container.sidecar').action, 'noop');
});

networks.run();

const state = suite('planContainers: state and leftovers');

state('a container whose start failed (still "created") is started again, without blaming a person', () => {
  const d = shopStack();
  const web = nodeOf(planStack(d, observed(d, stopped('web', 'created'))), 'container.web');
  assert.equal(web.causes, ['state: never started: its last start failed']);
});

state('a container that exited with an error code is not said to be stopped by a person: the plan names the code', () => {
  const d = shopStack();
  const web = nodeOf(planStack(d, observed(d, stopped('web', 'exited', 2))), 'container.web');
  assert.equal(web.causes, ['state: exited with code 2 (it crashed, or was stopped outside moor)']);
  for (const code of [0, 137, 143]) {
    assert.equal(nodeOf(planStack(d, observed(d, stopped('web', 'exited', code))), 'container.web').causes, ['state: stopped outside moor'], `exit ${code} is what docker stop leaves`);
  }
});

state('a container stopped by hand is drift, started again by an update', () => {
  const d = shopStack();
  const o = observed(d, stopped('web'));
  const web = nodeOf(planStack(d, o), 'container.web');
  assert.is(web.action, 'update');
  assert.equal(web.changes, [{ path: 'state', before: 'exited', after: 'running', forcesReplacement: false, source: 'drift', note: 'stopped outside moor' }]);
  assert.equal(web.causes, ['state: stopped outside moor']);
  if (web.op.type !== 'container.update') throw new Error(web.op.type);
  assert.is(web.op.start, true);
  assert.equal(web.op.waitFor, webWaits);
  assert.is(web.op.restart, undefined);
  assert.is(web.op.resources, undefined);
});

const migrateStack = (command = ['sh', '-c', 'echo migrated']) => desired('shop', ({ container }) => {
  const migrate = container('migrate', { image: 'busybox:1', command, runOnce: true });
  container('web', { image: 'busybox:1', dependsOn: [migrate] });
});

state('a runOnce container that exited 0 is where it should be: no drift, no change', () => {
  const d = migrateStack();
  const plan = planStack(d, observed(d, stopped('migrate', 'exited', 0)));
  assert.equal(actions(plan), []);
});

state('a runOnce container whose job failed runs again: exited → completed, the exit code in the note', () => {
  const d = migrateStack();
  const node = nodeOf(planStack(d, observed(d, stopped('migrate', 'exited', 3))), 'container.migrate');
  assert.is(node.action, 'update');
  assert.equal(node.changes, [{ path: 'state', before: 'exited', after: 'completed', forcesReplacement: false, source: 'drift', note: 'its last run failed (exit code 3): it runs again' }]);
  if (node.op.type !== 'container.update') throw new Error(node.op.type);
  assert.is(node.op.start, true);
});

state('a runOnce container still running its job is not drift', () => {
  const d = migrateStack();
  assert.is(nodeOf(planStack(d, observed(d)), 'container.migrate').action, 'noop');
});

state('an ordinary container that exited 0 is still drift: it should run', () => {
  const d = migrateStack();
  assert.is(nodeOf(planStack(d, observed(d, stopped('web', 'exited', 0))), 'container.web').action, 'update');
});

state('a changed runOnce container runs again (replaced); its dependents wait for it to complete', () => {
  const d = migrateStack(['sh', '-c', 'echo v2']);
  const plan = planStack(d, observed(migrateStack(), stopped('migrate', 'exited', 0)));
  assert.is(nodeOf(plan, 'container.migrate').action, 'replace');
  const web = nodeOf(plan, 'container.web');
  if (web.op.type !== 'noop') throw new Error(`web is left alone: ${web.op.type}`);
  assert.equal(containerSpec(d, 'web').dependsOn, [{ container: 'migrate', condition: 'completed' }]);
});

state('a container that was not runOnce and now is: replaced, the plan names runOnce', () => {
  const d = migrateStack();
  const was = desired('shop', ({ container }) => {
    const migrate = container('migrate', { image: 'busybox:1', command: ['sh', '-c', 'echo migrated'] });
    container('web', { image: 'busybox:1', dependsOn: [migrate] });
  });
  const node = nodeOf(planStack(d, observed(was)), 'container.migrate');
  assert.equal(node.changes.map((c) => [c.path, c.before, c.after]), [['runOnce', false, true]]);
});

state('a container renamed by hand is found by its labels and renamed back live', () => {
  const d = shopStack();
  const o = observed(d, container('web', (c) => ({ ...c, name: 'renamed-by-hand' })));
  const web = nodeOf(planStack(d, o), 'container.web');
  assert.is(web.action, 'update');
  assert.equal(web.changes, [{ path: 'name', before: 'renamed-by-hand', after: 'shop-web', forcesReplacement: false, source: 'drift', note: 'renamed outside moor' }]);
  if (web.op.type !== 'container.update') throw new Error(web.op.type);
  assert.is(web.op.rename, 'shop-web');
  assert.is(web.op.start, false);
});

state('a replacement left under <stack>-<name>.moor-next is deleted; the container itself is untouched', () => {
  const d = shopStack();
  const o = observed(d, leftoverNext('web', containerSpec(shopStack({ webEnv: { MODE: 'dev' } }), 'web')));
  const plan = planStack(d, o);
  const leftover = o.containers.find((c) => c.next)!;
  assert.equal(actions(plan), [`container.web#${leftover.id.slice(0, 12)} delete`]);
  const node = nodeOf(plan, `container.web#${leftover.id.slice(0, 12)}`);
  assert.is(node.engineName, 'shop-web.moor-next');
  assert.equal(node.causes, ['left behind by an interrupted replacement']);
  assert.is(node.op.type, 'container.delete');
  assert.is(node.op.type === 'container.delete' && node.op.id, leftover.id);
  assert.is(nodeOf(plan, 'container.web').action, 'noop');
});

state('a container no longer in the stack is deleted', () => {
  const d = shopStack();
  const without = { ...d, containers: d.containers.filter((c) => c.name !== 'jobs') };
  const plan = planStack(without, observed(d));
  assert.equal(actions(plan), ['container.jobs delete']);
  assert.equal(nodeOf(plan, 'container.jobs').causes, ['no longer in the stack']);
});

state('a container missing from the engine is created, waiting for what it depends on', () => {
  const d = shopStack();
  const plan = planStack(d, observed(d, removed('container', 'web')));
  const web = nodeOf(plan, 'container.web');
  assert.is(web.action, 'create');
  assert.equal(web.causes, ['not on the engine']);
  assert.equal(web.op, { type: 'container.create', container: containerSpec(d, 'web'), waitFor: webWaits });
});

state('labels that still hold the creation-time spec after a recorded live update are no change', () => {
  const d = shopStack({ webRestart: 'always' });
  const want = containerSpec(d, 'web');
  const o = observed(d, labelledWith('web', containerSpec(shopStack(), 'web')), recorded('web', { restart: want.restart, resources: want.resources, aliases: { 'shop-backend': ['www'], 'shop-frontend': [] } }));
  assert.is(nodeOf(planStack(d, o), 'container.web').action, 'noop');
});

state.run();
