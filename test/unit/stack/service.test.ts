import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Diagnostic } from '../../../core/diagnostics.js';
import { stack, type StackBuilder } from '../../../core/stack/define.js';
import { secret } from '../../../core/stack/secret.js';
import { normalize } from '../../fixtures/builders.js';

const norm = suite('normalizeStack: services');

/** Diagnostics as "resource › field: summary". */
const said = (diags: Diagnostic[]) => diags.map((d) => `${d.resource ?? ''} › ${d.field ?? ''}: ${d.summary}`);
const run = (build: (b: StackBuilder) => void) => normalize(stack('shop', build));

norm('a service\'s options become its canonical spec, with the swarm\'s defaults spelled out', () => {
  const { stack: d, diagnostics } = run(({ network, volume, service }) => {
    const net = network('backend', { driver: 'overlay', attachable: true });
    const data = volume('data');
    service('web', {
      image: 'nginx:1.27',
      replicas: 3,
      env: { Z: '1', A: '2' },
      secrets: { token: secret('TOKEN') },
      ports: [{ container: 80, host: 8080 }, { container: 53, protocol: 'udp', mode: 'host' }],
      networks: [{ network: net, aliases: ['www', 'web'] }],
      mounts: [{ volume: data, target: '/data' }],
      resources: { limits: { cpus: 0.5, memory: '64m' }, reservations: { memory: '32m' } },
      update: { parallelism: 2, delay: '1s', order: 'start-first', failureAction: 'rollback' },
      placement: { constraints: ['node.role == manager'] },
      stopTimeout: '1m30s',
    });
  });
  assert.equal(said(diagnostics), []);
  const s = d.services![0]!;
  assert.is(s.replicas, 3);
  assert.equal(Object.keys(s.env), ['A', 'Z']);
  assert.equal(s.secrets, { token: { secret: 'env:TOKEN', digest: null } });
  assert.equal(s.ports, [
    { target: 53, published: null, protocol: 'udp', mode: 'host' },
    { target: 80, published: 8080, protocol: 'tcp', mode: 'ingress' },
  ]);
  assert.equal(s.networks, [{ network: 'backend', aliases: ['www'] }]);
  assert.equal(s.resources, { limits: { nanoCpus: 5e8, memoryBytes: 64 * 1024 ** 2, pids: null }, reservations: { nanoCpus: null, memoryBytes: 32 * 1024 ** 2 } });
  assert.equal(s.update, { parallelism: 2, delayNs: 1e9, order: 'start-first', failureAction: 'rollback', monitorNs: 5e9 });
  assert.is(s.stopTimeout, 90);
  assert.is(s.endpointMode, 'vip');
  assert.ok(d.images.some((i) => i.name === 'nginx:1.27'), 'an image by reference is an implicit image resource');
});

norm('container options a service does not have: one clear error each, naming the field', () => {
  const { diagnostics } = run(({ service, container }) => {
    const db = container('db', { image: 'postgres:16' });
    service('web', { image: 'nginx', dependsOn: [db], volumesFrom: [db], networkMode: 'host', restart: 'always' } as never);
  });
  const lines = said(diagnostics);
  assert.ok(lines.some((l) => /^service\.web › dependsOn: a service has no dependsOn: a swarm starts services in no order/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^service\.web › volumesFrom: a service has no volumesFrom/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^service\.web › networkMode: a service has no networkMode/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^service\.web › restart: a service has no container restart policy "always"/.test(l)), lines.join('\n'));
});

norm('a secret in env is refused: secrets of services are files', () => {
  const { diagnostics } = run(({ service }) => { service('web', { image: 'nginx', env: { PASSWORD: secret('PW') } } as never); });
  assert.equal(said(diagnostics).filter((l) => l.includes('env.PASSWORD')).length, 1, said(diagnostics).join('\n'));
  assert.match(said(diagnostics).join('\n'), /use secrets: \{ NAME: secret\(\.\.\.\) \}/);
});

norm('a service on a bridge network, ingress ports with dnsrr, unknown ignoreChanges paths: errors naming the field', () => {
  const { diagnostics } = run(({ network, service }) => {
    const net = network('backend');
    service('web', { image: 'nginx', networks: [net], endpointMode: 'dnsrr', ports: [{ container: 80, host: 8080 }], ignoreChanges: ['replicas', 'hostname'] });
  });
  const lines = said(diagnostics);
  assert.ok(lines.some((l) => /^service\.web › networks\[0\]: network "backend" has driver "bridge"/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^service\.web › ports\[0\]\.mode: the routing mesh \(ingress ports\) needs endpointMode "vip"/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^service\.web › ignoreChanges\[1\]: ignoreChanges: unknown attribute path "hostname"/.test(l)), lines.join('\n'));
  assert.not.ok(lines.some((l) => /ignoreChanges\[0\]/.test(l)), 'replicas is a service attribute');
});

norm('a backup job that would stop a service is refused at plan time, saying why and what to do', () => {
  const { diagnostics } = run(({ volume, service, backup }) => {
    const data = volume('data');
    const web = service('web', { image: 'nginx', mounts: [{ volume: data, target: '/data' }] });
    backup('nightly', { volumes: [data], target: { hostPath: '/srv/backups' }, schedule: '0 3 * * *', stop: [web] } as never);
  });
  const lines = said(diagnostics);
  assert.ok(lines.some((l) => /^backup\.nightly › stop\[0\]: backup jobs cannot stop service "web"/.test(l)), lines.join('\n'));
  assert.match(diagnostics.find((d) => d.field === 'stop[0]')!.detail ?? '', /hook/);
});

norm.run();
