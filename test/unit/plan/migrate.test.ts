import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { VerifiedStash } from '../../../core/model/migration.js';
import { emptyStack, type DesiredStack } from '../../../core/model/spec.js';
import { planStack } from '../../../core/plan/plan.js';
import { summarize, type MigrationStep } from '../../../core/plan/types.js';
import { planToJson } from '../../../core/render/plan-json.js';
import {
  actions, desired, measured, migrationLeft, nodeOf, observed, planText, removed,
} from '../../fixtures/builders.js';

/** volume data (rules from the knobs) · container db mounting it · container web using no volume */
function app(rules: { migrate?: boolean; allowDataLoss?: boolean; protect?: boolean } = {}): DesiredStack {
  return desired('shop', ({ volume, container }) => {
    const data = volume('data', rules);
    container('db', { image: 'postgres:16', mounts: [{ volume: data, target: '/var/lib/postgresql/data' }] });
    container('web', { image: 'nginx:1.27' });
  });
}

/** The stack with the volume's driver options changed: the engine must recreate the volume. */
const onTmpfs = (d: DesiredStack): DesiredStack =>
  ({ ...d, volumes: d.volumes.map((v) => (v.name === 'data' ? { ...v, driverOpts: { type: 'tmpfs' } } : v)) });

/** The stack without the volume and the container using it. */
const withoutData = (d: DesiredStack): DesiredStack =>
  ({ ...d, volumes: [], containers: d.containers.filter((c) => c.name !== 'db'), lifecycle: {} });

const FULL: MigrationStep[] = ['stash', 'drop-old', 'create-new', 'restore', 'drop-stash'];
const VERIFIED: VerifiedStash = { digest: 'sha256:5eed', files: 3120, bytes: 1536 * 1024 };
/** The verified stash as observe reports it and the op carries it: with its marker volume. */
const MARKED = { ...VERIFIED, marker: 'shop-data.moor-stash-ok' };
const dataOf = (d: DesiredStack) => d.volumes.find((v) => v.name === 'data')!;
/** The migrate op towards `d`; `old` is the stack moor last applied (the op carries its volume spec for release). */
const opOf = (d: DesiredStack, old?: DesiredStack) => ({ type: 'volume.migrate', volume: dataOf(d), ...(old ? { old: dataOf(old) } : {}) });

const planning = suite('volume migration: planning');

planning('migrate: true turns a volume replacement into a migration, its users replaced old-first', () => {
  const d = onTmpfs(app({ migrate: true }));
  const plan = planStack(d, observed(app({ migrate: true })));
  const vol = nodeOf(plan, 'volume.data');
  assert.is(vol.action, 'migrate');
  assert.not.ok(vol.dataLoss);
  assert.equal(vol.op, { ...opOf(d, app({ migrate: true })), steps: FULL, verified: null });
  assert.equal(summarize(plan), { create: 0, update: 0, replace: 1, migrate: 1, delete: 0 });
  assert.is(planText(plan), [
    '  >>  volume data  (migrate: stash → drop-old → create-new → restore → drop-stash; driverOpts.type changed (the engine cannot change a volume in place); data copied into the new volume and verified (migrate: true))',
    '      + driverOpts.type: (none) → "tmpfs"  # forces replacement',
    '  -/+ container db  (replace (old container removed first); volume data is migrated)',
    '',
    'Plan: 0 to create, 0 to update, 1 to replace, 1 to migrate, 0 to delete.',
  ].join('\n'));
  const json = (planToJson(plan).resources as { id: string; symbol: string; migration_steps?: string[] }[]).find((r) => r.id === 'volume.data')!;
  assert.equal([json.symbol, json.migration_steps], ['>>', FULL]);
});

