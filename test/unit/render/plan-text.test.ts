import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planStack } from '../../../core/plan/plan.js';
import type { Plan, PlanNode } from '../../../core/plan/types.js';
import { actionSymbol, renderPlan, summaryLine } from '../../../core/render/plan-text.js';
import type { Style } from '../../../core/render/style.js';
import { plainStyle } from '../../../core/render/style.js';
import { bind, tmpfs } from '../../../providers/index.js';
import { desired, ENGINE, inspected, observed, planText, shopStack, stopped, volumeHealth } from '../../fixtures/builders.js';

const was = desired('shop', ({ network, volume, container }) => {
  const backend = network('backend');
  const data = volume('data');
  const scratch = volume('scratch');
  container('db', { image: 'postgres:16', networks: [backend], mounts: [{ volume: data, target: '/data' }] });
  container('web', { image: 'nginx:1.27', env: { MODE: 'prod' }, networks: [backend] });
  container('worker', { image: 'nginx:1.27', mounts: [{ volume: scratch, target: '/scratch' }] });
});
const now = desired('shop', ({ network, volume, container }) => {
  const backend = network('backend');
  const data = volume('data');
  container('db', { image: 'postgres:16', networks: [backend], mounts: [{ volume: data, target: '/data' }] });
  container('web', { image: 'nginx:1.27', env: { MODE: 'dev' }, networks: [backend] });
  container('api', { image: 'nginx:1.27', networks: [backend] });
});

const fromPlanner = suite('renderPlan: a planned change');

fromPlanner('create, drift update, replace, delete and data loss, in the canonical text', () => {
  assert.is(planText(planStack(now, observed(was, stopped('db')))), [
    '  +   container api  (not on the engine)',
    '      + image: "nginx:1.27"',
    '      + networks: ["backend"]',
    '  ~   container db  (update in place; state: stopped outside moor)',
    '      ~ state: "exited" → "running"  # drift: stopped outside moor',
    '  +/- container web  (replace (new container first, then the old one is removed); env.MODE changed)',
    '      ~ env.MODE: "prod" → "dev"  # forces replacement',
    '  -   container worker  (no longer in the stack)',
    '      - image: "nginx:1.27"',
    '      - networkMode: "bridge"',
    '      - mounts: ["volume scratch → /scratch"]',
    '  -   volume scratch  (no longer in the stack)',
    '      !! DATA LOSS: volume shop-scratch and every file in it will be deleted',
    '      - provider: "local"',
    '',
    'Plan: 1 to create, 1 to update, 1 to replace, 2 to delete.',
  ].join('\n'));
});

fromPlanner('an alias change shows the aliases before and after (not as an attachment)', () => {
  const plan = planStack(shopStack({ webAliases: ['www', 'shop'] }), observed(shopStack(), inspected('web')));
  assert.ok(planText(plan).includes('      ~ networks.backend.aliases: ["www"] → ["shop", "www"]'), planText(plan));
});

fromPlanner('no changes names the stack, or the stack file relative to the working directory', () => {
  const plan = planStack(was, observed(was));
  assert.is(renderPlan(plan, plainStyle), 'No changes. The engine matches stack shop.');
  assert.is(renderPlan(plan, plainStyle, { stackFile: path.join(process.cwd(), 'stacks', 'shop.ts') }), 'No changes. The engine matches stacks/shop.ts.');
});

fromPlanner.run();

const node = (fields: Partial<PlanNode> & Pick<PlanNode, 'id' | 'kind' | 'name' | 'action' | 'op'>): PlanNode =>
  ({ engineName: `shop-${fields.name}`, causes: [], changes: [], dependsOn: [], dependents: [], ...fields });
const plan = (nodes: PlanNode[], notes: string[] = []): Plan =>
  ({ format: 2, stack: 'shop', mode: 'apply', engine: ENGINE, nodes, diagnostics: [], notes, refreshed: true, ledger: { generation: 0, entries: {}, volumes: [] } });

const container = { kind: 'container', name: 'web' } as never;

const handBuilt = suite('renderPlan: symbols and values');

