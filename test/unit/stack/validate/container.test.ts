import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stack } from '../../../../core/stack/define.js';
import type { ContainerOptions } from '../../../../core/stack/schema/container.js';
import { normalize } from '../../../fixtures/builders.js';

const containers = suite('validate: container options the engine refuses at create time');

const problems = (options: Partial<ContainerOptions>) =>
  normalize(stack('shop', ({ container }) => { container('web', { image: 'busybox', ...options }); }))
    .diagnostics.map((d) => `${d.resource} › ${d.field}: ${d.summary}`);

containers('port ranges stay within 1–65535', () => {
  assert.equal(problems({ ports: [{ container: '0-10' }] }), ['container.web › ports[0].container: ports go from 1 to 65535']);
  assert.equal(problems({ ports: [{ container: 80, host: '65530-65540' }] }), ['container.web › ports[0].host: ports go from 1 to 65535']);
  assert.equal(problems({ ports: [{ container: '8000-8001', host: '9000-9001' }] }), []);
});

containers('a mount cannot target / ("destination can\'t be \'/\'")', () => {
  assert.equal(problems({ mounts: [{ tmpfs: true, target: '/' }] }), ["container.web › mounts[0].target: a mount cannot target the container's root /"]);
  assert.equal(problems({ mounts: [{ bind: '/srv', target: '/srv/..' }] }), ["container.web › mounts[0].target: a mount cannot target the container's root /"]);
});

containers('two targets that are the same directory once cleaned ("Duplicate mount point")', () => {
  assert.equal(problems({ mounts: [{ tmpfs: true, target: '/data' }, { bind: '/srv', target: '/data/' }] }), [
    'container.web › mounts: mount targets /data and /data/ are the same directory: the engine refuses a duplicate mount point',
  ]);
});

containers('health check durations of at least 1ms, or 0', () => {
  assert.equal(problems({ healthcheck: { test: 'true', interval: '500us' } }), ['container.web › healthcheck.interval: the engine needs at least 1ms (or 0 for its default)']);
  assert.equal(problems({ healthcheck: { test: 'true', interval: 0, timeout: '1ms', startPeriod: '2s' } }), []);
});

containers('a memory limit of at least 6 MiB', () => {
  assert.equal(problems({ resources: { memory: '4m' } }), ['container.web › resources.memory: the engine needs a memory limit of at least 6 MiB ("6m")']);
  assert.equal(problems({ resources: { memory: '6m' } }), []);
});

containers.run();
