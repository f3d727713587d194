import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ContainerSpec } from '../../../core/model/spec.js';
import { planStack } from '../../../core/plan/plan.js';
import type { ContainerOptions } from '../../../core/stack/schema/container.js';
import {
  actions, container, desired, labelledWith, nodeOf, normalize, observed, observedImage, planText, removed,
} from '../../fixtures/builders.js';
import { stack } from '../../../core/stack/define.js';

/** A one-container stack: `app` (busybox) on network `net` (10.77.0.0/24), with these options. */
const app = (extra: Partial<ContainerOptions> = {}, address?: string) => desired('rt', ({ network, container: c }) => {
  const net = network('net', { subnet: '10.77.0.0/24' });
  c('app', { image: 'busybox', command: ['sleep', '1d'], networks: [{ network: net, ...(address ? { ipv4Address: address } : {}) }], ...extra });
});
const AT_CREATE = 'the engine sets it only when it creates the container';
const planOf = (before: Partial<ContainerOptions>, after: Partial<ContainerOptions>) => planStack(app(after), observed(app(before)));

const diff = suite('runtime options: plan diffs');

diff('each option changed is its own change, by name, forcing a replacement that says why', () => {
  const plan = planOf(
    { capabilities: { add: ['NET_ADMIN'] }, sysctls: { 'net.ipv4.ip_forward': 1 }, ulimits: { nofile: 1024 }, logging: { driver: 'json-file', options: { 'max-size': '1m' } } },
    { capabilities: { add: ['NET_ADMIN', 'SYS_TIME'] }, sysctls: { 'net.ipv4.ip_forward': 0 }, ulimits: { nofile: 2048, nproc: 64 }, logging: { driver: 'json-file', options: { 'max-size': '2m' } }, readOnlyRoot: true },
  );
  const node = nodeOf(plan, 'container.app');
  assert.is(node.action, 'replace');
  assert.equal(node.changes.map((c) => [c.path, c.before, c.after, c.forcesReplacement, c.note]), [
    ['capabilities.add', ['CAP_NET_ADMIN'], ['CAP_NET_ADMIN', 'CAP_SYS_TIME'], true, AT_CREATE],
    ['readOnlyRoot', false, true, true, AT_CREATE],
    ['sysctls.net.ipv4.ip_forward', '1', '0', true, AT_CREATE],
    ['ulimits.nofile', { soft: 1024, hard: 1024 }, { soft: 2048, hard: 2048 }, true, AT_CREATE],
    ['ulimits.nproc', null, { soft: 64, hard: 64 }, true, AT_CREATE],
    ['logging.options.max-size', '1m', '2m', true, AT_CREATE],
  ]);
  assert.equal(node.causes, ['capabilities.add changed', 'readOnlyRoot changed', 'sysctls.net.ipv4.ip_forward changed', 'ulimits.nofile changed', 'ulimits.nproc changed', 'logging.options.max-size changed']);
  assert.ok(planText(plan).includes('~ ulimits.nofile: "1024:1024" → "2048:2048"  # forces replacement # the engine sets it only when it creates the container'), planText(plan));
  const created = planText(planStack(app({ shmSize: '16m', devices: ['/dev/sda:/dev/xvda:r'] }), observed(app(), removed('container', 'app'))));
  assert.match(created, /\+ devices: \["\/dev\/sda:\/dev\/xvda:r"\]\n +\+ shmSize: "16 MiB"/, created);
});

