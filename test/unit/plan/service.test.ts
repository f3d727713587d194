import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planStack } from '../../../core/plan/plan.js';
import { fingerprint, staleReasons } from '../../../core/plan/fingerprint.js';
import { resourceStatuses } from '../../../core/plan/resource-status.js';
import { renderPlan } from '../../../core/render/plan-text.js';
import { plainStyle } from '../../../core/render/style.js';
import { sealSecrets } from '../../../core/stack/secret-values.js';
import { secret } from '../../../core/stack/secret.js';
import { actions, desired, emptyEngine, nodeOf } from '../../fixtures/builders.js';
import type { StackBuilder } from '../../../core/stack/define.js';
import { envByHand, notASwarm, observedSwarm, scaledByHand, service } from '../../fixtures/services.js';

const services = suite('planServices');

const build = (o: { msg?: string; replicas?: number; ignore?: string[]; image?: string } = {}) => ({ network, service: svc }: StackBuilder) => {
  const net = network('backend', { driver: 'overlay', attachable: true });
  svc('web', {
    image: o.image ?? 'nginx:1.27', replicas: o.replicas ?? 3, env: { MSG: o.msg ?? 'one' }, networks: [net],
    ports: [{ container: 80, host: 8080 }], ...(o.ignore ? { ignoreChanges: o.ignore } : {}),
  });
};

services('a new service is created after its image and network, with what it sets', () => {
  const d = desired('shop', build());
  const plan = planStack(d, { ...emptyEngine('shop'), swarm: { manager: true }, services: [], swarmSecrets: [] });
  assert.equal(actions(plan), ['image.nginx:1.27 create', 'network.backend create', 'service.web create']);
  const web = nodeOf(plan, 'service.web');
  assert.equal(web.dependsOn, ['image.nginx:1.27', 'network.backend']);
  assert.equal(web.changes.map((c) => c.path), ['image', 'replicas', 'env.MSG', 'ports', 'networks']);
});

services('applied as the stack says, with the digest the swarm pinned on the image: no changes', () => {
  const d = desired('shop', build());
  const o = observedSwarm(d);
  assert.match(o.services![0]!.live.image, /^nginx:1\.27$/, 'observe strips the pinned digest');
  assert.equal(actions(planStack(d, o)), []);
});

services('an env change is an in-place update at the observed version, not a replacement', () => {
  const applied = desired('shop', build());
  const o = observedSwarm(applied);
  const plan = planStack(desired('shop', build({ msg: 'two' })), o);
  assert.equal(actions(plan), ['service.web update']);
  const web = nodeOf(plan, 'service.web');
  assert.equal(web.changes, [{ path: 'env.MSG', before: 'one', after: 'two', forcesReplacement: false, source: 'change' }]);
  assert.equal(web.causes, ['env.MSG changed']);
  assert.is(web.op.type === 'service.update' && web.op.version, service(o, 'web').version);
  assert.is(web.op.type === 'service.update' && web.op.id, service(o, 'web').id);
});

services('scaled by hand: drift the plan shows and an update repairs', () => {
  const d = desired('shop', build());
  const plan = planStack(d, observedSwarm(d, scaledByHand('web', 5)));
  const web = nodeOf(plan, 'service.web');
  assert.is(web.action, 'update');
  assert.equal(web.causes, ['scaled outside moor (3 → 5)']);
  assert.equal(web.changes, [{ path: 'replicas', before: 5, after: 3, forcesReplacement: false, source: 'drift' }]);
  assert.is(web.op.type === 'service.update' && web.op.version, 12, 'the version after the hand change');
});

services('env changed by hand is drift; ignoreChanges replicas leaves a hand scale alone', () => {
  const d = desired('shop', build());
  assert.equal(nodeOf(planStack(d, observedSwarm(d, envByHand('web', 'MSG', 'x'))), 'service.web').causes, ['env.MSG changed outside moor']);
  const ignoring = desired('shop', build({ ignore: ['replicas'] }));
  const plan = planStack(ignoring, observedSwarm(ignoring, scaledByHand('web', 5)));
  assert.equal(actions(plan), []);
});

services('the same tag written differently is a change of what the user wrote, a digest never is', () => {
  const d = desired('shop', build());
  const plan = planStack(desired('shop', build({ image: 'nginx:1.28' })), observedSwarm(d));
  assert.equal(nodeOf(plan, 'service.web').changes.map((c) => c.path), ['image']);
});

services('an engine that is not a swarm manager: a plan-time error saying how to init one', () => {
  const d = desired('shop', build());
  const plan = planStack(d, observedSwarm(d, notASwarm));
  const diag = plan.diagnostics.find((x) => x.resource === 'service.web');
  assert.ok(diag, JSON.stringify(plan.diagnostics));
  assert.is(diag!.severity, 'error');
  assert.match(diag!.summary, /not a swarm manager/);
  assert.match(diag!.detail ?? '', /docker swarm init/);
  assert.match(diag!.detail ?? '', /never creates, joins or leaves a swarm/);
});

