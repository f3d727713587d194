import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Diagnostic } from '../../../core/diagnostics.js';
import { collectDeclarations } from '../../../core/stack/collect.js';
import { stack } from '../../../core/stack/define.js';
import { makeHandle, type NetworkHandle } from '../../../core/stack/handles.js';
import { normalize, STACK_FILE } from '../../fixtures/builders.js';

const THIS_FILE = fileURLToPath(import.meta.url);

/** Diagnostics without their locations: what, where in the resource. */
const plain = (diags: Diagnostic[]) => diags.map(({ location: _location, ...rest }) => rest);

const canonical = suite('normalizeStack: canonical specs');

canonical('a container\'s options become its canonical spec: expanded, sorted, resolved, in engine units', () => {
  const { stack: d, diagnostics } = normalize(stack('shop', ({ network, volume, container }) => {
    const backend = network('backend');
    const data = volume('data');
    const db = container('db', { image: 'postgres:16', healthcheck: { test: 'pg_isready', interval: '1m30s', timeout: 2, retries: 3 } });
    container('web', {
      image: 'nginx:1.27',
      command: ['nginx', '-g', 'daemon off;'],
      env: { Z: '1', A: '2' },
      ports: [{ container: '8001-8002', host: '9001-9002', hostIp: '127.0.0.1' }, { container: 80 }, { container: 53, protocol: 'udp', host: 5353 }],
      networks: [{ network: backend, aliases: ['www', 'web', 'api', 'www'] }],
      mounts: [{ volume: data, target: '/var/data' }, { bind: './site', target: '/site', readOnly: true }, { tmpfs: { size: '64m', mode: 0o1777 }, target: '/tmp' }],
      restart: { policy: 'on-failure', maxRetries: 3 },
      resources: { cpus: 0.25, memory: '1g', pids: 100 },
      dependsOn: [{ container: db, condition: 'healthy' }, db],
      user: '1000:1000', workingDir: '/site', hostname: 'web', labels: { team: 'shop' }, stopSignal: 'SIGQUIT', stopTimeout: 5,
    });
  }));
  assert.equal(diagnostics, []);
  const web = d.containers.find((c) => c.name === 'web')!;
  assert.equal(web, {
    kind: 'container', name: 'web', image: 'nginx:1.27', command: ['nginx', '-g', 'daemon off;'], entrypoint: null,
    env: { A: '2', Z: '1' },
    ports: [
      { containerPort: '53/udp', hostIp: '', hostPort: '5353' },
      { containerPort: '80/tcp', hostIp: '', hostPort: '' },
      { containerPort: '8001/tcp', hostIp: '127.0.0.1', hostPort: '9001' },
      { containerPort: '8002/tcp', hostIp: '127.0.0.1', hostPort: '9002' },
    ],
    publishAll: false,
    networkMode: { type: 'networks' },
    networks: [{ network: 'backend', aliases: ['api', 'www'] }],
    mounts: [
      { type: 'bind', source: '/srv/stacks/site', target: '/site', readOnly: true },
      { type: 'tmpfs', target: '/tmp', sizeBytes: 64 * 1024 ** 2, mode: 0o1777 },
      { type: 'volume', volume: 'data', target: '/var/data', readOnly: false },
    ],
    volumesFrom: [],
    restart: { policy: 'on-failure', maxRetries: 3 },
    healthcheck: null,
    user: '1000:1000', workingDir: '/site', hostname: 'web', labels: { team: 'shop' }, stopSignal: 'SIGQUIT', stopTimeout: 5,
    resources: { nanoCpus: 250_000_000, memoryBytes: 1024 ** 3, pids: 100 },
    dependsOn: [{ container: 'db', condition: 'healthy' }],
  });
  // Records are stored in key order: the label JSON must not depend on how the stack spelled them.
  assert.equal(Object.keys(web.env), ['A', 'Z']);
  assert.equal(d.containers.find((c) => c.name === 'db')!.healthcheck, {
    test: ['CMD-SHELL', 'pg_isready'], intervalNs: 90e9, timeoutNs: 2e9, startPeriodNs: null, retries: 3,
  });
});

