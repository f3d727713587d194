/**
 * Anonymous volumes and SELinux relabelling of bind mounts: normalization, the create body, and
 * the plan (a replacement carries the old container's anonymous volume over; older labels without
 * the new fields plan nothing).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { containerCreateBody } from '../../../core/apply/container-body.js';
import { emptyStack, type ContainerSpec } from '../../../core/model/spec.js';
import { planStack } from '../../../core/plan/plan.js';
import { stack } from '../../../core/stack/define.js';
import { container, containerSpec, desired, labelledWith, nodeOf, normalize, observed } from '../../fixtures/builders.js';

const mounts = suite('mounts: anonymous volumes and selinux');
const VOL = 'a'.repeat(64);

const app = (env: string, anon = true) => desired('shop', ({ container }) => {
  container('app', {
    image: 'nginx:1.27', env: { RUN: env },
    mounts: [...(anon ? [{ target: '/data' }] : []), { bind: './conf', target: '/conf', readOnly: true, selinux: 'Z' as const }, { bind: '/srv/x', target: '/x', selinux: 'z' as const }],
  });
});
/** The engine's report: the anonymous volume the engine created for /data. */
const withVolume = container('app', (c) => ({ ...c, volumeMounts: [{ name: VOL, target: '/data' }] }));

mounts('normalized: an anonymous mount is its target; selinux is kept on the bind', () => {
  assert.equal(containerSpec(app('1'), 'app').mounts, [
    { type: 'bind', source: '/srv/stacks/conf', target: '/conf', readOnly: true, selinux: 'Z' },
    { type: 'anonymous', target: '/data' },
    { type: 'bind', source: '/srv/x', target: '/x', readOnly: false, selinux: 'z' },
  ]);
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    container('app', { image: 'nginx:1.27', mounts: [{ bind: '/x', target: '/x', selinux: 'q' as never }, { target: 'data' }] });
  }));
  assert.equal(diagnostics.map((d) => [d.resource, d.field]), [['container.app', 'mounts[0]'], ['container.app', 'mounts[1].target']]);
});

mounts('create body: relabelled binds take the Binds form; an anonymous volume has no Source unless carried over', () => {
  const c = containerSpec(app('1'), 'app');
  const hc = (b: Record<string, unknown>) => b.HostConfig as { Mounts: unknown[]; Binds: string[] };
  const fresh = hc(containerCreateBody('shop', 'nginx:1.27', c).body);
  assert.equal(fresh.Mounts, [{ Type: 'volume', Target: '/data' }]);
  assert.equal(fresh.Binds, ['/srv/stacks/conf:/conf:ro,Z', '/srv/x:/x:z']);
  assert.equal(hc(containerCreateBody('shop', 'nginx:1.27', c, new Map(), { '/data': VOL }).body).Mounts, [{ Type: 'volume', Source: VOL, Target: '/data' }]);
});

mounts('plan: applied, nothing changes (the engine-chosen volume name is no drift)', () => {
  const d = app('1');
  assert.is(nodeOf(planStack(d, observed(d, withVolume)), 'container.app').action, 'noop');
});

mounts('plan: a replacement carries the anonymous volume over to the new container, saying so', () => {
  const node = nodeOf(planStack(app('2'), observed(app('1'), withVolume)), 'container.app');
  assert.is(node.action, 'replace');
  assert.equal(node.changes.map((c) => c.path), ['env.RUN']);
  assert.ok(node.causes.includes(`anonymous volume /data (${VOL.slice(0, 12)}) is mounted by the new container: its data is kept`), node.causes.join('\n'));
  assert.equal(node.op.type === 'container.replace' && node.op.anonymousVolumes, { '/data': VOL });
});

mounts('plan: an anonymous mount removed from the stack is a replacement that says where the data stays', () => {
  const node = nodeOf(planStack(app('1', false), observed(app('1'), withVolume)), 'container.app');
  assert.is(node.action, 'replace');
  assert.ok(node.causes.some((c) => c.includes('is no longer mounted: its data stays on the engine')), node.causes.join('\n'));
  assert.is(node.op.type === 'container.replace' && node.op.anonymousVolumes, undefined);
});

mounts('destroy: a note names the anonymous volume left on the engine', () => {
  const d = app('1');
  const plan = planStack(emptyStack('shop', d.file), observed(d, withVolume), { mode: 'destroy' });
  assert.ok(plan.notes.some((n) => n.includes(`leaves its anonymous volume on the engine with the data: ${VOL} (/data)`)), plan.notes.join('\n'));
});

mounts('older labels without selinux plan no change for a bind without it', () => {
  const d = desired('shop', ({ container }) => { container('app', { image: 'nginx:1.27', mounts: [{ bind: '/srv/x', target: '/x' }] }); });
  const old = JSON.parse(JSON.stringify(containerSpec(d, 'app'))) as ContainerSpec;
  assert.is(nodeOf(planStack(d, observed(d, labelledWith('app', old))), 'container.app').action, 'noop');
});

mounts.run();
