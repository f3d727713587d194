import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planStack } from '../../../core/plan/plan.js';
import { stack } from '../../../core/stack/define.js';
import { desired, normalize, observed, observedState } from '../../fixtures/builders.js';

const conflicts = suite('checkEngineConflicts: what other engine objects already use');

const web = (hostIp?: string) => desired('shop', ({ network, container }) => {
  network('backend', { subnet: '172.17.5.0/24' });
  container('web', { image: 'busybox', ports: [{ container: 80, host: 8080, ...(hostIp ? { hostIp } : {}) }] });
});
const problems = (d = web(), o = observedState({ stack: 'shop' })) => planStack(d, o).diagnostics.map((x) => `${x.resource} › ${x.field}: ${x.summary}`);

conflicts('a subnet overlapping a network outside the stack (the engine answers 403 "Pool overlaps")', () => {
  const o = observedState({ stack: 'shop', engineNetworks: [
    { name: 'bridge', driver: 'bridge', subnets: ['172.17.0.0/16'] },
    { name: 'ingress', driver: 'overlay', subnets: ['172.17.5.0/24'] },
  ] });
  assert.equal(problems(desired('shop', ({ network }) => { network('backend', { subnet: '172.17.5.0/24' }); }), o), [
    'network.backend › subnet: subnet 172.17.5.0/24 overlaps subnet 172.17.0.0/16 of the engine\'s network "bridge": the engine refuses overlapping subnets',
  ]);
});

conflicts('the stack\'s own networks, and networks that stay as they are, are not conflicts', () => {
  const d = desired('shop', ({ network }) => { network('backend', { subnet: '10.9.0.0/24' }); });
  const o = observed(d);
  o.engineNetworks = [{ name: 'shop-backend', driver: 'bridge', stack: 'shop', subnets: ['10.9.0.0/24'] }, { name: 'x', driver: 'bridge', subnets: ['10.9.0.0/16'] }];
  assert.equal(planStack(d, o).diagnostics, []);
});

conflicts('a host port a running container outside the stack publishes', () => {
  const d = desired('shop', ({ container }) => { container('web', { image: 'busybox', ports: [{ container: 80, host: 8080, hostIp: '127.0.0.1' }] }); });
  const held = (hostIp: string, hostPort = 8080, protocol = 'tcp') => observedState({ stack: 'shop', publishedPorts: [{ container: 'other', hostIp, hostPort, protocol }] });
  const msg = (ip: string) => [`container.web › ports: host port 127.0.0.1:8080 is already in use by container other, which publishes ${ip}:8080/tcp`];
  assert.equal(problems(d, held('127.0.0.1')), msg('127.0.0.1'));
  assert.equal(problems(d, held('0.0.0.0')), msg('0.0.0.0'));
  assert.equal(problems(d, held('127.0.0.2')), []);
  assert.equal(problems(d, held('::')), []);
  assert.equal(problems(d, held('127.0.0.1', 8081)), []);
  assert.equal(problems(d, held('127.0.0.1', 8080, 'udp')), []);
});

conflicts('with --target, only what the plan creates or starts is checked', () => {
  const d = desired('shop', ({ container }) => {
    container('web', { image: 'busybox', ports: [{ container: 80, host: 8080 }] });
    container('api', { image: 'busybox' });
  });
  const o = observedState({ stack: 'shop', publishedPorts: [{ container: 'other', hostIp: '0.0.0.0', hostPort: 8080, protocol: 'tcp' }] });
  assert.equal(planStack(d, o, { mode: 'apply', targets: ['container.api'] }).diagnostics, []);
  assert.is(planStack(d, o, { mode: 'apply', targets: ['container.web'] }).diagnostics.length, 1);
});

conflicts('a container of the stack that is running already holds its own port', () => {
  const d = desired('shop', ({ container }) => { container('web', { image: 'busybox', ports: [{ container: 80, host: 8080 }] }); });
  const o = observed(d);
  o.publishedPorts = [{ container: 'shop-web', stack: 'shop', hostIp: '0.0.0.0', hostPort: 8080, protocol: 'tcp' }];
  assert.equal(planStack(d, o).diagnostics, []);
  o.publishedPorts.push({ container: 'elsewhere', hostIp: '0.0.0.0', hostPort: 8080, protocol: 'tcp' });
  assert.equal(planStack(d, o).diagnostics, [], 'unchanged: not started again, so nothing to refuse');
});

conflicts('two containers of the stack publishing one host port: a stack diagnostic', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    container('a', { image: 'busybox', ports: [{ container: 80, host: 8080 }] });
    container('b', { image: 'busybox', ports: [{ container: 81, host: 8080 }] });
    container('c', { image: 'busybox', ports: [{ container: 81, host: 8080, protocol: 'udp' }] });
  }));
  assert.equal(diagnostics.map((x) => `${x.resource} › ${x.field}: ${x.summary}`), [
    'container.b › ports: host port *:8080 is published by container "a" too: only one of them could start',
  ]);
});

conflicts('a CPU limit above the engine host\'s CPUs ("Range of CPUs is from 0.01 to 2.00")', () => {
  const d = desired('shop', ({ container }) => { container('web', { image: 'busybox', resources: { cpus: 4 } }); });
  assert.equal(problems(d, observedState({ stack: 'shop', engineCpus: 2 })), ["container.web › resources.cpus: resources.cpus 4 is more than the 2 CPUs of the engine's host: the engine refuses it"]);
  assert.equal(problems(d, observedState({ stack: 'shop', engineCpus: 4 })), []);
  assert.equal(problems(d, observedState({ stack: 'shop' })), [], 'unknown: not checked');
});

conflicts('a network driver the engine does not have (a plugin not installed) is found before anything is created', () => {
  const d = desired('shop', ({ network }) => { network('mesh', { driver: 'weave' }); });
  const drivers = ['bridge', 'host', 'ipvlan', 'macvlan', 'null', 'overlay'];
  assert.equal(problems(d, observedState({ stack: 'shop', networkDrivers: drivers })), [
    'network.mesh › driver: network driver "weave" is not available on the engine (it has bridge, host, ipvlan, macvlan, null, overlay)',
  ]);
  assert.equal(problems(d, observedState({ stack: 'shop', networkDrivers: [...drivers, 'weave'] })), []);
  assert.equal(problems(d, observedState({ stack: 'shop' })), [], 'unknown: not checked');
});

conflicts.run();
