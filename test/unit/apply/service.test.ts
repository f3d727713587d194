/** The service applier against a scripted client: the version sent, the rollout's end states, the tasks' errors. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EngineClient } from '../../../core/engine/client.js';
import { EngineError } from '../../../core/engine/errors.js';
import type { SwarmService, SwarmTask } from '../../../core/engine/swarm-types.js';
import { RolloutError, runServiceOp, TaskPoller } from '../../../core/apply/service.js';
import { serviceBody } from '../../../core/apply/service-body.js';
import { desired } from '../../fixtures/builders.js';

const apply = suite('apply: services');

const d = desired('shop', ({ service }) => { service('web', { image: 'nginx:1.27', replicas: 2, env: { MSG: 'two' } }); });
const web = d.services![0]!;
const spec = serviceBody(d, web, new Map());

function scripted(o: { update?: () => unknown; service: () => SwarmService; tasks: () => SwarmTask[] }) {
  const calls: { method: string; path: string; query?: Record<string, unknown> }[] = [];
  const client = {
    async request(method: string, path: string, opts: { query?: Record<string, unknown> } = {}) {
      calls.push({ method, path, query: opts.query });
      if (path === '/services/svc1/update') { const r = o.update?.(); if (r instanceof Error) throw r; return {}; }
      if (path === '/services/svc1') return o.service();
      if (path === '/tasks') return o.tasks();
      throw new Error(`unexpected ${method} ${path}`);
    },
  } as unknown as EngineClient;
  return { client, calls };
}

const task = (id: string, state: string, desiredState = 'running', err?: string): SwarmTask => ({
  ID: id, ServiceID: 'svc1', DesiredState: desiredState, Status: { State: state, ...(err ? { Err: err } : {}) }, Spec: { ContainerSpec: spec.TaskTemplate.ContainerSpec }, CreatedAt: `2026-12-06T05:00:0${id.slice(1)}Z`,
});
const op = { type: 'service.update' as const, id: 'svc1', version: 41, service: web, secrets: { create: [], remove: [] }, forceUpdate: 0 };
const ctx = (client: EngineClient, progress: string[] = []) => ({ client, stack: d, waitTimeoutMs: 5000, secrets: new Map(), progress: (t: string) => progress.push(t) });

apply('an update names the planned version, then waits until every task runs the new spec, reporting progress', async () => {
  let reads = 0;
  let taskReads = 0;
  const { client, calls } = scripted({
    service: () => ({ ID: 'svc1', Version: { Index: 42 }, Spec: spec, UpdateStatus: { State: ++reads < 2 ? 'updating' : 'completed' } }),
    tasks: () => (++taskReads < 3 ? [task('t1', 'running'), task('t2', 'starting')] : [task('t1', 'running'), task('t2', 'running')]),
  });
  const progress: string[] = [];
  await runServiceOp(ctx(client, progress), op);
  assert.equal(calls[0]!.query, { version: 41 });
  assert.equal(progress, ['1/2 tasks running (updating)', '2/2 tasks running']);
  assert.is(reads, 2, 'the service is read first, then again once the tasks look converged (not at every poll)');
});

apply('a version the swarm moved past: a clear error, nothing else sent', async () => {
  const { client, calls } = scripted({
    update: () => new EngineError(500, 'rpc error: code = Unknown desc = update out of sequence', 'POST /services/svc1/update'),
    service: () => { throw new Error('not asked'); }, tasks: () => [],
  });
  try {
    await runServiceOp(ctx(client), op);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, RolloutError);
    assert.match((e as Error).message, /service web changed on the swarm since the plan was made .*plan again/);
  }
  assert.is(calls.length, 1);
});

apply('a rollout the swarm rolled back is a failure naming the service and the failed tasks\' errors', async () => {
  const { client } = scripted({
    service: () => ({ ID: 'svc1', Version: { Index: 44 }, Spec: spec, UpdateStatus: { State: 'rollback_completed', Message: 'rollback completed' } }),
    tasks: () => [task('t1', 'running'), task('t2', 'running'), task('t3', 'failed', 'shutdown', 'task: non-zero exit (137): dockerexec: unhealthy container')],
  });
  try {
    await runServiceOp(ctx(client), op);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, RolloutError);
    assert.match((e as Error).message, /^the rollout of service web failed and was rolled back \(rollback completed\); the tasks' errors: task: non-zero exit \(137\): dockerexec: unhealthy container$/);
  }
});

apply('tasks that never get running: bounded by --wait-timeout, saying how far it got', async () => {
  const { client } = scripted({
    service: () => ({ ID: 'svc1', Version: { Index: 42 }, Spec: spec, UpdateStatus: { State: 'updating' } }),
    tasks: () => [task('t1', 'running'), task('t2', 'starting')],
  });
  try {
    await runServiceOp({ ...ctx(client), waitTimeoutMs: 300 }, op);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /^timed out after 0s waiting for service web: 1\/2 tasks running \(updating\) \(--wait-timeout\)/);
  }
});

apply('the rollouts of an apply share one reader of tasks: one GET /tasks per poll for every service, each given its own', async () => {
  const { client, calls } = scripted({ service: () => { throw new Error('not asked'); }, tasks: () => [task('t1', 'running'), { ...task('t2', 'running'), ServiceID: 'svc2' }] });
  const poller = new TaskPoller(client);
  // Asked together (or one due sooner than another's): one read.
  const [a, b, c] = await Promise.all([poller.tasks('svc1', 0), poller.tasks('svc2', 100), poller.tasks('svc3', 0)]);
  assert.equal([a.map((t) => t.ID), b.map((t) => t.ID), c], [['t1'], ['t2'], []]);
  assert.is(calls.length, 1);
  assert.equal(JSON.parse(String(calls[0]!.query!.filters)), { service: ['svc1', 'svc2', 'svc3'] });
  // Someone due sooner than the pending read gets a read of its own (it never waits longer than it asked).
  await Promise.all([poller.tasks('svc1', 80), poller.tasks('svc2', 0)]);
  assert.is(calls.length, 3);
});

apply.run();
