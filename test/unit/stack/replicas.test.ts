import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stack } from '../../../core/stack/define.js';
import { normalize } from '../../fixtures/builders.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const errorsOf = (r: ReturnType<typeof normalize>) => r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.resource} › ${d.field}: ${d.summary}`);

const norm = suite('normalize: replicas');

norm('replicas: 1 or none is absent from the spec (labels of existing stacks unchanged); more is kept', () => {
  const r = normalize(stack('app', ({ container }) => {
    container('a', { image: 'busybox' });
    container('b', { image: 'busybox', replicas: 1 });
    container('c', { image: 'busybox', replicas: 3 });
  }));
  assert.equal(errorsOf(r), []);
  assert.equal(r.stack.containers.map((c) => c.replicas), [undefined, undefined, 3]);
  assert.ok(!('replicas' in r.stack.containers[1]!));
});

norm('a fixed host port with replicas > 1 is an error naming the field, at the line of the stack file', () => {
  const r = normalize(stack('app', ({ container }) => {
    container('web', { image: 'busybox', replicas: 3, ports: [{ container: 80, host: 8080 }] });
  }));
  assert.equal(errorsOf(r), ['container.web › ports[0].host: a fixed host port cannot be published by 3 replicas: give a host range of 3 ports (one per replica) for one container port, or no host port']);
  const d = r.diagnostics[0]!;
  assert.is(d.location?.file, THIS_FILE);
  assert.ok(typeof d.location?.line === 'number' && d.location.line > 20);
});

norm('a host range of the wrong length is refused; one port per replica, or no host port, is fine', () => {
  const wrong = normalize(stack('app', ({ container }) => {
    container('web', { image: 'busybox', replicas: 3, ports: [{ container: 80, host: '8080-8081' }] });
  }));
  assert.equal(errorsOf(wrong).length, 1);
  assert.match(errorsOf(wrong)[0]!, /ports\[0\]\.host: .*this range has 2 ports for 1 container ports/);
  const ok = normalize(stack('app', ({ container }) => {
    container('web', { image: 'busybox', replicas: 3, ports: [{ container: 80, host: '8080-8082', hostIp: '127.0.0.1' }, { container: 81 }] });
  }));
  assert.equal(errorsOf(ok), []);
  assert.equal(ok.stack.containers[0]!.ports, [
    { containerPort: '80/tcp', hostIp: '127.0.0.1', hostPort: '8080-8082' },
    { containerPort: '81/tcp', hostIp: '', hostPort: '' },
  ]);
});

norm('a fixed ipv4Address and runOnce cannot have replicas', () => {
  const r = normalize(stack('app', ({ network, container }) => {
    const n = network('back', { subnet: '10.77.0.0/24' });
    container('web', { image: 'busybox', replicas: 2, networks: [{ network: n, ipv4Address: '10.77.0.5' }] });
    container('job', { image: 'busybox', replicas: 2, runOnce: true });
  }));
  assert.equal(errorsOf(r), [
    'container.web › networks[0].ipv4Address: a fixed ipv4Address cannot be held by 2 replicas',
    'container.job › replicas: a runOnce container runs one job: it cannot have replicas',
  ]);
});

norm('replicas must be a whole number from 1', () => {
  const r = normalize(stack('app', ({ container }) => {
    container('web', { image: 'busybox', replicas: 0 });
  }));
  assert.equal(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.field), ['replicas']);
});

norm('volumesFrom or the network namespace of a container with replicas, and a replica named like another container, are errors', () => {
  const r = normalize(stack('app', ({ container }) => {
    const worker = container('worker', { image: 'busybox', replicas: 2 });
    container('worker-2', { image: 'busybox' });
    container('side', { image: 'busybox', volumesFrom: [worker] });
    container('ns', { image: 'busybox', networkMode: { container: worker } });
  }));
  assert.equal(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.resource} › ${d.field}`), [
    'container.worker › replicas',
    'container.side › volumesFrom[0]',
    'container.ns › networkMode',
  ]);
});

norm.run();