diff('every other option: one change each, all replacements', () => {
  const cases: [Partial<ContainerOptions>, string][] = [
    [{ capabilities: { drop: ['MKNOD'] } }, 'capabilities.drop'], [{ privileged: true }, 'privileged'], [{ init: true }, 'init'],
    [{ securityOptions: ['no-new-privileges:true'] }, 'securityOptions'], [{ devices: ['/dev/fuse'] }, 'devices'], [{ shmSize: '128m' }, 'shmSize'],
    [{ extraHosts: { 'db.local': '10.0.0.5' } }, 'extraHosts.db.local'], [{ dns: { servers: ['10.0.0.53'] } }, 'dns.servers'],
    [{ dns: { search: ['example.com'] } }, 'dns.search'], [{ dns: { options: ['ndots:2'] } }, 'dns.options'], [{ logging: { driver: 'local' } }, 'logging.driver'],
    [{ tty: true }, 'tty'], [{ stdinOpen: true }, 'stdinOpen'], [{ platform: 'linux/amd64' }, 'platform'], [{ gpus: 'all' }, 'gpus'],
    [{ expose: [9000] }, 'expose'], [{ groupAdd: ['audio'] }, 'groupAdd'], [{ stopTimeout: '1m' }, 'stopTimeout'],
  ];
  for (const [options, path] of cases) {
    const node = nodeOf(planOf({}, options), 'container.app');
    assert.is(node.action, 'replace', path);
    assert.equal(node.changes.map((c) => c.path), [path]);
    assert.ok(node.changes[0]!.forcesReplacement);
  }
});

diff('the same options written another way are no change: names, order, defaults, units', () => {
  const plan = planOf(
    { capabilities: { add: ['net_admin', 'SYS_TIME'] }, sysctls: { 'net.ipv4.ip_forward': '1' }, ulimits: { nofile: 1024 }, shmSize: '128m', stopTimeout: 90, expose: ['9000-9001'], groupAdd: [5, 'audio'] },
    { capabilities: { add: ['CAP_SYS_TIME', 'CAP_NET_ADMIN'], drop: [] }, sysctls: { 'net.ipv4.ip_forward': 1 }, ulimits: { nofile: { soft: 1024, hard: 1024 } }, shmSize: 134217728, stopTimeout: '1m30s', expose: [9001, '9000/tcp'], groupAdd: ['audio', '5'], privileged: false, dns: {} },
  );
  assert.equal(actions(plan), []);
});

diff('a label written before these options existed reads as the engine defaults: no change', () => {
  const now = app({ privileged: false, shmSize: '64m', tty: false });
  const old = JSON.parse(JSON.stringify(now.containers[0])) as ContainerSpec;
  assert.equal(Object.keys(old).filter((k) => ['capabilities', 'privileged', 'shmSize', 'tty', 'dns', 'logging'].includes(k)), []);
  assert.equal(actions(planStack(now, observed(now, labelledWith('app', old)))), []);
});

diff.run();

const address = suite('runtime options: fixed IPv4 address');

address('an address changed replaces the container; the old one goes first, as the new one needs the address it holds', () => {
  const plan = planStack(app({}, '10.77.0.20'), observed(app({}, '10.77.0.10')));
  const node = nodeOf(plan, 'container.app');
  assert.is(node.action, 'replace');
  assert.equal(node.changes, [{ path: 'networks.net.ipv4Address', before: '10.77.0.10', after: '10.77.0.20', forcesReplacement: true, source: 'change', note: 'moor gives a container its fixed address when it creates it' }]);
  assert.is(node.op.type === 'container.replace' && node.op.order, 'create-before-destroy');
  const same = planStack(app({ env: { A: '1' } }, '10.77.0.10'), observed(app({}, '10.77.0.10')));
  const op = nodeOf(same, 'container.app').op;
  assert.is(op.type === 'container.replace' && op.order, 'delete-before-create');
  assert.ok(nodeOf(same, 'container.app').causes.includes('its fixed address cannot be held by two containers: the old one goes first'));
});

