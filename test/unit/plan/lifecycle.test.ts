import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ReplaceOrder } from '../../../core/model/lifecycle.js';
import { emptyStack } from '../../../core/model/spec.js';
import { planStack } from '../../../core/plan/plan.js';
import { hasChanges } from '../../../core/plan/types.js';
import { planToJson } from '../../../core/render/plan-json.js';
import {
  actions, connectedByHand, containerId, containerSpec, desired, detached, inspected, nodeOf, observed, planText, retagged,
} from '../../fixtures/builders.js';

const MiB = 1024 * 1024;

interface Knobs {
  mode?: string;
  buildId?: string;
  restart?: 'no' | 'always' | 'unless-stopped';
  memory?: string;
  image?: string;
  webNetworks?: ('frontend' | 'backend')[];
  subnet?: string;
  dataOpts?: Record<string, string>;
  web?: { protect?: boolean; ignoreChanges?: string[]; replaceOrder?: ReplaceOrder };
  protectBackend?: boolean;
  protectData?: boolean;
}

/**
 * network frontend, backend · volume data
 * container db   postgres:16 on backend, volume data
 * container web  nginx on frontend + backend, env MODE + BUILD_ID, restart and memory from the knobs
 */
function app(k: Knobs = {}) {
  return desired('shop', ({ network, volume, container }) => {
    const nets = { frontend: network('frontend'), backend: network('backend', { protect: k.protectBackend, ...(k.subnet ? { subnet: k.subnet } : {}) }) };
    const data = volume('data', { protect: k.protectData });
    container('db', { image: 'postgres:16', networks: [nets.backend], mounts: [{ volume: data, target: '/var/lib/postgresql/data' }] });
    container('web', {
      image: k.image ?? 'nginx:1.27',
      env: { MODE: k.mode ?? 'prod', BUILD_ID: k.buildId ?? '1' },
      networks: (k.webNetworks ?? ['frontend', 'backend']).map((n) => nets[n]),
      restart: k.restart ?? 'always',
      resources: { memory: k.memory ?? '256m' },
      ...k.web,
    });
  });
}

const withDataOpts = (d: ReturnType<typeof app>, driverOpts: Record<string, string>) =>
  ({ ...d, volumes: d.volumes.map((v) => (v.name === 'data' ? { ...v, driverOpts } : v)) });

const protect = suite('lifecycle: protect');

protect('a protected container the plan would replace is an error naming the rule, the cause and the way out', () => {
  const d = app({ mode: 'dev', web: { protect: true } });
  const plan = planStack(d, observed(app()));
  assert.equal(plan.diagnostics.map(({ detail: _, ...rest }) => rest), [{
    severity: 'error', resource: 'container.web', field: 'protect', location: d.locations['container.web']!,
    summary: 'container web is protected (protect: true): this plan would replace it (env.MODE changed)',
  }]);
  const detail = plan.diagnostics[0]!.detail!;
  assert.ok(detail.startsWith('Nothing was changed. To go ahead, remove protect: true from container.web in the stack, or'), detail);
  assert.match(detail, '--target');
  // The plan still says what would happen; the diagnostic is what stops apply.
  assert.equal(actions(plan), ['container.web replace']);
});

protect('--replace of a protected container is refused the same way', () => {
  const d = app({ web: { protect: true } });
  const plan = planStack(d, observed(d), { mode: 'apply', replace: ['container.web'] });
  assert.equal(plan.diagnostics.map((x) => x.summary), ['container web is protected (protect: true): this plan would replace it (forced by --replace)']);
});

protect('protect does not stand in the way of an in-place update', () => {
  const d = app({ memory: '512m', web: { protect: true } });
  const plan = planStack(d, observed(app({ web: { protect: true } })));
  assert.equal(actions(plan), ['container.web update']);
  assert.equal(plan.diagnostics, []);
});

protect('a container removed from the stack takes its rules with it: its deletion is not guarded', () => {
  const was = app({ web: { protect: true } });
  const d = { ...was, containers: was.containers.filter((c) => c.name !== 'web'), lifecycle: {} };
  const plan = planStack(d, observed(was));
  assert.equal(actions(plan), ['container.web delete']);
  assert.equal(plan.diagnostics, []);
});