canonical('defaults: bridge network mode, restart "no", no limits; networks, volume and built image specs', () => {
  const { stack: d, diagnostics } = normalize(stack('shop', ({ image, network, volume, container }) => {
    container('tool', { image: image('tools', { build: { context: './tools', args: { B: '2', A: '1' } } }) });
    network('backend', { subnet: '10.77.0.0/24', gateway: '10.77.0.1', internal: true });
    volume('data');
  }));
  assert.equal(diagnostics, []);
  const tool = d.containers[0]!;
  assert.equal([tool.networkMode, tool.networks, tool.restart, tool.resources, tool.healthcheck, tool.dependsOn], [
    { type: 'bridge' }, [], { policy: 'no', maxRetries: 0 }, { nanoCpus: null, memoryBytes: null, pids: null }, null, [],
  ]);
  assert.is(tool.image, 'tools');
  assert.equal(d.images, [{
    kind: 'image', name: 'tools', ref: 'shop-tools:latest',
    build: { context: '/srv/stacks/tools', dockerfile: 'Dockerfile', args: { A: '1', B: '2' }, contextHash: '' },
    labels: {},
  }]);
  assert.equal(d.networks, [{
    kind: 'network', name: 'backend', driver: 'bridge', internal: true, attachable: false, subnet: '10.77.0.0/24', gateway: '10.77.0.1', labels: {},
  }]);
  assert.equal(d.volumes, [{ kind: 'volume', name: 'data', provider: { name: 'local', options: {} }, driver: 'local', driverOpts: {}, labels: {} }]);
});

canonical('an image given as a string is an implicit pulled image resource, declared once', () => {
  const { stack: d, diagnostics } = normalize(stack('shop', ({ image, container }) => {
    container('a', { image: 'busybox' });
    container('b', { image: 'busybox' });
    container('c', { image: 'registry.local:5000/team/app' });
    container('d', { image: image('redis:7') });
    container('e', { image: 'redis:7' });
  }));
  assert.equal(diagnostics, []);
  assert.equal(d.images.map((i) => [i.name, i.ref]).sort(), [
    ['busybox', 'busybox:latest'],
    ['redis:7', 'redis:7'],
    ['registry.local:5000/team/app', 'registry.local:5000/team/app:latest'],
  ]);
  assert.ok(d.images.every((i) => !i.build && Object.keys(i.labels).length === 0));
  assert.equal(d.containers.map((c) => c.image), ['busybox', 'busybox', 'registry.local:5000/team/app', 'redis:7', 'redis:7']);
  // The implicit image is located where the first container named it.
  assert.equal(d.locations['image.busybox'], d.locations['container.a']);
});

canonical('every resource is located at the line of the stack file that declared it', () => {
  const { stack: d } = normalize(stack('shop', ({ network, container }) => {
    network('backend');
    container('web', { image: 'busybox' });
  }));
  const net = d.locations['network.backend']!;
  const web = d.locations['container.web']!;
  assert.is(net.file, THIS_FILE);
  assert.is(web.file, THIS_FILE);
  assert.is(web.line, net.line! + 1);
});

canonical.run();

const errors = suite('normalizeStack: diagnostics');

errors('every problem is reported at once, each with its resource and field path', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    container('web', { image: 'nginx', ports: [{ container: 80, host: 99999 }], restart: 'sometimes' as never });
    container('api', { image: 'nginx', workingDir: 'relative', stopSignal: 'TERM' });
  }));
  assert.equal(plain(diagnostics), [
    { severity: 'error', summary: 'Too big: expected number to be <=65535', resource: 'container.web', field: 'ports[0].host' },
    { severity: 'error', summary: 'Invalid option: expected one of "no"|"always"|"unless-stopped"|"on-failure"', resource: 'container.web', field: 'restart' },
    { severity: 'error', summary: 'expected an absolute path inside the container', resource: 'container.api', field: 'workingDir' },
    { severity: 'error', summary: 'expected a Linux signal name like "SIGTERM", "SIGQUIT", "SIGKILL" or "SIGRTMIN+3", or a signal number from 1 to 64', resource: 'container.api', field: 'stopSignal' },
  ]);
  assert.ok(diagnostics.every((x) => x.location?.file === THIS_FILE && typeof x.location.line === 'number'));
});