handBuilt('delete-before-create is -/+, with added and removed values marked + and -', () => {
  const text = renderPlan(plan([node({
    id: 'container.web', kind: 'container', name: 'web', action: 'replace', causes: ['network backend is replaced', 'ports changed'],
    op: { type: 'container.replace', oldId: 'abc', container, order: 'delete-before-create', waitFor: [] },
    changes: [
      { path: 'hostname', before: null, after: 'web', forcesReplacement: true, source: 'change' },
      { path: 'user', before: 'root', after: null, forcesReplacement: true, source: 'change' },
      { path: 'ports', before: [{ hostIp: '', hostPort: '8080', containerPort: '80/tcp' }], after: [], forcesReplacement: true, source: 'change' },
    ],
  })]), plainStyle);
  assert.is(text, [
    '  -/+ container web  (replace (old container removed first); network backend is replaced; ports changed)',
    '      + hostname: (none) → "web"  # forces replacement',
    '      - user: "root" → (none)  # forces replacement',
    '      ~ ports: ["8080→80/tcp"] → []  # forces replacement',
    '',
    'Plan: 0 to create, 0 to update, 1 to replace, 0 to delete.',
  ].join('\n'));
});

handBuilt('a replaced volume says it comes back empty; notes follow the changes', () => {
  const text = renderPlan(plan([node({
    id: 'volume.data', kind: 'volume', name: 'data', action: 'replace', dataLoss: true, causes: ['driver changed (the engine cannot change a volume in place)'],
    op: { type: 'volume.replace', volume: { kind: 'volume', name: 'data', provider: { name: 'local', options: {} }, driver: 'nfs', driverOpts: {}, labels: {} } },
    changes: [{ path: 'driver', before: 'local', after: 'nfs', forcesReplacement: true, source: 'change', note: 'see the provider docs' }],
  })], ['volume shop-logs is kept with its data (destroy --volumes removes it)']), plainStyle);
  assert.is(text, [
    '  -/+ volume data  (driver changed (the engine cannot change a volume in place))',
    '      !! DATA LOSS: volume shop-data and every file in it will be deleted and recreated empty',
    '      ~ driver: "local" → "nfs"  # forces replacement # see the provider docs',
    '  · volume shop-logs is kept with its data (destroy --volumes removes it)',
    '',
    'Plan: 0 to create, 0 to update, 1 to replace, 0 to delete.',
  ].join('\n'));
});

handBuilt('multi-line values are shown as a line diff', () => {
  const text = renderPlan(plan([node({
    id: 'container.web', kind: 'container', name: 'web', action: 'replace', causes: ['env.CONFIG changed'],
    op: { type: 'container.replace', oldId: 'abc', container, order: 'create-before-destroy', waitFor: [] },
    changes: [{ path: 'env.CONFIG', before: 'a=1\nb=2\n', after: 'a=1\nb=3\n', forcesReplacement: true, source: 'change' }],
  })]), plainStyle);
  assert.is(text, [
    '  +/- container web  (replace (new container first, then the old one is removed); env.CONFIG changed)',
    '      ~ env.CONFIG: # forces replacement',
    '            a=1',
    '          - b=2',
    '          + b=3',
    '',
    'Plan: 0 to create, 0 to update, 1 to replace, 0 to delete.',
  ].join('\n'));
});

handBuilt('noop nodes are not shown; an empty plan is "No changes"', () => {
  assert.is(renderPlan(plan([node({ id: 'network.backend', kind: 'network', name: 'backend', action: 'noop', op: { type: 'noop' } })]), plainStyle),
    'No changes. The engine matches stack shop.');
});