protect('destroy keeps the stack\'s rules: a protected container is an error, without the --target hint', () => {
  const d = app({ web: { protect: true } });
  const plan = planStack(emptyStack('shop', d.file, d), observed(d), { mode: 'destroy' });
  assert.equal(plan.diagnostics.map((x) => [x.resource, x.location, x.summary]), [[
    'container.web', d.locations['container.web'],
    'container web is protected (protect: true): this plan would delete it (destroy)',
  ]]);
  // destroy has no --target way out to offer.
  assert.is(plan.diagnostics[0]!.detail, 'Nothing was changed. To go ahead, remove protect: true from container.web in the stack.');
});

protect('a protected network replaced by a subnet change is an error; the containers replaced with it are not', () => {
  const d = app({ subnet: '10.9.0.0/24', protectBackend: true });
  const plan = planStack(d, observed(app({ protectBackend: true })));
  assert.equal(actions(plan), ['network.backend replace', 'container.db replace', 'container.web replace']);
  assert.equal(plan.diagnostics.map((x) => [x.resource, x.field, x.summary]), [[
    'network.backend', 'protect', 'network backend is protected (protect: true): this plan would replace it (subnet changed)',
  ]]);
});

protect('destroy of a protected network is an error', () => {
  const d = app({ protectBackend: true });
  const plan = planStack(emptyStack('shop', d.file, d), observed(d), { mode: 'destroy' });
  assert.equal(plan.diagnostics.map((x) => x.summary), ['network backend is protected (protect: true): this plan would delete it (destroy)']);
});

protect('destroy --volumes of a protected volume is an error; plain destroy keeps the volume and says nothing about it', () => {
  const d = app({ protectData: true });
  const withVolumes = planStack(emptyStack('shop', d.file, d), observed(d), { mode: 'destroy', destroyVolumes: true });
  assert.equal(withVolumes.diagnostics.map((x) => [x.resource, x.summary]), [[
    'volume.data', 'volume data is protected (protect: true): this plan would delete it (destroy --volumes)',
  ]]);
  const kept = planStack(emptyStack('shop', d.file, d), observed(d), { mode: 'destroy' });
  assert.equal(kept.diagnostics, []);
  assert.equal(kept.notes, ['volume shop-data is kept with its data (destroy --volumes removes it)']);
});

protect('a protected volume the stack would replace is an error', () => {
  const d = withDataOpts(app({ protectData: true }), { type: 'tmpfs' });
  const plan = planStack(d, observed(app({ protectData: true })));
  assert.equal(plan.diagnostics.map((x) => x.summary), [
    'volume data is protected (protect: true): this plan would replace it (driverOpts.type changed (the engine cannot change a volume in place))',
  ]);
});

protect('a run that leaves the protected resource out (--target) is not refused', () => {
  const d = app({ mode: 'dev', web: { protect: true } });
  const withDbChange = { ...d, containers: d.containers.map((c) => (c.name === 'db' ? { ...c, env: { X: '1' } } : c)) };
  const plan = planStack(withDbChange, observed(app({ web: { protect: true } })), { mode: 'apply', targets: ['container.db'] });
  assert.equal(actions(plan), ['container.db replace']);
  assert.equal(plan.diagnostics, []);
});

protect.run();

const ignore = suite('lifecycle: ignoreChanges');

ignore('an ignored env key that changed plans nothing', () => {
  const d = app({ buildId: '2', web: { ignoreChanges: ['env.BUILD_ID'] } });
  const plan = planStack(d, observed(app()));
  assert.not.ok(hasChanges(plan));
  assert.is(planText(plan), 'No changes. The engine matches stack shop.');
});

ignore('only the ignored key: another env key still replaces, and the new container gets the stack\'s values', () => {
  const d = app({ mode: 'dev', buildId: '2', web: { ignoreChanges: ['env.BUILD_ID'] } });
  const o = observed(app());
  const plan = planStack(d, o);
  const web = nodeOf(plan, 'container.web');
  assert.equal(web.changes, [{ path: 'env.MODE', before: 'prod', after: 'dev', forcesReplacement: true, source: 'change' }]);
  assert.equal(web.causes, ['env.MODE changed']);
  assert.equal(web.op.type === 'container.replace' && web.op.container, containerSpec(d, 'web'));
  assert.equal(containerSpec(d, 'web').env, { BUILD_ID: '2', MODE: 'dev' });
  assert.is(planText(plan), [
    '  +/- container web  (replace (new container first, then the old one is removed); env.MODE changed)',
    '      ~ env.MODE: "prod" → "dev"  # forces replacement',
    '',
    'Plan: 0 to create, 0 to update, 1 to replace, 0 to delete.',
  ].join('\n'));
  assert.is(web.op.type === 'container.replace' && web.op.oldId, containerId(o, 'web'));
});

