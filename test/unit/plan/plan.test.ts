import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { emptyStack } from '../../../core/model/spec.js';
import { planStack } from '../../../core/plan/plan.js';
import { hasChanges, summarize } from '../../../core/plan/types.js';
import {
  actions, containerSpec, emptyEngine, foreign, inspected, labelledWith, nodeOf, observed, planText, recorded, refreshed,
  shopStack, stopped,
} from '../../fixtures/builders.js';

const applied = suite('planStack: apply, then plan again');

applied('a stack planned against the engine it was applied to is all noops', () => {
  const d = shopStack();
  const plan = planStack(d, observed(d));
  assert.equal(plan.nodes.map((n) => `${n.id} ${n.action}`), [
    'image.busybox noop',
    'image.postgres:16 noop',
    'image.tools noop',
    'network.backend noop',
    'network.frontend noop',
    'volume.data noop',
    'container.db noop',
    'container.jobs noop',
    'container.metrics noop',
    'container.web noop',
    'container.sidecar noop',
  ]);
  assert.ok(plan.nodes.every((n) => n.op.type === 'noop' && n.changes.length === 0 && n.causes.length === 0));
  assert.equal(plan.diagnostics, []);
  assert.equal(plan.notes, []);
  assert.not.ok(hasChanges(plan));
  assert.equal(summarize(plan), { create: 0, update: 0, replace: 0, migrate: 0, delete: 0 });
  assert.is(planText(plan), 'No changes. The engine matches stack shop.');
});

applied('--refresh: every container inspected, the engine reporting what moor applied, is still all noops', () => {
  const d = shopStack();
  const plan = planStack(d, observed(d, refreshed()));
  assert.is(planText(plan), 'No changes. The engine matches stack shop.');
});

applied('after a live update recorded in the ledger (labels still say the old value) the plan is empty', () => {
  const before = shopStack({ webRestart: 'no', webResources: { memory: '128m' }, webAliases: [] });
  const after = shopStack();
  const web = containerSpec(after, 'web');
  const record = {
    restart: web.restart,
    resources: web.resources,
    aliases: { 'shop-frontend': [], 'shop-backend': ['www'] },
  };
  const o = observed(after, labelledWith('web', containerSpec(before, 'web')), recorded('web', record), inspected('web'));
  assert.is(planText(planStack(after, o)), 'No changes. The engine matches stack shop.');
});

applied.run();

const order = suite('planStack: node order');

order('on an empty engine everything is created, each resource after what it needs', () => {
  const d = shopStack();
  const plan = planStack(d, emptyEngine('shop'));
  assert.equal(actions(plan), [
    'image.busybox create',
    'image.postgres:16 create',
    'image.tools create',
    'network.backend create',
    'network.frontend create',
    'volume.data create',
    'container.db create',
    'container.jobs create',
    'container.metrics create',
    'container.web create',
    'container.sidecar create',
  ]);
  assert.equal(nodeOf(plan, 'container.web').dependsOn, ['image.tools', 'network.backend', 'network.frontend', 'container.db']);
  assert.equal(nodeOf(plan, 'container.sidecar').dependsOn, ['image.busybox', 'container.web']);
  assert.equal(summarize(plan), { create: 11, update: 0, replace: 0, migrate: 0, delete: 0 });
});

order('deletions come after creations and updates, users before what they use', () => {
  const d = shopStack();
  const smaller = { ...d, containers: d.containers.filter((c) => c.name === 'metrics'), networks: [], volumes: [], images: d.images.filter((i) => i.name === 'busybox') };
  const plan = planStack(smaller, observed(d, stopped('metrics')));
  assert.equal(actions(plan), [
    'container.metrics update',
    'container.sidecar delete',
    'container.web delete',
    'image.tools delete',
    'container.db delete',
    'network.backend delete',
    'network.frontend delete',
    'volume.data delete',
    'container.jobs delete',
  ]);
});

order('the same inputs give the same plan, and planning does not touch its inputs', () => {
  const d = shopStack({ webEnv: { MODE: 'dev' } });
  const o = observed(shopStack(), stopped('db'));
  const [dBefore, oBefore] = [JSON.stringify(d), JSON.stringify(o)];
  const first = planStack(d, o);
  const second = planStack(d, o);
  assert.equal(first, second);
  assert.is(JSON.stringify(d), dBefore);
  assert.is(JSON.stringify(o), oBefore);
});

order.run();

const destroy = suite('planStack: destroy mode');