services('destroy removes the service before its network and image; a protected service is refused', () => {
  const d = desired('shop', build());
  const o = observedSwarm(d);
  const plan = planStack({ ...d, images: [], networks: [], services: [] }, o, { mode: 'destroy' });
  const order = actions(plan);
  assert.ok(order.indexOf('service.web delete') < order.indexOf('network.backend delete'), order.join(', '));
  assert.ok(order.indexOf('service.web delete') < order.indexOf('image.nginx:1.27 delete') || !order.includes('image.nginx:1.27 delete'), order.join(', '));
  assert.equal(nodeOf(plan, 'network.backend').dependents, ['service.web']);
  const protectedStack = desired('shop', ({ network, service: svc }) => { network('backend', { driver: 'overlay' }); svc('web', { image: 'nginx:1.27', protect: true }); });
  const refused = planStack({ ...protectedStack, services: [] }, observedSwarm(protectedStack), { mode: 'destroy' });
  assert.ok(refused.diagnostics.some((x) => x.resource === 'service.web' && x.field === 'protect'), JSON.stringify(refused.diagnostics));
});

services('a rotated secret: a new swarm secret (named by a keyed hash), the service updated, the old secret removed; the value never in the plan', () => {
  const stackWith = () => desired('shop', ({ service: svc }) => { svc('api', { image: 'nginx:1.27', secrets: { token: secret('TOKEN') } }); });
  const key = Buffer.alloc(32, 7);
  const applied = sealSecrets(stackWith(), key, new Map([['env:TOKEN', 'old-value']]));
  const o = observedSwarm(applied);
  const oldName = service(o, 'api').live.secrets[0]!;
  o.swarmSecrets = [{ id: 'sec-old', name: oldName, labels: { 'moor.stack': 'shop', 'moor.kind': 'swarm-secret', 'moor.name': 'api' } }];
  assert.equal(actions(planStack(applied, o)), [], 'same value: no change');
  const rotated = sealSecrets(stackWith(), key, new Map([['env:TOKEN', 'new-value']]));
  const plan = planStack(rotated, o);
  const api = nodeOf(plan, 'service.api');
  assert.is(api.action, 'update');
  assert.equal(api.changes.map((c) => [c.path, c.sensitive]), [['secrets.token', true]]);
  assert.ok(api.op.type === 'service.update');
  const ops = api.op.type === 'service.update' ? api.op.secrets : { create: [], remove: [] };
  assert.is(ops.create.length, 1);
  assert.match(ops.create[0]!.name, /^shop-api-token-[0-9a-f]{12}$/);
  assert.is.not(ops.create[0]!.name, oldName);
  assert.equal(ops.remove, ['sec-old']);
  const text = renderPlan(plan, plainStyle) + JSON.stringify(plan);
  for (const v of ['new-value', 'old-value']) assert.not.ok(text.includes(v), `the value ${v} is in the plan`);
});

services('--replace service.web: a forced rolling update (ForceUpdate raised), never a delete', () => {
  const d = desired('shop', build());
  const plan = planStack(d, observedSwarm(d), { mode: 'apply', replace: ['service.web'] });
  const web = nodeOf(plan, 'service.web');
  assert.is(web.action, 'update');
  assert.equal(web.causes, ['forced by --replace (the swarm replaces every task, one batch at a time)']);
  assert.is(web.op.type === 'service.update' && web.op.forceUpdate, 1);
  assert.is(nodeOf(planStack(d, observedSwarm(d)), 'service.web').action, 'noop', 'without --replace: nothing');
});

services('a saved plan goes stale when the service changed on the swarm since (its version moved)', () => {
  const d = desired('shop', build());
  const then = fingerprint(observedSwarm(d));
  assert.equal(staleReasons(then, fingerprint(observedSwarm(d))), []);
  assert.equal(staleReasons(then, fingerprint(observedSwarm(d, scaledByHand('web', 5)))), ['service shop-web changed']);
});

services('--target service.web plans the service and what it needs, nothing else', () => {
  const d = desired('shop', ({ network, service: svc }) => {
    const net = network('backend', { driver: 'overlay' });
    svc('web', { image: 'nginx:1.27', networks: [net] });
    svc('api', { image: 'nginx:1.27' });
  });
  const plan = planStack(d, { ...emptyEngine('shop'), swarm: { manager: true }, services: [], swarmSecrets: [] }, { mode: 'apply', targets: ['service.web'] });
  assert.equal(actions(plan), ['image.nginx:1.27 create', 'network.backend create', 'service.web create']);
});

services('a named volume mounted by a service: the plan says it is per node', () => {
  const d = desired('shop', ({ volume, service: svc }) => { const data = volume('data'); svc('web', { image: 'nginx:1.27', mounts: [{ volume: data, target: '/data' }] }); });
  const plan = planStack(d, { ...emptyEngine('shop'), swarm: { manager: true }, services: [], swarmSecrets: [] });
  assert.ok(plan.notes.some((n) => /service web mounts volume data: a named volume lives on each node separately .*nfs\(\) or sshfs\(\)/.test(n)), plan.notes.join('\n'));
});

services('moor ps: a service with its tasks running, in sync; scaled by hand, drifted', () => {
  const d = desired('shop', build());
  const o = observedSwarm(d);
  const row = resourceStatuses(planStack(d, o), o).find((r) => r.id === 'service.web')!;
  assert.equal([row.state, row.sync, row.objects.map((x) => x.name)], ['3/3 tasks running', 'in sync', ['shop-web']]);
  const scaled = observedSwarm(d, scaledByHand('web', 5));
  const drifted = resourceStatuses(planStack(d, scaled), scaled).find((r) => r.id === 'service.web')!;
  assert.equal([drifted.sync, drifted.causes], ['drifted', ['scaled outside moor (3 → 5)']]);
});

services.run();
