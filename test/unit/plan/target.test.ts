import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { emptyStack, type DesiredStack } from '../../../core/model/spec.js';
import { planStack } from '../../../core/plan/plan.js';
import { planToJson } from '../../../core/render/plan-json.js';
import {
  actions, containerId, containerSpec, leftoverNext, measured, nodeOf, observed, planText, recorded, shopStack,
} from '../../fixtures/builders.js';

const withBackendSubnet = (d: DesiredStack): DesiredStack =>
  ({ ...d, networks: d.networks.map((n) => (n.name === 'backend' ? { ...n, subnet: '10.9.0.0/24' } : n)) });

/** Every shop change at once: web's env, jobs' command, the backend subnet. */
const busyShop = (): DesiredStack => {
  const d = shopStack({ webEnv: { MODE: 'dev' } });
  return { ...d, containers: d.containers.map((c) => (c.name === 'jobs' ? { ...c, command: ['sleep', '60'] } : c)) };
};

const target = suite('planStack: --target');

target('a target keeps itself and what it needs; other changes are left out and the text says so', () => {
  const plan = planStack(busyShop(), observed(shopStack()), { mode: 'apply', targets: ['container.jobs'] });
  assert.equal(plan.nodes.map((n) => n.id), ['image.busybox', 'container.jobs']);
  assert.equal(plan.targets, ['container.jobs']);
  assert.is(planText(plan), [
    '  +/- container jobs  (replace (new container first, then the old one is removed); command changed)',
    '      ~ command: ["sleep", "infinity"] → ["sleep", "60"]  # forces replacement',
    '  ! Partial plan (--target container.jobs): only these resources and what they need; everything else is left as it is.',
    '',
    'Plan: 0 to create, 0 to update, 1 to replace, 0 to delete.',
  ].join('\n'));
});

target('the live-update record of a container left out of a partial plan is kept, even when the full plan would replace it', () => {
  const d = shopStack();
  const jobs = containerSpec(d, 'jobs');
  const o = observed(d, recorded('jobs', { restart: jobs.restart, resources: jobs.resources, aliases: {} }));
  const plan = planStack(busyShop(), o, { mode: 'apply', targets: ['container.web'] });
  assert.ok(plan.ledger.entries[containerId(o, 'jobs')], 'jobs is not in this plan: its record stays');
  const full = planStack(busyShop(), o, { mode: 'apply' });
  assert.not.ok(full.ledger.entries[containerId(o, 'jobs')], 'the full plan replaces jobs: its record goes');
});

target('what a target needs is kept transitively, unchanged or not; what shares its namespace moves with it', () => {
  const plan = planStack(shopStack({ webEnv: { MODE: 'dev' } }), observed(shopStack()), { mode: 'apply', targets: ['container.web'] });
  assert.equal(plan.nodes.map((n) => n.id).sort(), [
    'container.db', 'container.sidecar', 'container.web', 'image.busybox', 'image.postgres:16', 'image.tools', 'network.backend', 'network.frontend', 'volume.data',
  ]);
  // sidecar runs in web's network namespace: the full plan replaces it too, so a partial one must.
  assert.equal(actions(plan), ['container.web replace', 'container.sidecar replace']);
  assert.equal(actions(plan), actions(planStack(shopStack({ webEnv: { MODE: 'dev' } }), observed(shopStack()))));
});

target('a targeted container whose network is replaced brings in every container that must let go of that network', () => {
  const plan = planStack(withBackendSubnet(shopStack()), observed(shopStack()), { mode: 'apply', targets: ['container.web'] });
  assert.equal(actions(plan), ['network.backend replace', 'container.db replace', 'container.web replace', 'container.sidecar replace']);
  assert.not.ok(plan.nodes.some((n) => n.id === 'container.jobs' || n.id === 'container.metrics'));
  assert.equal(nodeOf(plan, 'container.db').causes, ['network backend is replaced']);
});

target('targeting the replaced network itself gives the same closure', () => {
  const plan = planStack(withBackendSubnet(busyShop()), observed(shopStack()), { mode: 'apply', targets: ['network.backend'] });
  assert.equal(actions(plan), ['network.backend replace', 'container.db replace', 'container.web replace', 'container.sidecar replace']);
  // web is in because it must let go of the network: its own env change comes with it.
  assert.equal(nodeOf(plan, 'container.web').changes.map((c) => c.path), ['env.MODE']);
  assert.not.ok(plan.nodes.some((n) => n.id === 'container.jobs'));
});

target('a targeted deletion brings in what must let go of the deleted resource', () => {
  const d = shopStack();
  const smaller = { ...d, volumes: [], containers: d.containers.filter((c) => c.name !== 'db') };
  const plan = planStack(smaller, observed(d), { mode: 'apply', targets: ['volume.data'] });
  assert.equal(actions(plan), ['container.db delete', 'volume.data delete']);
});

target('what is left of an interrupted replacement goes with its resource', () => {
  const d = shopStack();
  const o = observed(d, leftoverNext('web', containerSpec(d, 'web')));
  const plan = planStack(d, o, { mode: 'apply', targets: ['container.web'] });
  const leftover = plan.nodes.filter((n) => n.id.startsWith('container.web#'));
  assert.equal(leftover.map((n) => [n.action, n.causes]), [['delete', ['left behind by an interrupted replacement']]]);
});