planning('--migrate-volumes migrates without the rule, and shows the data to copy', () => {
  const d = onTmpfs(app());
  const plan = planStack(d, observed(app(), measured('data', { bytes: 1536 * 1024, files: 3120 })), { mode: 'apply', migrateVolumes: true });
  const vol = nodeOf(plan, 'volume.data');
  assert.is(vol.action, 'migrate');
  assert.equal(vol.dataAtStake, { bytes: 1536 * 1024, files: 3120 });
  assert.is(planText(plan).split('\n').slice(0, 3).join('\n'), [
    '  >>  volume data  (migrate: stash → drop-old → create-new → restore → drop-stash; driverOpts.type changed (the engine cannot change a volume in place); data copied into the new volume and verified (--migrate-volumes))',
    '      data to copy: 1.5 MiB in 3,120 entries',
    '      + driverOpts.type: (none) → "tmpfs"  # forces replacement',
  ].join('\n'));
});

planning('without migrate the replacement is data loss; the summary has no migrate count', () => {
  const plan = planStack(onTmpfs(app()), observed(app()));
  assert.equal(actions(plan), ['volume.data replace', 'container.db replace']);
  assert.is(nodeOf(plan, 'volume.data').dataLoss, true);
  assert.is(planText(plan).split('\n').at(-1), 'Plan: 0 to create, 0 to update, 2 to replace, 0 to delete.');
});

planning.run();

const guard = suite('volume migration: what is at stake');

guard('an empty volume is replaced without a guard, even with migrate: true (nothing to copy)', () => {
  for (const rules of [{}, { migrate: true }]) {
    const plan = planStack(onTmpfs(app(rules)), observed(app(rules), measured('data', { bytes: 0, files: 0 })));
    const vol = nodeOf(plan, 'volume.data');
    assert.equal([vol.action, vol.dataLoss, vol.dataAtStake], ['replace', undefined, { bytes: 0, files: 0 }]);
    assert.is(planText(plan), [
      '  -/+ volume data  (driverOpts.type changed (the engine cannot change a volume in place); the volume is empty)',
      '      + driverOpts.type: (none) → "tmpfs"  # forces replacement',
      '  -/+ container db  (replace (old container removed first); volume data is replaced)',
      '',
      'Plan: 0 to create, 0 to update, 2 to replace, 0 to delete.',
    ].join('\n'));
  }
});

guard('an empty volume removed from the stack is deleted without a guard', () => {
  const plan = planStack(withoutData(app()), observed(app(), measured('data', { bytes: 0, files: 0 })));
  const vol = nodeOf(plan, 'volume.data');
  assert.equal([vol.action, vol.dataLoss], ['delete', undefined]);
  assert.not.match(planText(plan), 'DATA LOSS');
});

guard('a measurement that stopped at its time budget, or knows only the size, does not count as empty', () => {
  for (const usage of [{ bytes: 0, files: 0, complete: false }, { bytes: 0, files: null }]) {
    const vol = nodeOf(planStack(onTmpfs(app()), observed(app(), measured('data', usage))), 'volume.data');
    assert.is(vol.dataLoss, true, JSON.stringify(usage));
  }
});

guard('the data at stake is named in the data-loss line: size and entries, or the size alone', () => {
  const full = planStack(withoutData(app()), observed(app(), measured('data', { bytes: 1536 * 1024, files: 3120 })));
  assert.ok(planText(full).includes('      !! DATA LOSS: volume shop-data (1.5 MiB in 3,120 entries) and every file in it will be deleted\n'));
  const sizeOnly = planStack(onTmpfs(app()), observed(app(), measured('data', { bytes: 2048, files: null })));
  assert.ok(planText(sizeOnly).includes('      !! DATA LOSS: volume shop-data (2.0 KiB) and every file in it will be deleted and recreated empty\n'));
  const one = planStack(withoutData(app()), observed(app(), measured('data', { bytes: 12, files: 1 })));
  assert.ok(planText(one).includes('(12 B in 1 entry)'));
  const json = (planToJson(sizeOnly).resources as { id: string; data_at_stake?: unknown }[]).find((r) => r.id === 'volume.data')!;
  assert.equal(json.data_at_stake, { bytes: 2048, files: null });
});