handBuilt('colour comes only from the injected style', () => {
  const tag = (name: string) => (s: string) => `<${name}>${s}</${name}>`;
  const style: Style = {
    create: tag('create'), update: tag('update'), remove: tag('remove'), replace: tag('replace'),
    dim: tag('dim'), bold: tag('bold'), warn: tag('warn'), error: tag('error'),
  };
  const text = renderPlan(plan([
    node({ id: 'container.web', kind: 'container', name: 'web', action: 'update', causes: ['state: stopped outside moor'],
      op: { type: 'noop' }, changes: [{ path: 'state', before: 'exited', after: 'running', forcesReplacement: false, source: 'drift', note: 'stopped outside moor' }] }),
    node({ id: 'volume.data', kind: 'volume', name: 'data', action: 'delete', dataLoss: true, causes: ['no longer in the stack'], op: { type: 'volume.delete', also: [] } }),
  ]), style);
  assert.is(text, [
    '  <update>~   container web</update><dim>  (update in place; state: stopped outside moor)</dim>',
    '      ~ state: "exited" → "running"  <warn># drift: stopped outside moor</warn>',
    '  <remove>-   volume data</remove><dim>  (no longer in the stack)</dim>',
    '      <error>!! DATA LOSS: volume shop-data and every file in it will be deleted</error>',
    '',
    'Plan: 0 to create, 1 to update, 0 to replace, 1 to delete.',
  ].join('\n'));
  assert.not.match(renderPlan(plan([node({ id: 'volume.data', kind: 'volume', name: 'data', action: 'delete', op: { type: 'volume.delete', also: [] } })]), plainStyle), /[<\x1b]/);
});

handBuilt.run();

const symbols = suite('actionSymbol');

symbols('+ create, ~ update, - delete, +/- create first, -/+ delete first, blank for noop', () => {
  const of = (action: PlanNode['action'], op: PlanNode['op']) => actionSymbol(node({ id: 'x.y', kind: 'container', name: 'y', action, op }));
  assert.is(of('create', { type: 'noop' }), '+');
  assert.is(of('update', { type: 'noop' }), '~');
  assert.is(of('delete', { type: 'noop' }), '-');
  assert.is(of('noop', { type: 'noop' }), ' ');
  assert.is(of('replace', { type: 'container.replace', oldId: 'a', container, order: 'create-before-destroy', waitFor: [] }), '+/-');
  assert.is(of('replace', { type: 'container.replace', oldId: 'a', container, order: 'delete-before-create', waitFor: [] }), '-/+');
  assert.is(of('replace', { type: 'image.build', image: { kind: 'image', name: 't', ref: 'shop-t:latest', labels: {} } }), '+/-');
  assert.is(of('replace', { type: 'network.replace', id: 'n', network: { kind: 'network', name: 'n', driver: 'bridge', internal: false, attachable: false, subnet: null, gateway: null, labels: {} } }), '-/+');
});

symbols.run();

const summary = suite('summaryLine');

summary('counts each action', () => {
  const p = plan([
    node({ id: 'a.a', kind: 'network', name: 'a', action: 'create', op: { type: 'noop' } }),
    node({ id: 'b.b', kind: 'network', name: 'b', action: 'create', op: { type: 'noop' } }),
    node({ id: 'c.c', kind: 'network', name: 'c', action: 'delete', op: { type: 'noop' } }),
    node({ id: 'd.d', kind: 'network', name: 'd', action: 'noop', op: { type: 'noop' } }),
  ]);
  assert.is(summaryLine(p), 'Plan: 2 to create, 0 to update, 0 to replace, 1 to delete.');
});

summary.run();

const storage = suite('renderPlan: storage providers');

/** volume site (bind ./site) and volume cache (tmpfs), both used by web. */
const withProviders = desired('shop', ({ volume, container }) => {
  const mounts = [volume('site', { provider: bind({ path: './site' }) }), volume('cache', { provider: tmpfs() })].map((v, i) => ({ volume: v, target: `/v${i}` }));
  container('web', { image: 'nginx:1.27', mounts });
});

storage('a repair reads "repair", with the restarts in its cause', () => {
  const plan = planStack(withProviders, observed(withProviders, volumeHealth('site', { ok: false, reason: 'the host directory /srv/stacks/site is gone' })));
  assert.is(planText(plan), [
    '  ~   volume site  (repair; the host directory /srv/stacks/site is gone (drift): apply repairs it, then restarts shop-web so that it sees the repaired volume)',
    '',
    'Plan: 0 to create, 1 to update, 0 to replace, 0 to delete.',
  ].join('\n'));
});

storage('deleting volumes that keep no data in the engine shows no data-loss line', () => {
  const text = planText(planStack(desired('shop', () => {}), observed(withProviders)));
  assert.ok(text.includes('  -   volume cache  (no longer in the stack; its data lived in memory only, and goes when its containers stop)\n'), text);
  assert.not.match(text, 'DATA LOSS');
});

storage.run();
