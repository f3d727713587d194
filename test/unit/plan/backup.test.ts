import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planStack } from '../../../core/plan/plan.js';
import { emptyStack, type BackupSpec, type DesiredStack } from '../../../core/model/spec.js';
import { desired, nodeOf, observed } from '../../fixtures/builders.js';
import type { ObservedState } from '../../../core/observe/types.js';

function shop(schedule = '0 3 * * *'): DesiredStack {
  return desired('shop', (b) => {
    const img = b.image('tools', { build: { context: '.' } });
    const data = b.volume('data');
    const backups = b.volume('backups');
    const db = b.container('db', { image: img, mounts: [{ volume: data, target: '/data' }] });
    b.backup('nightly', { volumes: [data], target: backups, schedule, keep: { last: 3, daily: 7 }, stop: [db], image: img });
  });
}

/** The engine as `d` applied it, backup records included. */
function applied(d: DesiredStack): ObservedState {
  const o = observed(d);
  return { ...o, backups: d.backups.map((b: BackupSpec) => ({ name: `shop.moor-backup.${b.name}`, resource: b.name, spec: b })) };
}

const plan = suite('planBackups');

plan('a new job is created, described, after the volumes it needs', () => {
  const d = shop();
  const p = planStack(d, observed(d));
  const n = nodeOf(p, 'backup.nightly');
  assert.is(n.action, 'create');
  assert.is(n.engineName, 'shop.moor-backup.nightly');
  assert.equal(n.causes, ['data → volume backups, 0 3 * * * (UTC), keep last 3, daily 7, stops db']);
  assert.equal(n.dependsOn, ['volume.data', 'volume.backups']);
  assert.equal(n.op, { type: 'backup.create', backup: d.backups[0] });
});

plan('an applied job plans nothing; a changed schedule is an update of the record, naming the change', () => {
  const d = shop();
  assert.is(nodeOf(planStack(d, applied(d)), 'backup.nightly').action, 'noop');
  const p = planStack(shop('30 4 * * *'), applied(d));
  const n = nodeOf(p, 'backup.nightly');
  assert.is(n.action, 'update');
  assert.equal(n.changes, [{ path: 'schedule', before: { cron: '0 3 * * *', timezone: 'UTC' }, after: { cron: '30 4 * * *', timezone: 'UTC' }, forcesReplacement: false, source: 'change' }]);
  assert.equal(n.causes, ['the job definition changed (its archives are kept)']);
  assert.is(n.op.type, 'backup.update');
});

plan('a job removed from the stack (or destroyed) deletes only its record; the archives stay', () => {
  const d = shop();
  const without = { ...d, backups: [] };
  const n = nodeOf(planStack(without, applied(d)), 'backup.nightly');
  assert.is(n.action, 'delete');
  assert.equal(n.causes, ['no longer in the stack', 'only the job goes: its archives stay (in volume backups)']);
  assert.not.ok(n.dataLoss);
  const destroyed = planStack(emptyStack('shop', d.file, d), applied(d), { mode: 'destroy' });
  assert.equal(nodeOf(destroyed, 'backup.nightly').causes[0], 'destroy');
});

plan.run();