guard('allowDataLoss keeps the mark but names the rule that allows it', () => {
  const d = onTmpfs(app({ allowDataLoss: true }));
  const plan = planStack(d, observed(app({ allowDataLoss: true }), measured('data', { bytes: 2048, files: null })));
  const vol = nodeOf(plan, 'volume.data');
  assert.equal([vol.dataLoss, vol.dataLossAllowed], [true, 'allowDataLoss: true in the stack']);
  assert.is(planText(plan).split('\n').slice(0, 4).join('\n'), [
    '  -/+ volume data  (driverOpts.type changed (the engine cannot change a volume in place))',
    '      !! DATA LOSS: volume shop-data (2.0 KiB) and every file in it will be deleted and recreated empty',
    '      allowed by allowDataLoss: true in the stack',
    '      + driverOpts.type: (none) → "tmpfs"  # forces replacement',
  ].join('\n'));
  const json = (planToJson(plan).resources as { id: string; data_loss: boolean; data_loss_allowed_by?: string }[]).find((r) => r.id === 'volume.data')!;
  assert.equal([json.data_loss, json.data_loss_allowed_by], [true, 'allowDataLoss: true in the stack']);
});

guard('destroy --volumes keeps the stack\'s allowDataLoss; a volume gone from the stack has no rule left', () => {
  const d = app({ allowDataLoss: true });
  const destroyed = nodeOf(planStack(emptyStack('shop', d.file, d), observed(d), { mode: 'destroy', destroyVolumes: true }), 'volume.data');
  assert.is(destroyed.dataLossAllowed, 'allowDataLoss: true in the stack');
  const dropped = nodeOf(planStack(withoutData(d), observed(d)), 'volume.data');
  assert.equal([dropped.dataLoss, dropped.dataLossAllowed], [true, undefined]);
});

guard('deleting a volume also removes what an interrupted migration left of it', () => {
  const plan = planStack(withoutData(app()), observed(app(), migrationLeft('data', { stash: true, verified: VERIFIED })));
  assert.equal(nodeOf(plan, 'volume.data').op, { type: 'volume.delete', also: ['shop-data.moor-stash', 'shop-data.moor-stash-ok'], old: dataOf(app()) });
});

guard('a protected volume is not migrated either', () => {
  const d = onTmpfs(app({ protect: true, migrate: true }));
  const plan = planStack(d, observed(app({ protect: true, migrate: true })));
  assert.equal(plan.diagnostics.map((x) => [x.resource, x.field]), [['volume.data', 'protect']]);
  assert.match(plan.diagnostics[0]!.summary, /^volume data is protected \(protect: true\): this plan would migrate \(replace\) it/);
});

guard.run();

const resume = suite('volume migration: resuming what an earlier apply left');

const stashOnly = migrationLeft('data', { stash: true });
const stashVerified = migrationLeft('data', { stash: true, verified: VERIFIED });

resume('an unverified stash with the volume still at its old spec: the stash is discarded and the migration starts over', () => {
  const d = onTmpfs(app({ migrate: true }));
  const plan = planStack(d, observed(app({ migrate: true }), stashOnly));
  const vol = nodeOf(plan, 'volume.data');
  assert.equal(vol.op, { ...opOf(d, app({ migrate: true })), steps: ['discard-stash', ...FULL], verified: null });
  assert.equal(vol.causes, ['an interrupted migration is rolled back (its copy was never verified; shop-data still holds the data)']);
  assert.is(nodeOf(plan, 'container.db').action, 'replace');
});

resume('an unverified stash with the volume already as the stack wants it: only the stash is discarded, users stay', () => {
  const d = onTmpfs(app({ migrate: true }));
  const plan = planStack(d, observed(d, stashOnly));
  assert.equal(nodeOf(plan, 'volume.data').op, { ...opOf(d, d), steps: ['discard-stash'], verified: null });
  assert.equal(actions(plan), ['volume.data migrate']);
});

resume('an unverified stash next to a volume moor cannot read: discarded, then a full migration', () => {
  const d = onTmpfs(app({ migrate: true }));
  const unreadable = (s: ReturnType<typeof observed>) => ({ ...s, volumes: s.volumes.map((v) => ({ ...v, spec: undefined })) });
  const vol = nodeOf(planStack(d, observed(app(), stashOnly, unreadable)), 'volume.data');
  assert.equal(vol.op.type === 'volume.migrate' && vol.op.steps, ['discard-stash', ...FULL]);
});