ignore('ignoring env as a whole covers every key', () => {
  const d = app({ mode: 'dev', buildId: '2', web: { ignoreChanges: ['env'] } });
  assert.not.ok(hasChanges(planStack(d, observed(app()))));
});

ignore('restart (a live attribute): neither the stack\'s change nor the engine\'s drift is planned', () => {
  const d = app({ restart: 'no', web: { ignoreChanges: ['restart'] } });
  const plan = planStack(d, observed(app(), inspected('web', { restart: { policy: 'unless-stopped', maxRetries: 0 } })));
  assert.not.ok(hasChanges(plan));
});

ignore('an in-place update for another attribute keeps the ignored restart policy as the engine has it', () => {
  const d = app({ restart: 'no', memory: '512m', web: { ignoreChanges: ['restart'] } });
  const o = observed(app(), inspected('web', { restart: { policy: 'on-failure', maxRetries: 3 } }));
  const web = nodeOf(planStack(d, o), 'container.web');
  assert.is(web.action, 'update');
  assert.equal(web.changes, [{ path: 'resources.memory', before: 256 * MiB, after: 512 * MiB, forcesReplacement: false, source: 'change' }]);
  assert.ok(web.op.type === 'container.update');
  if (web.op.type !== 'container.update') return;
  assert.is(web.op.restart, undefined);
  assert.equal(web.op.resources, { nanoCpus: null, memoryBytes: 512 * 1024 ** 2, pids: null });
  assert.equal(web.op.container.restart, { policy: 'on-failure', maxRetries: 3 });
  // What moor records as applied is what the engine keeps: the ignored policy as it is now.
  assert.equal(web.op.record.restart, { policy: 'on-failure', maxRetries: 3 });
});

ignore('the ignored values are the current ones for fixed attributes too (env as last applied)', () => {
  const d = app({ buildId: '9', memory: '512m', web: { ignoreChanges: ['env.BUILD_ID'] } });
  const web = nodeOf(planStack(d, observed(app(), inspected('web'))), 'container.web');
  assert.is(web.action, 'update');
  assert.equal(web.op.type === 'container.update' && web.op.container.env, { BUILD_ID: '1', MODE: 'prod' });
});

ignore('a replacement for another reason creates the container with the stack\'s restart policy, not the ignored live one', () => {
  const d = app({ mode: 'dev', restart: 'no', web: { ignoreChanges: ['restart'] } });
  const web = nodeOf(planStack(d, observed(app(), inspected('web', { restart: { policy: 'unless-stopped', maxRetries: 0 } }))), 'container.web');
  assert.is(web.action, 'replace');
  assert.equal(web.changes.map((c) => c.path), ['env.MODE']);
  assert.equal(web.op.type === 'container.replace' && web.op.container.restart, { policy: 'no', maxRetries: 0 });
});

ignore('resources.memory drift is not planned, nor a memory change in the stack', () => {
  const drifted = inspected('web', { resources: { nanoCpus: null, memoryBytes: 128 * 1024 ** 2, pids: null } });
  const d = app({ memory: '1g', web: { ignoreChanges: ['resources.memory'] } });
  assert.not.ok(hasChanges(planStack(d, observed(app(), drifted))));
  // Without the rule the same drift is put back live.
  const web = nodeOf(planStack(app(), observed(app(), drifted)), 'container.web');
  assert.equal(web.changes, [{ path: 'resources.memory', before: 128 * MiB, after: 256 * MiB, forcesReplacement: false, source: 'drift' }]);
});

ignore('ignoring one limit leaves the others watched', () => {
  const d = app({ web: { ignoreChanges: ['resources.memory'] } });
  const drifted = inspected('web', { resources: { nanoCpus: 2e9, memoryBytes: 128 * 1024 ** 2, pids: null } });
  const web = nodeOf(planStack(d, observed(app(), drifted)), 'container.web');
  assert.equal(web.changes.map((c) => [c.path, c.source]), [['resources.cpus', 'drift']]);
});