destroy('deletes every owned object but keeps volumes, saying so in a note', () => {
  const d = shopStack();
  const plan = planStack(emptyStack('shop', d.file), observed(d), { mode: 'destroy' });
  assert.is(planText(plan), [
    '  -   container sidecar  (destroy)',
    '      - image: "busybox"',
    '      - command: ["sleep", "infinity"]',
    '      - networkMode: "container:web"',
    '      - volumesFrom: ["web"]',
    '  -   container web  (destroy)',
    '      - image: "tools"',
    '      - command: ["httpd", "-f", "-p", "80"]',
    '      - env.MODE: "prod"',
    '      - ports: ["127.0.0.1:8080→80/tcp"]',
    '      - mounts: ["tmpfs → /tmp size=16 MiB", "bind /srv/stacks/www → /www (ro)"]',
    '      - restart: "unless-stopped"',
    '      - resources.memory: "256 MiB"',
    '      - networks: ["backend (aliases www)", "frontend"]',
    '      - dependsOn: ["db (healthy)"]',
    '  -   image tools  (destroy)',
    '  -   container db  (destroy)',
    '      - image: "postgres:16"',
    '      - env.POSTGRES_PASSWORD: "secret"',
    '      - mounts: ["volume data → /var/lib/postgresql/data"]',
    '      - healthcheck: ["CMD-SHELL","pg_isready"] interval=2s retries=5',
    '      - networks: ["backend"]',
    '  -   network backend  (destroy)',
    '      - driver: "bridge"',
    '  -   network frontend  (destroy)',
    '      - driver: "bridge"',
    '  -   container jobs  (destroy)',
    '      - image: "busybox"',
    '      - command: ["sleep", "infinity"]',
    '      - ports: ["9000→9000/tcp", "9001→9001/tcp"]',
    '      - networkMode: "bridge"',
    '  -   container metrics  (destroy)',
    '      - image: "busybox"',
    '      - command: ["sleep", "infinity"]',
    '      - networkMode: "host"',
    '  · volume shop-data is kept with its data (destroy --volumes removes it)',
    '',
    'Plan: 0 to create, 0 to update, 0 to replace, 8 to delete.',
  ].join('\n'));
  assert.equal(plan.notes, ['volume shop-data is kept with its data (destroy --volumes removes it)']);
  assert.ok(plan.nodes.every((n) => !n.dataLoss));
  // Pulled images are not the stack's to delete.
  assert.not.ok(plan.nodes.some((n) => n.id === 'image.busybox' || n.id === 'image.postgres:16'));
});

destroy('with destroyVolumes the volume is deleted, marked as data loss, and no note is left', () => {
  const d = shopStack();
  const plan = planStack(emptyStack('shop', d.file), observed(d), { mode: 'destroy', destroyVolumes: true });
  const vol = nodeOf(plan, 'volume.data');
  assert.is(vol.action, 'delete');
  assert.is(vol.dataLoss, true);
  assert.equal(vol.causes, ['destroy --volumes']);
  assert.equal(vol.dependents, ['container.db']);
  assert.equal(plan.notes, []);
  assert.is(summarize(plan).delete, 9);
});

destroy('destroy of a stack with a ledger of live updates removes the ledger after every container', () => {
  const d = shopStack();
  const web = containerSpec(d, 'web');
  const o = observed(d, recorded('web', { restart: web.restart, resources: web.resources, aliases: {} }));
  const plan = planStack(emptyStack('shop', d.file), o, { mode: 'destroy' });
  const ledger = nodeOf(plan, 'ledger');
  assert.is(ledger.action, 'delete');
  assert.equal(ledger.op, { type: 'ledger.delete', volumes: ['shop.moor-live.1'] });
  assert.not.ok(ledger.dataLoss);
  assert.equal(ledger.dependents.sort(), ['container.db', 'container.jobs', 'container.metrics', 'container.sidecar', 'container.web']);
});

destroy.run();

const collisions = suite('planStack: objects of someone else in the way');

for (const kind of ['container', 'network', 'volume'] as const) {
  const name = kind === 'container' ? 'web' : kind === 'network' ? 'backend' : 'data';
  collisions(`a foreign ${kind} named like a resource is an error diagnostic, and no node touches it`, () => {
    const d = shopStack();
    const plan = planStack(d, observed(d, foreign(kind, name)));
    assert.not.ok(plan.nodes.some((n) => n.id === `${kind}.${name}`));
    assert.is(plan.diagnostics.length, 1);
    const [diag] = plan.diagnostics;
    assert.is(diag!.severity, 'error');
    assert.is(diag!.resource, `${kind}.${name}`);
    assert.is(diag!.summary, `a ${kind} named "shop-${name}" already exists on the engine and is not managed by stack "shop"; moor will not touch it`);
    assert.is(diag!.detail, `Rename the ${kind} in the stack, or remove or rename the existing one yourself.`);
    assert.equal(diag!.location, d.locations[`${kind}.${name}`]);
  });
}

collisions('a foreign object whose name only shares the stack prefix is left alone and is no error', () => {
  const d = shopStack();
  const plan = planStack(d, observed(d, foreign('container', 'somebody-elses')));
  assert.equal(plan.diagnostics, []);
  assert.is(planText(plan), 'No changes. The engine matches stack shop.');
});

collisions.run();