errors('an unknown option key is an error naming the key', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    container('web', { image: 'nginx', enviroment: { A: '1' } } as never);
  }));
  assert.equal(plain(diagnostics), [{ severity: 'error', summary: 'Unrecognized key: "enviroment"', resource: 'container.web', field: undefined }]);
});

errors('a handle from another stack is an error at the field that used it', () => {
  let foreignNet: NetworkHandle | undefined;
  collectDeclarations(stack('other', ({ network }) => { foreignNet = network('shared'); }), '/srv/stacks/other.ts');
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    container('web', { image: 'nginx', networks: [foreignNet!] });
  }));
  assert.equal(plain(diagnostics), [
    { severity: 'error', summary: 'refers to network "shared" of another stack ("other")', resource: 'container.web', field: 'networks[0]' },
    { severity: 'error', summary: 'refers to network "shared", which is not declared in this stack', resource: 'container.web', field: 'networks' },
  ]);
});

errors('networks and networkMode together are an error', () => {
  const { diagnostics } = normalize(stack('shop', ({ network, container }) => {
    container('web', { image: 'nginx', networks: [network('backend')], networkMode: 'host' });
  }));
  assert.equal(plain(diagnostics), [{ severity: 'error', summary: 'use either networks or networkMode, not both', resource: 'container.web', field: 'networkMode' }]);
});

errors('port ranges of different lengths are an error at ports[i].host', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    container('web', { image: 'nginx', ports: [{ container: 80 }, { container: '8000-8002', host: '9000-9001' }] });
  }));
  assert.equal(plain(diagnostics), [{
    severity: 'error', summary: 'host range (2 ports) and container range (3 ports) differ in length', resource: 'container.web', field: 'ports[1].host',
  }]);
});

errors('the same host port published twice is an error', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    container('web', { image: 'nginx', ports: [{ container: 80, host: 8080 }, { container: 81, host: 8080 }] });
  }));
  assert.equal(plain(diagnostics), [{ severity: 'error', summary: 'host port 8080 is published twice', resource: 'container.web', field: 'ports' }]);
});

errors('containers that depend on each other in a cycle are an error naming the cycle', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    const a = container('a', { image: 'busybox', dependsOn: [makeHandle('container', 'c', 'shop')] });
    const b = container('b', { image: 'busybox', dependsOn: [a] });
    container('c', { image: 'busybox', volumesFrom: [b] });
  }));
  assert.equal(plain(diagnostics), [{
    severity: 'error', summary: 'containers depend on each other in a cycle: a → c → b → a', resource: 'container.a', field: 'dependsOn',
  }]);
});

errors('runOnce: a restart policy that restarts a completed job, and waits that can never be met, are errors', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    const job = container('job', { image: 'busybox', runOnce: true, restart: 'always' });
    const svc = container('svc', { image: 'busybox' });
    container('a', { image: 'busybox', dependsOn: [{ container: svc, condition: 'completed' }] });
    container('b', { image: 'busybox', dependsOn: [{ container: job, condition: 'healthy' }] });
  }));
  assert.equal(plain(diagnostics).map((d) => `${d.resource} ${d.field}: ${d.summary}`), [
    'container.job restart: a runOnce container cannot have restart "always": the engine would start it again each time it completes',
    'container.a dependsOn: waits for "svc" to complete, but "svc" is not declared runOnce: true (it is meant to keep running)',
    'container.b dependsOn: waits for "job" to be healthy, but "job" runs once and exits; wait for "completed"',
  ]);
});

errors('a memory limit that is not a size is a diagnostic naming the field, not an internal error', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    container('app', { image: 'busybox', resources: { memory: '12 potatoes' } });
  }));
  assert.equal(plain(diagnostics).map((d) => `${d.resource} ${d.field}: ${d.summary}`), [
    'container.app resources.memory: expected a size like "64m", "1g" or a number of bytes',
  ]);
});

errors('two separate cycles are both reported', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    const a = container('a', { image: 'busybox', dependsOn: [makeHandle('container', 'b', 'shop')] });
    container('b', { image: 'busybox', dependsOn: [a] });
    const x = container('x', { image: 'busybox', dependsOn: [makeHandle('container', 'y', 'shop')] });
    container('y', { image: 'busybox', volumesFrom: [x] });
  }));
  assert.equal(plain(diagnostics).map((d) => d.summary), [
    'containers depend on each other in a cycle: a → b → a',
    'containers depend on each other in a cycle: x → y → x',
  ]);
});

