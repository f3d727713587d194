import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planStack } from '../../../core/plan/plan.js';
import { actions, nodeOf, observed, observedNetwork, shopStack } from '../../fixtures/builders.js';

const networks = suite('planNetworks');

networks('a subnet change replaces the network, old one first, and every container on it delete-before-create', () => {
  const d = shopStack({ backendSubnet: '10.77.0.0/24' });
  const o = observed(shopStack());
  const plan = planStack(d, o);
  assert.equal(actions(plan), ['network.backend replace', 'container.db replace', 'container.web replace', 'container.sidecar replace']);
  const net = nodeOf(plan, 'network.backend');
  assert.equal(net.changes, [{ path: 'subnet', before: null, after: '10.77.0.0/24', forcesReplacement: true, source: 'change' }]);
  assert.equal(net.causes, ['subnet changed']);
  assert.equal(net.op, { type: 'network.replace', id: o.networks.find((n) => n.name === 'shop-backend')!.id, network: d.networks.find((n) => n.name === 'backend')! });
  assert.equal(net.dependents, ['container.db', 'container.web']);
  for (const name of ['db', 'web']) {
    const c = nodeOf(plan, `container.${name}`);
    assert.equal(c.causes, ['network backend is replaced'], name);
    assert.equal(c.changes, [], name);
    assert.is(c.op.type === 'container.replace' && c.op.order, 'delete-before-create', name);
  }
});

networks('a network the stack no longer declares is deleted after the containers attached to it', () => {
  const d = shopStack();
  const without = { ...d, networks: d.networks.filter((n) => n.name !== 'frontend'), containers: d.containers.filter((c) => c.name === 'jobs') };
  const plan = planStack(without, observed(d));
  const net = nodeOf(plan, 'network.frontend');
  assert.is(net.action, 'delete');
  assert.equal(net.causes, ['no longer in the stack']);
  assert.equal(net.dependents, ['container.web']);
  assert.equal(net.op, { type: 'network.delete', id: observed(d).networks.find((n) => n.name === 'shop-frontend')!.id });
  const order = actions(plan);
  assert.ok(order.indexOf('container.web delete') < order.indexOf('network.frontend delete'), order.join(', '));
});

networks('a network whose labels moor cannot read is replaced, saying so', () => {
  const d = shopStack();
  const o = observed(d, (s) => ({ ...s, networks: s.networks.map((n) => (n.name === 'shop-frontend' ? observedNetwork({ ...n, spec: undefined }) : n)) }));
  const net = nodeOf(planStack(d, o), 'network.frontend');
  assert.is(net.action, 'replace');
  assert.equal(net.causes, ['moor cannot read what it last applied to this network']);
});

networks('a user label change on a network replaces it, key by key', () => {
  const withLabel = (v: string) => {
    const d = shopStack();
    return { ...d, networks: d.networks.map((n) => (n.name === 'frontend' ? { ...n, labels: { team: v } } : n)) };
  };
  const net = nodeOf(planStack(withLabel('b'), observed(withLabel('a'))), 'network.frontend');
  assert.equal(net.changes, [{ path: 'labels.team', before: 'a', after: 'b', forcesReplacement: true, source: 'change' }]);
});

networks.run();