address('joining a network with a fixed address replaces the container (a live connect would keep the address out of its labels); without one it is live', () => {
  const two = (address?: string) => desired('rt', ({ network, container: c }) => {
    const net = network('net', { subnet: '10.77.0.0/24' });
    const more = network('more', { subnet: '10.78.0.0/24' });
    c('app', { image: 'busybox', command: ['sleep', '1d'], networks: [net, { network: more, ...(address ? { ipv4Address: address } : {}) }] });
  });
  const before = observed(app());
  const fixed = nodeOf(planStack(two('10.78.0.5'), before), 'container.app');
  assert.is(fixed.action, 'replace');
  assert.ok(fixed.changes.some((c) => c.path === 'networks.more.ipv4Address' && c.before === null && c.after === '10.78.0.5' && c.forcesReplacement));
  assert.is(nodeOf(planStack(two(), before), 'container.app').action, 'update');
});

address('ignoreChanges of a runtime option leaves its changes out of the plan', () => {
  const d = app({ ulimits: { nofile: 2048 }, ignoreChanges: ['ulimits', 'dns'], dns: { servers: ['10.0.0.1'] } });
  assert.equal(actions(planStack(d, observed(app({ ulimits: { nofile: 1024 } })))), []);
});

address('address and alias changes read in plan text as their values (the renderer used to crash on networks.NAME.aliases)', () => {
  const text = planText(planStack(app({}, '10.77.0.20'), observed(app({}, '10.77.0.10'))));
  assert.match(text, /~ networks\.net\.ipv4Address: "10\.77\.0\.10" → "10\.77\.0\.20"  # forces replacement # moor gives a container its fixed address when it creates it/, text);
  const aliased = (aliases: string[]) => desired('rt', ({ network, container: c }) => { c('app', { image: 'busybox', networks: [{ network: network('net'), aliases }] }); });
  const aliases = planText(planStack(aliased(['www', 'shop']), observed(aliased(['www']))));
  assert.match(aliases, /~ networks\.net\.aliases: \["www"\] → \["shop", "www"\]/, aliases);
  assert.match(planText(planStack(app({}, '10.77.0.10'), observed(app({}, '10.77.0.10'), removed('container', 'app')))), /\+ networks: \["net \(10\.77\.0\.10\)"\]/);
});

address('an address is checked against the network: declared subnet, inside it, not its gateway, network or broadcast address, not taken', () => {
  const errors = (build: Parameters<typeof stack>[1]) => normalize(stack('rt', build)).diagnostics.map((d) => `${d.field}: ${d.summary}`);
  assert.equal(errors(({ network, container: c }) => {
    const plain = network('plain');
    const sub = network('sub', { subnet: '10.77.0.0/24' });
    const gw = network('gw', { subnet: '10.78.0.0/24', gateway: '10.78.0.254' });
    c('a', { image: 'busybox', networks: [{ network: plain, ipv4Address: '10.0.0.5' }, { network: sub, ipv4Address: '10.77.1.5' }, { network: gw, ipv4Address: '10.78.0.254' }] });
    c('b', { image: 'busybox', networks: [{ network: sub, ipv4Address: '10.77.0.1' }, { network: gw, ipv4Address: '10.78.0.255' }] });
    c('c', { image: 'busybox', networks: [{ network: sub, ipv4Address: '10.77.0.9' }, { network: gw, ipv4Address: '10.78.0.1' }] });
    c('d', { image: 'busybox', networks: [{ network: sub, ipv4Address: '10.77.0.9' }, { network: gw, ipv4Address: 'nope' as string }] });
  }), [
    'networks[1].ipv4Address: expected an IPv4 address like "10.77.0.10"',
    'networks.gw.ipv4Address: ipv4Address 10.78.0.254 is the gateway of network "gw"',
    'networks.plain.ipv4Address: ipv4Address 10.0.0.5 needs network "plain" to declare a subnet: the engine only gives fixed addresses in a subnet the user configured',
    'networks.sub.ipv4Address: ipv4Address 10.77.1.5 is outside the subnet 10.77.0.0/24 of network "sub"',
    'networks.gw.ipv4Address: ipv4Address 10.78.0.255 is the broadcast address of 10.78.0.0/24',
    'networks.sub.ipv4Address: ipv4Address 10.77.0.1 is the gateway of network "sub" (the engine takes the first address when no gateway is declared)',
  ]);
  assert.equal(errors(({ network, container: c }) => {
    const sub = network('sub', { subnet: '10.77.0.0/24' });
    c('c', { image: 'busybox', networks: [{ network: sub, ipv4Address: '10.77.0.9' }] });
    c('d', { image: 'busybox', networks: [{ network: sub, ipv4Address: '10.77.0.9' }] });
  }), ['networks.sub.ipv4Address: ipv4Address 10.77.0.9 on network "sub" is container "c"\'s too']);
});

address.run();

const pull = suite('runtime options: pullPolicy');

const pulled = (policy: ContainerOptions['pullPolicy']) => desired('rt', ({ container: c }) => { c('app', { image: 'busybox', command: ['sleep', '1d'], pullPolicy: policy }); });

pull('"never": a missing image is a plan error naming the container\'s pullPolicy; a present one is no change', () => {
  const plan = planStack(pulled('never'), observed(pulled('never'), removed('image', 'busybox'), removed('container', 'app')));
  assert.equal(plan.diagnostics.map((d) => [d.resource, d.field, d.summary]), [
    ['container.app', 'pullPolicy', 'image busybox:latest is not on the engine, and pullPolicy "never" forbids pulling it'],
  ]);
  assert.equal(actions(planStack(pulled('never'), observed(pulled('never')))), []);
});

pull('"always": pulled again only when the registry serves another image than the engine has; unchanged, the plan is empty', () => {
  const ref = 'busybox:latest';
  const withDigest = (digest: string) => (s: ReturnType<typeof observed>) => ({
    ...s, images: [observedImage({ refs: [ref, `busybox@${digest}`] })], registryDigests: { [ref]: 'sha256:aaaa' },
  });
  const d = pulled('always');
  assert.equal(actions(planStack(d, observed(d, withDigest('sha256:aaaa'), container('app', (c, s) => ({ ...c, imageId: s.images[0]!.id }))))), []);
  const plan = planStack(d, observed(d, withDigest('sha256:bbbb'), container('app', (c, s) => ({ ...c, imageId: s.images[0]!.id }))));
  assert.equal(actions(plan), ['image.busybox replace', 'container.app replace']);
  assert.equal(nodeOf(plan, 'image.busybox').causes, ['pullPolicy "always": the registry serves another image (sha256:aaaa…)']);
  assert.equal(nodeOf(plan, 'container.app').causes, ['image id changed']);
  const offline = planStack(d, { ...observed(d), unpullable: { [ref]: 'cannot pull busybox: no registry' } });
  assert.equal(offline.diagnostics.map((x) => [x.field, x.summary]), [['pullPolicy', 'pullPolicy "always": cannot pull busybox: no registry']]);
});

pull('"build" needs a built image; "always"/"never" need a pulled one; two containers cannot disagree', () => {
  const errors = (build: Parameters<typeof stack>[1]) => normalize(stack('rt', build)).diagnostics.map((x) => `${x.resource} ${x.field}: ${x.summary}`);
  assert.equal(errors(({ image, container: c }) => {
    const tools = image('tools', { build: { context: './tools' } });
    c('a', { image: 'busybox', pullPolicy: 'build' });
    c('b', { image: tools, pullPolicy: 'never' });
    c('c', { image: tools, pullPolicy: 'build' });
    c('d', { image: 'busybox', pullPolicy: 'always' });
    c('e', { image: 'busybox', pullPolicy: 'never' });
  }), [
    'container.a pullPolicy: pullPolicy "build" needs an image the stack builds (an image(\'NAME\', { build: … }) handle), but busybox is pulled',
    'container.b pullPolicy: pullPolicy "never" is for pulled images: image "tools" is built by this stack (use "build", or leave it out)',
    'container.e pullPolicy: pullPolicy "never" contradicts pullPolicy "always" of container "d" for the same image busybox',
  ]);
});

pull.run();