errors('a resource declared twice is an error pointing at the first declaration', () => {
  const { stack: d, diagnostics } = normalize(stack('shop', ({ container }) => {
    container('web', { image: 'nginx' });
    container('web', { image: 'busybox' });
  }));
  assert.equal(plain(diagnostics), [{
    severity: 'error', summary: 'container "web" is declared twice', resource: 'container.web', detail: `first declared at line ${d.locations['container.web']!.line}`,
  }]);
  assert.is(diagnostics[0]!.location!.line, d.locations['container.web']!.line! + 1);
  assert.equal(d.containers.map((c) => c.image), ['nginx']);
});

errors('waiting for a container to be healthy when it declares no healthcheck is a warning', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    const db = container('db', { image: 'postgres:16' });
    const cache = container('cache', { image: 'redis:7', healthcheck: { test: ['CMD', 'redis-cli', 'ping'] } });
    container('web', { image: 'nginx', dependsOn: [{ container: db, condition: 'healthy' }, { container: cache, condition: 'healthy' }] });
  }));
  assert.equal(plain(diagnostics), [{
    severity: 'warning', summary: 'waits for "db" to be healthy, but "db" declares no healthcheck (the image must define one)', resource: 'container.web', field: 'dependsOn',
  }]);
});

errors('names: stack, resources and image references are checked', () => {
  const { diagnostics } = normalize(stack('Shop', ({ image, container }) => {
    image('Not A Ref');
    container('Web', { image: 'nginx' });
  }));
  assert.equal(plain(diagnostics), [
    { severity: 'error', summary: 'invalid stack name "Shop": use lower-case letters, digits, "-" and "_" (max 63)', field: 'name' },
    { severity: 'error', summary: 'invalid container name "Web": use lower-case letters, digits, "-" and "_", starting with a letter or digit', resource: 'container.Web' },
    { severity: 'error', summary: 'invalid image reference "Not A Ref": a reference cannot contain spaces', resource: 'image.Not A Ref' },
  ]);
  assert.equal(diagnostics[0]!.location, { file: STACK_FILE });
});

errors('an invalid image reference given as a string is one error at image, not also "not declared"', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    container('api', { image: 'Nginx:1.27' });
  }));
  assert.equal(plain(diagnostics), [
    { severity: 'error', summary: 'invalid image reference "Nginx:1.27": repository name "Nginx" must be lower-case', resource: 'container.api', field: 'image' },
  ]);
});

errors('networks, volumes and providers are validated with field paths', () => {
  const { diagnostics } = normalize(stack('shop', ({ network, volume }) => {
    network('n', { gateway: '10.0.0.1' });
    volume('u', { provider: { provider: 'ceph', options: {} } });
    volume('v', { provider: { provider: 'nfs', options: {} } });
    volume('w', { provider: { provider: 'local', options: { x: 1 } } });
  }));
  assert.equal(plain(diagnostics), [
    { severity: 'error', summary: 'a gateway needs a subnet', resource: 'network.n', field: 'gateway' },
    { severity: 'error', summary: 'unknown storage provider "ceph" (known: local, tmpfs, bind, nfs, sshfs, device)', resource: 'volume.u', field: 'provider' },
    { severity: 'error', summary: 'Invalid input: expected string, received undefined', resource: 'volume.v', field: 'provider.server' },
    { severity: 'error', summary: 'Invalid input: expected string, received undefined', resource: 'volume.v', field: 'provider.path' },
    { severity: 'error', summary: 'Unrecognized key: "x"', resource: 'volume.w', field: 'provider' },
  ]);
});

errors('an environment variable name with "=" reports the schema\'s own message at env["NAME"]', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    container('web', { image: 'nginx', env: { 'A=B': 'x' } });
  }));
  assert.equal(plain(diagnostics), [{
    severity: 'error', summary: 'environment variable names cannot contain "="', resource: 'container.web', field: 'env["A=B"]',
  }]);
});

errors.run();