ignore('image: another image in the stack leaves the container as it is', () => {
  const d = app({ image: 'nginx:1.28', web: { ignoreChanges: ['image'] } });
  const plan = planStack(d, observed(app()));
  assert.is(nodeOf(plan, 'container.web').action, 'noop');
  assert.not.ok(plan.nodes.some((n) => n.kind === 'container' && n.action !== 'noop'));
});

ignore('image also covers the image id: a tag pulled again by hand is not planned', () => {
  const ignored = app({ web: { ignoreChanges: ['image'] } });
  assert.not.ok(hasChanges(planStack(ignored, observed(ignored, retagged('nginx:1.27')))));
  // Without the rule the same engine state replaces the container.
  assert.equal(actions(planStack(app(), observed(app(), retagged('nginx:1.27')))), ['container.web replace']);
});

ignore('networks.backend: leaving the network in the stack, or being detached by hand, plans nothing', () => {
  const rules = { ignoreChanges: ['networks.backend'] };
  assert.not.ok(hasChanges(planStack(app({ webNetworks: ['frontend'], web: rules }), observed(app()))));
  assert.not.ok(hasChanges(planStack(app({ web: rules }), observed(app(), detached('web', 'backend')))));
  // Other networks are still watched.
  assert.equal(actions(planStack(app({ web: rules }), observed(app(), detached('web', 'frontend')))), ['container.web update']);
});

ignore('a network connected by hand is left alone when ignored', () => {
  const d = app({ web: { ignoreChanges: ['networks.bridge'] } });
  assert.not.ok(hasChanges(planStack(d, observed(d, connectedByHand('web', 'bridge')))));
  const watched = planStack(app(), observed(app(), connectedByHand('web', 'bridge')));
  assert.equal(nodeOf(watched, 'container.web').changes, [
    { path: 'networks.bridge', before: { aliases: [] }, after: null, forcesReplacement: false, source: 'drift', note: 'connected outside moor' },
  ]);
});

ignore.run();

const order = suite('lifecycle: replaceOrder');

order('delete-before-create: the old container goes first, and the plan says why', () => {
  const d = app({ mode: 'dev', web: { replaceOrder: 'delete-before-create' } });
  const plan = planStack(d, observed(app()));
  const web = nodeOf(plan, 'container.web');
  assert.is(web.op.type === 'container.replace' && web.op.order, 'delete-before-create');
  assert.equal(web.causes, ['env.MODE changed', 'replaceOrder: delete-before-create']);
  assert.is(planText(plan), [
    '  -/+ container web  (replace (old container removed first); env.MODE changed; replaceOrder: delete-before-create)',
    '      ~ env.MODE: "prod" → "dev"  # forces replacement',
    '',
    'Plan: 0 to create, 0 to update, 1 to replace, 0 to delete.',
  ].join('\n'));
  const json = planToJson(plan).resources as { id: string; symbol: string; replace_order?: string }[];
  assert.equal(json.filter((r) => r.id === 'container.web').map((r) => [r.symbol, r.replace_order]), [['-/+', 'delete-before-create']]);
});

order('create-before-destroy stays the default, and an explicit one changes nothing', () => {
  for (const replaceOrder of [undefined, 'create-before-destroy'] as const) {
    const web = nodeOf(planStack(app({ mode: 'dev', web: { replaceOrder } }), observed(app())), 'container.web');
    assert.is(web.op.type === 'container.replace' && web.op.order, 'create-before-destroy');
    assert.equal(web.causes, ['env.MODE changed']);
  }
});

order('replaceOrder does not turn an in-place update into a replacement', () => {
  const plan = planStack(app({ memory: '512m', web: { replaceOrder: 'delete-before-create' } }), observed(app()));
  assert.equal(actions(plan), ['container.web update']);
});

order('when something the container uses goes first anyway, the rule adds no cause', () => {
  const d = app({ subnet: '10.9.0.0/24', web: { replaceOrder: 'delete-before-create' } });
  const web = nodeOf(planStack(d, observed(app())), 'container.web');
  assert.is(web.op.type === 'container.replace' && web.op.order, 'delete-before-create');
  assert.equal(web.causes, ['network backend is replaced']);
});

order.run();