target('destroy --target removes the target and what must let go of it, nothing else', () => {
  const d = shopStack();
  const plan = planStack(emptyStack('shop', d.file, d), observed(d), { mode: 'destroy', targets: ['container.web'] });
  assert.equal(actions(plan), ['container.sidecar delete', 'container.web delete']);
});

target('targets are listed sorted; JSON marks the plan partial; a full plan has no targets', () => {
  const d = shopStack();
  const partial = planStack(d, observed(d), { mode: 'apply', targets: ['network.frontend', 'container.db'] });
  assert.equal(partial.targets, ['container.db', 'network.frontend']);
  const json = planToJson(partial);
  assert.equal([json.partial, json.targets], [true, ['container.db', 'network.frontend']]);
  assert.is(planText(partial), [
    '  ! Partial plan (--target container.db, network.frontend): only these resources and what they need; everything else is left as it is.',
    '',
    'No changes. The engine matches stack shop.',
  ].join('\n'));
  const full = planStack(d, observed(d));
  assert.not.ok('targets' in full);
  assert.equal([planToJson(full).partial, planToJson(full).targets], [false, []]);
});

target.run();

const replace = suite('planStack: --replace');

replace('a container with no change is replaced, new one first, saying it was asked for', () => {
  const d = shopStack();
  const o = observed(d);
  const plan = planStack(d, o, { mode: 'apply', replace: ['container.db'] });
  assert.equal(actions(plan), ['container.db replace']);
  const db = nodeOf(plan, 'container.db');
  assert.equal(db.causes, ['forced by --replace']);
  assert.equal(db.changes, []);
  assert.equal(db.op, {
    type: 'container.replace', oldId: containerId(o, 'db'), container: containerSpec(d, 'db'), order: 'create-before-destroy', waitFor: [],
  });
});

replace('the cause comes after the changes when the container changed anyway', () => {
  const plan = planStack(shopStack({ webEnv: { MODE: 'dev' } }), observed(shopStack()), { mode: 'apply', replace: ['container.web'] });
  assert.equal(nodeOf(plan, 'container.web').causes, ['env.MODE changed', 'forced by --replace']);
});

replace('a network is replaced (delete first), and the containers attached to it with it', () => {
  const d = shopStack();
  assert.is(planText(planStack(d, observed(d), { mode: 'apply', replace: ['network.frontend'] })), [
    '  -/+ network frontend  (forced by --replace)',
    '  -/+ container web  (replace (old container removed first); network frontend is replaced)',
    '  -/+ container sidecar  (replace (old container removed first); container web is replaced)',
    '',
    'Plan: 0 to create, 0 to update, 3 to replace, 0 to delete.',
  ].join('\n'));
});

replace('a volume is replaced as data loss, its users removed first', () => {
  const d = shopStack();
  assert.is(planText(planStack(d, observed(d), { mode: 'apply', replace: ['volume.data'] })), [
    '  -/+ volume data  (forced by --replace)',
    '      !! DATA LOSS: volume shop-data and every file in it will be deleted and recreated empty',
    '  -/+ container db  (replace (old container removed first); volume data is replaced)',
    '',
    'Plan: 0 to create, 0 to update, 2 to replace, 0 to delete.',
  ].join('\n'));
});

replace('an empty volume is replaced without a data-loss mark; with --migrate-volumes a full one is migrated', () => {
  const d = shopStack();
  const empty = nodeOf(planStack(d, observed(d, measured('data', { bytes: 0, files: 0 })), { mode: 'apply', replace: ['volume.data'] }), 'volume.data');
  assert.equal([empty.action, empty.dataLoss, empty.causes], ['replace', undefined, ['forced by --replace', 'the volume is empty']]);
  const migrated = nodeOf(planStack(d, observed(d), { mode: 'apply', replace: ['volume.data'], migrateVolumes: true }), 'volume.data');
  assert.equal([migrated.action, migrated.causes], ['migrate', ['forced by --replace', 'data copied into the new volume and verified (--migrate-volumes)']]);
});

replace('a built image is rebuilt, and the containers running it are replaced once it is', () => {
  const d = shopStack();
  const plan = planStack(d, observed(d), { mode: 'apply', replace: ['image.tools'] });
  assert.equal(actions(plan), ['image.tools replace', 'container.web replace', 'container.sidecar replace']);
  assert.equal(nodeOf(plan, 'image.tools').causes, ['rebuild: forced by --replace']);
  assert.equal(nodeOf(plan, 'image.tools').op.type, 'image.build');
  assert.equal(nodeOf(plan, 'container.web').changes.map((c) => [c.path, c.after]), [['image id', '(known after the image is built)']]);
});

replace('a pulled image is pulled again, and its containers replaced', () => {
  const d = shopStack();
  const plan = planStack(d, observed(d), { mode: 'apply', replace: ['image.postgres:16'] });
  assert.equal(actions(plan), ['image.postgres:16 replace', 'container.db replace']);
  const image = nodeOf(plan, 'image.postgres:16');
  assert.equal([image.causes, image.op.type], [['forced by --replace: pulled again'], 'image.pull']);
  assert.equal(nodeOf(plan, 'container.db').changes.map((c) => [c.path, c.after]), [['image id', '(known after the image is pulled)']]);
});

replace('--replace and --target together: only the targeted part is replaced', () => {
  const d = shopStack();
  const plan = planStack(d, observed(d), { mode: 'apply', replace: ['container.db', 'container.jobs'], targets: ['container.jobs'] });
  assert.equal(actions(plan), ['container.jobs replace']);
});

replace.run();
