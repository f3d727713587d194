import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planStack } from '../../../core/plan/plan.js';
import type { PlanNode } from '../../../core/plan/types.js';
import { emptyStack, type DesiredStack } from '../../../core/model/spec.js';
import { bind, nfs, tmpfs } from '../../../providers/index.js';
import { actions, desired, measured, nodeOf, observed, removed, shopStack, stopped, volumeHealth } from '../../fixtures/builders.js';

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
  assert.equal(vol.op, { type: 'volume.delete', also: [], old: d.volumes[0] });
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

const providers = suite('planVolumes: where the data lives');

/**
 * volume cache (tmpfs 64m) · site (bind ./site) · share (nfs) · data (local)
 * container web mounting all four · api and batch mounting site
 */
function storage(knobs: { cacheSize?: string; cacheMigrate?: boolean; site?: 'bind' | 'local' } = {}): DesiredStack {
  return desired('shop', ({ volume, container }) => {
    const cache = volume('cache', { provider: tmpfs({ size: knobs.cacheSize ?? '64m' }), ...(knobs.cacheMigrate ? { migrate: true } : {}) });
    const site = volume('site', knobs.site === 'local' ? {} : { provider: bind({ path: './site' }) });
    const share = volume('share', { provider: nfs({ server: '192.0.2.10', path: '/exports/share' }) });
    const data = volume('data');
    const all = [cache, site, share, data].map((v, i) => ({ volume: v, target: `/v${i}` }));
    container('web', { image: 'nginx:1.27', mounts: all });
    container('api', { image: 'nginx:1.27', mounts: [{ volume: site, target: '/site' }] });
    container('batch', { image: 'nginx:1.27', mounts: [{ volume: site, target: '/site' }] });
  });
}

const MEMORY = 'its data lived in memory only, and goes when its containers stop';
const SITE_STAYS = 'its data stays where it is (host directory /srv/stacks/site): only the engine\'s volume is removed';
const SHARE_STAYS = 'its data stays where it is (NFS v4 192.0.2.10:/exports/share): only the engine\'s volume is removed';
const TMPFS_NOTE = 'its data lives in memory and is lost when the last container using it stops';
/** [dataLoss, dataHome, causes] of a volume node. */
const guardOf = (n: PlanNode) => [n.dataLoss, n.dataHome, n.causes];

providers('volumes removed from the stack: tmpfs and bind are deleted unguarded, saying where the data stays; local is guarded', () => {
  const plan = planStack(desired('shop', () => {}), observed(storage()));
  assert.equal(guardOf(nodeOf(plan, 'volume.cache')), [undefined, 'memory', ['no longer in the stack', MEMORY]]);
  assert.equal(guardOf(nodeOf(plan, 'volume.site')), [undefined, 'external', ['no longer in the stack', SITE_STAYS]]);
  assert.equal(guardOf(nodeOf(plan, 'volume.data')), [true, undefined, ['no longer in the stack']]);
  assert.equal(nodeOf(plan, 'volume.site').op, { type: 'volume.delete', also: [], old: storage().volumes.find((v) => v.name === 'site') });
});

providers('a provider change of a bind volume replaces it without a guard; local → tmpfs is still data loss', () => {
  const fromBind = nodeOf(planStack(storage({ site: 'local' }), observed(storage())), 'volume.site');
  assert.is(fromBind.action, 'replace');
  assert.equal([fromBind.dataLoss, fromBind.dataHome], [undefined, 'external']);
  assert.ok(fromBind.causes.includes(SITE_STAYS), fromBind.causes.join(' | '));
  const toBind = nodeOf(planStack(storage(), observed(storage({ site: 'local' }))), 'volume.site');
  assert.equal([toBind.action, toBind.dataLoss, toBind.dataHome], ['replace', true, undefined]);
});

providers('destroy without --volumes deletes tmpfs, bind and nfs volumes and keeps the local one, with a note', () => {
  const d = storage();
  const plan = planStack(emptyStack('shop', d.file, d), observed(d), { mode: 'destroy' });
  assert.equal(plan.nodes.filter((n) => n.kind === 'volume').map((n) => [n.id, n.action, n.dataLoss]), [
    ['volume.cache', 'delete', undefined], ['volume.share', 'delete', undefined], ['volume.site', 'delete', undefined],
  ]);
  assert.equal(nodeOf(plan, 'volume.share').causes, ['destroy', SHARE_STAYS]);
  assert.equal(plan.notes, ['volume shop-data is kept with its data (destroy --volumes removes it)']);
});

providers('migrate: true on a tmpfs volume is a plain replacement: nothing in memory survives to copy', () => {
  const plan = planStack(storage({ cacheSize: '128m', cacheMigrate: true }), observed(storage({ cacheMigrate: true })));
  const cache = nodeOf(plan, 'volume.cache');
  assert.equal([cache.action, cache.op.type, cache.dataLoss, cache.dataHome], ['replace', 'volume.replace', undefined, 'memory']);
  // Said once: the note of the new tmpfs volume would repeat the cause.
  assert.equal(cache.causes.slice(-2), ['driverOpts.o changed (the engine cannot change a volume in place)', MEMORY]);
  assert.not.ok(cache.causes.includes(TMPFS_NOTE));
});

providers('migrate: true from a local volume into tmpfs cannot keep the data: a guarded replacement, never a migration', () => {
  const into = (provider: 'local' | 'tmpfs') => desired('shop', ({ volume, container }) => {
    const data = volume('data', { migrate: true, ...(provider === 'tmpfs' ? { provider: tmpfs({ size: '64m' }) } : {}) });
    container('web', { image: 'nginx:1.27', mounts: [{ volume: data, target: '/data' }] });
  });
  const plan = planStack(into('tmpfs'), observed(into('local'), measured('shop-data', { bytes: 4096, files: 3 })));
  const data = nodeOf(plan, 'volume.data');
  assert.equal([data.action, data.op.type, data.dataLoss], ['replace', 'volume.replace', true]);
  assert.ok(data.causes.includes('the data cannot be migrated: the new volume keeps data in memory only'), data.causes.join(' | '));
});

providers('a volume whose provider reports it unhealthy is repaired; its running users are restarted, stopped ones not', () => {
  const d = storage();
  const reason = 'the host directory /srv/stacks/site is gone';
  const plan = planStack(d, observed(d, volumeHealth('site', { ok: false, reason }), stopped('batch')));
  const site = nodeOf(plan, 'volume.site');
  assert.is(site.action, 'update');
  assert.equal(site.op, { type: 'volume.repair', volume: d.volumes.find((v) => v.name === 'site'), restart: ['shop-api', 'shop-web'] });
  assert.equal(site.causes, [`${reason} (drift): apply repairs it, then restarts shop-api, shop-web so that they see the repaired volume`]);
  assert.equal(actions(plan), ['volume.site update', 'container.batch update']);
});

providers('a healthy volume is left alone', () => {
  const d = storage();
  const plan = planStack(d, observed(d, volumeHealth('site', { ok: true })));
  assert.is(nodeOf(plan, 'volume.site').action, 'noop');
  assert.equal(actions(plan), []);
});

providers('a created volume\'s causes carry its provider\'s notes', () => {
  const d = storage();
  const plan = planStack(d, observed(d, removed('volume', 'cache')));
  assert.equal(nodeOf(plan, 'volume.cache').causes, ['tmpfs 64 MiB in memory', TMPFS_NOTE]);
  assert.equal(nodeOf(plan, 'volume.cache').op.type, 'volume.create');
});

providers.run();
