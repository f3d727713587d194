/**
 * network('proxy', { external: true }): normalized into the stack's external networks (not its own),
 * attachments marked external; planned as nothing (never created, changed or deleted); a missing
 * one is a diagnostic naming the stack file line; containers join the engine network by its name.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { containerCreateBody } from '../../../core/apply/container-body.js';
import { planStack } from '../../../core/plan/plan.js';
import { emptyStack } from '../../../core/model/spec.js';
import { stack } from '../../../core/stack/define.js';
import { actions, containerSpec, desired, emptyEngine, normalize, nodeOf, observed } from '../../fixtures/builders.js';

const ext = suite('external networks');

const withProxy = () => desired('shop', ({ network, container }) => {
  const proxy = network('proxy', { external: true });
  const back = network('back');
  container('web', { image: 'nginx:1.27', networks: [{ network: proxy, aliases: ['site'] }, back] });
});

ext('normalized apart from the stack\'s own networks; the attachment is marked external', () => {
  const d = withProxy();
  assert.equal(d.externalNetworks, ['proxy']);
  assert.equal(d.networks.map((n) => n.name), ['back']);
  assert.equal(containerSpec(d, 'web').networks, [{ network: 'back', aliases: [] }, { network: 'proxy', aliases: ['site'], external: true }]);
});

ext('any other option next to external: true is a diagnostic naming the field; an engine-style name is allowed', () => {
  const { diagnostics } = normalize(stack('shop', ({ network }) => {
    network('proxy', { external: true, driver: 'overlay', labels: { a: 'b' } });
    network('Traefik.public', { external: true });
    network('host', { external: true });
  }));
  assert.equal(diagnostics.map((d) => [d.severity, d.resource, d.field]), [['error', 'network.proxy', 'driver'], ['error', 'network.proxy', 'labels'], ['error', 'network.host', 'external']]);
  assert.match(diagnostics[2]!.summary, "use networkMode: 'host'");
  assert.match(diagnostics[0]!.summary, 'not allowed with external: true');
  assert.ok(diagnostics[0]!.location?.line, 'names the line of the declaration');
});

ext('plan: no node for the external network; the container joins it by its own name (not stack-prefixed)', () => {
  const d = withProxy();
  const plan = planStack(d, emptyEngine('shop', (s) => ({ ...s, externalNetworks: { proxy: { id: 'n1', driver: 'bridge' } } })));
  assert.equal(actions(plan), ['image.nginx:1.27 create', 'network.back create', 'container.web create']);
  assert.equal(nodeOf(plan, 'container.web').dependsOn, ['image.nginx:1.27', 'network.back']);
  assert.equal(plan.diagnostics, []);
  const { body, extraNetworks } = containerCreateBody('shop', 'nginx:1.27', containerSpec(d, 'web'));
  assert.equal((body.HostConfig as { NetworkMode: string }).NetworkMode, 'shop-back');
  assert.equal(extraNetworks, [{ network: 'proxy', aliases: ['web', 'site'] }]);
});

ext('plan: a missing external network is an error at its declaration; applied, the stack plans empty', () => {
  const d = withProxy();
  const missing = planStack(d, emptyEngine('shop', (s) => ({ ...s, externalNetworks: { proxy: null } })));
  assert.equal(missing.diagnostics.map((x) => [x.severity, x.resource, x.field]), [['error', 'network.proxy', 'external']]);
  assert.match(missing.diagnostics[0]!.summary, 'the engine has no network named "proxy"');
  assert.ok(missing.diagnostics[0]!.location?.line, 'names the line');
  assert.equal(actions(planStack(d, observed(d))).filter((a) => !a.endsWith(' noop')), []);
});

ext('plan: detached from the external network by hand is drift repaired live; destroy never lists it', () => {
  const d = withProxy();
  const o = observed(d, (s) => ({ ...s, containers: s.containers.map((c) => ({ ...c, networks: c.networks.filter((n) => n !== 'proxy') })) }));
  const web = nodeOf(planStack(d, o), 'container.web');
  assert.is(web.action, 'update');
  assert.equal(web.op.type === 'container.update' && web.op.connect, [{ network: 'proxy', aliases: ['site'] }]);
  const destroy = planStack(emptyStack('shop', d.file), observed(d), { mode: 'destroy' });
  assert.equal(actions(destroy), ['container.web delete', 'network.back delete']);
});

ext.run();