resume('an unverified stash and no volume: an error, and moor touches neither', () => {
  const d = onTmpfs(app({ migrate: true }));
  const plan = planStack(d, observed(app(), stashOnly, removed('volume', 'data'), removed('container', 'db')));
  assert.not.ok(plan.nodes.some((n) => n.id === 'volume.data'));
  assert.equal(plan.diagnostics, [{
    severity: 'error', resource: 'volume.data', location: d.locations['volume.data'],
    summary: 'volume shop-data is missing and the copy shop-data.moor-stash of an interrupted migration was never verified; moor will not guess which data is right',
    detail: 'Check shop-data.moor-stash (its data is under payload/) and restore it by hand, or remove it once you are sure.',
  }]);
});

resume('a verified stash with a volume in place: that volume is dropped and refilled from the copy', () => {
  const d = onTmpfs(app({ migrate: true }));
  // The old volume, or a new one a crash left half-filled: either way the verified copy is the data.
  for (const applied of [app({ migrate: true }), d]) {
    const plan = planStack(d, observed(applied, stashVerified));
    const vol = nodeOf(plan, 'volume.data');
    assert.equal(vol.op, { ...opOf(d, applied), steps: ['drop-old', 'create-new', 'restore', 'drop-stash'], verified: MARKED });
    assert.equal(vol.causes, ['resuming an interrupted migration from its verified copy shop-data.moor-stash']);
    assert.equal(nodeOf(plan, 'container.db').causes, ['volume data is migrated']);
  }
});

resume('a verified stash and no volume: created and restored from the copy', () => {
  const d = onTmpfs(app({ migrate: true }));
  const plan = planStack(d, observed(app(), stashVerified, removed('volume', 'data'), removed('container', 'db')));
  assert.equal(nodeOf(plan, 'volume.data').op, { ...opOf(d), steps: ['create-new', 'restore', 'drop-stash'], verified: MARKED });
  assert.equal(actions(plan), ['volume.data migrate', 'container.db create']);
  assert.is(planText(plan).split('\n')[0], '  >>  volume data  (migrate: create-new → restore → drop-stash; resuming an interrupted migration from its verified copy shop-data.moor-stash)');
});

resume('protect does not block cleaning up after a migration, only a migration that copies or removes the volume', () => {
  const d = onTmpfs(app({ migrate: true, protect: true }));
  const cleanup = planStack(d, observed(d, migrationLeft('data', { stash: false, verified: VERIFIED })));
  assert.equal(cleanup.diagnostics, []);
  const resumed = planStack(d, observed(d, migrationLeft('data', { stash: true, verified: VERIFIED })));
  assert.equal(resumed.diagnostics.map((x) => [x.resource, x.field]), [['volume.data', 'protect']]);
});

resume('a verified marker without a stash: the migration finished, only the marker is left to remove', () => {
  const d = onTmpfs(app({ migrate: true }));
  const plan = planStack(d, observed(d, migrationLeft('data', { stash: false, verified: VERIFIED })));
  assert.equal(actions(plan), ['volume.data migrate']);
  const vol = nodeOf(plan, 'volume.data');
  assert.equal(vol.op, { ...opOf(d, d), steps: ['drop-stash'], verified: MARKED });
  assert.equal(vol.causes, ['an earlier migration finished; its marker is removed']);
});

resume('a migration is resumed whether or not the stack still asks for one', () => {
  const d = app();
  const vol = nodeOf(planStack(d, observed(onTmpfs(d), stashVerified)), 'volume.data');
  assert.equal(vol.op.type === 'volume.migrate' && vol.op.steps, ['drop-old', 'create-new', 'restore', 'drop-stash']);
});

resume('what the volume holds is shown as the data to copy', () => {
  const d = onTmpfs(app({ migrate: true }));
  const plan = planStack(d, observed(app(), stashOnly, measured('data', { bytes: 4096, files: 2 })));
  assert.equal(nodeOf(plan, 'volume.data').dataAtStake, { bytes: 4096, files: 2 });
  assert.is(planText(plan).split('\n')[1], '      data to copy: 4.0 KiB in 2 entries');
});

resume.run();
