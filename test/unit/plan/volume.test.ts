import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planStack } from '../../../core/plan/plan.js';
import type { DesiredStack } from '../../../core/model/spec.js';
import { actions, nodeOf, observed, shopStack } from '../../fixtures/builders.js';

const mapVolume = (d: DesiredStack, change: (v: DesiredStack['volumes'][number]) => DesiredStack['volumes'][number]): DesiredStack =>
  ({ ...d, volumes: d.volumes.map((v) => (v.name === 'data' ? change(v) : v)) });

const volumes = suite('planVolumes');

volumes('a volume the stack no longer declares is deleted, marked as data loss', () => {
  const d = shopStack();
  const without = { ...d, volumes: [], containers: d.containers.filter((c) => c.name !== 'db') };
  const plan = planStack(without, observed(d));
  assert.equal(actions(plan), ['container.db delete', 'volume.data delete']);
  const vol = nodeOf(plan, 'volume.data');
  assert.is(vol.dataLoss, true);
  assert.equal(vol.causes, ['no longer in the stack']);
  assert.equal(vol.dependents, ['container.db']);
  assert.is(vol.engineName, 'shop-data');
  assert.equal(vol.op, { type: 'volume.delete', also: [] });
});

volumes('a volume that is created is described by its provider and loses nothing', () => {
  const d = shopStack();
  const plan = planStack(d, observed(d, (s) => ({ ...s, volumes: [] })));
  const vol = nodeOf(plan, 'volume.data');
  assert.is(vol.action, 'create');
  assert.equal(vol.causes, ['local disk']);
  assert.not.ok(vol.dataLoss);
});

volumes('a driver option change replaces the volume (data loss) and its users delete-before-create', () => {
  const was = shopStack();
  const d = mapVolume(was, (v) => ({ ...v, driverOpts: { type: 'tmpfs' } }));
  const plan = planStack(d, observed(was));
  const vol = nodeOf(plan, 'volume.data');
  assert.is(vol.action, 'replace');
  assert.is(vol.dataLoss, true);
  assert.equal(vol.changes, [{ path: 'driverOpts.type', before: null, after: 'tmpfs', forcesReplacement: true, source: 'change' }]);
  assert.equal(vol.causes, ['driverOpts.type changed (the engine cannot change a volume in place)']);
  const db = nodeOf(plan, 'container.db');
  assert.is(db.op.type === 'container.replace' && db.op.order, 'delete-before-create');
  assert.equal(db.causes, ['volume data is replaced']);
});

volumes('a label change on a volume is a warning, not a replacement', () => {
  const was = shopStack();
  const d = mapVolume(was, (v) => ({ ...v, labels: { backup: 'daily' } }));
  const plan = planStack(d, observed(was));
  assert.is(nodeOf(plan, 'volume.data').action, 'noop');
  assert.equal(plan.diagnostics.map((x) => [x.severity, x.resource, x.field, x.summary]), [[
    'warning', 'volume.data', 'labels', 'volume labels cannot change without recreating the volume (and its data); the new labels are not applied',
  ]]);
});

volumes.run();
