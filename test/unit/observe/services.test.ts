import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EngineClient } from '../../../core/engine/client.js';
import { EngineError } from '../../../core/engine/errors.js';
import type { SwarmService } from '../../../core/engine/swarm-types.js';
import { specLabels } from '../../../core/model/labels.js';
import { liveServiceState, observeServices, withoutDigest } from '../../../core/observe/services.js';
import { serviceBody } from '../../../core/apply/service-body.js';
import { desired } from '../../fixtures/builders.js';

const obs = suite('observeServices');

const d = desired('shop', ({ service }) => { service('web', { image: 'nginx:1.27', replicas: 2, command: ['nginx'], entrypoint: ['/init'], env: { A: '1' }, labels: { team: 'x' } }); });
const web = d.services![0]!;

function client(answer: (path: string) => unknown) {
  const calls: string[] = [];
  const c = { async request(method: string, path: string) { calls.push(`${method} ${path}`); const a = answer(path); if (a instanceof Error) throw a; return a; } };
  return { client: c as unknown as EngineClient, calls };
}

obs('what the swarm runs, in moor\'s terms: digest stripped, entrypoint/command from Command/Args, moor\'s labels left out', () => {
  assert.is(withoutDigest(`nginx:1.27@sha256:${'a'.repeat(64)}`), 'nginx:1.27');
  assert.is(withoutDigest('nginx:1.27'), 'nginx:1.27');
  const body = serviceBody(d, web, new Map());
  body.TaskTemplate.ContainerSpec.Image += `@sha256:${'a'.repeat(64)}`;
  assert.equal(liveServiceState(body), { image: 'nginx:1.27', replicas: 2, command: ['nginx'], entrypoint: ['/init'], env: { A: '1' }, labels: { team: 'x' }, ports: [], secrets: [] });
});

obs('an engine that is not a swarm manager: one request, and the engine\'s reason kept for the plan', async () => {
  const { client: c, calls } = client(() => new EngineError(503, 'This node is not a swarm manager. Use "docker swarm init"', 'GET /services'));
  const o = await observeServices(c, 'shop', true);
  assert.equal(o.swarm, { manager: false, reason: 'This node is not a swarm manager. Use "docker swarm init"' });
  assert.equal(calls, ['GET /services']);
});

obs('a manager: the stack\'s services with version, tasks running and last-applied spec; other errors are not swallowed', async () => {
  const svc: SwarmService = { ID: 'svc1', Version: { Index: 42 }, Spec: { ...serviceBody(d, web, new Map()), Labels: { ...specLabels('shop', web) } }, UpdateStatus: { State: 'completed' } };
  const tasks = [
    { ID: 't1', ServiceID: 'svc1', DesiredState: 'running', Status: { State: 'running' } },
    { ID: 't2', ServiceID: 'svc1', DesiredState: 'running', Status: { State: 'starting' } },
  ];
  const { client: c, calls } = client((p) => (p === '/services' ? [svc] : p === '/tasks' ? tasks : []));
  const o = await observeServices(c, 'shop', true);
  assert.is(o.services.length, 1);
  const s = o.services[0]!;
  assert.equal([s.resource, s.owner, s.version, s.updateState, s.tasks], ['web', 'stack', 42, 'completed', { running: 1, desired: 2 }]);
  assert.equal(s.spec, JSON.parse(JSON.stringify(web)));
  assert.equal(calls.sort(), ['GET /secrets', 'GET /services', 'GET /services', 'GET /tasks']);
  const failing = client(() => new EngineError(500, 'boom', 'GET /services'));
  try {
    await observeServices(failing.client, 'shop', true);
    assert.unreachable('a 500 is an error, not "no swarm"');
  } catch (e) {
    assert.instance(e, EngineError);
  }
});

obs.run();
