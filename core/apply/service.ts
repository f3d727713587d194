/**
 * Service operations, exactly as planned: swarm secrets first, then the create or the update at
 * the planned version, then the wait until the swarm's rollout converged (every desired task
 * running the new spec — healthy, where there is a healthcheck, since a task only counts as
 * running once its container is) or failed (paused, rolled back), within --wait-timeout.
 */
import { MoorError } from '../errors.js';
import type { EngineClient } from '../engine/client.js';
import { EngineError, isNotFound } from '../engine/errors.js';
import type { SwarmSecret, SwarmService, SwarmTask } from '../engine/swarm-types.js';
import { LABEL } from '../model/labels.js';
import type { DesiredStack } from '../model/spec.js';
import type { ServiceSpec } from '../model/service.js';
import { swarmSecretLabels } from '../model/swarm-secret.js';
import { stopIfInterrupted } from '../interrupt.js';
import type { Operation, SwarmSecretPlan } from '../plan/types.js';
import type { SecretValues } from './container-body.js';
import { serviceBody } from './service-body.js';

export class RolloutError extends MoorError {
  constructor(message: string) {
    super(message);
    this.name = 'RolloutError';
  }
}

export interface ServiceContext {
  client: EngineClient;
  stack: DesiredStack;
  waitTimeoutMs: number;
  secrets: SecretValues;
  /** Progress of the rollout, e.g. "2/3 tasks running". */
  progress: (text: string) => void;
  /** Called once the requests are sent and only waiting is left: the step gives its concurrency slot back. */
  waiting?: () => void;
  /** The apply's one reader of tasks, shared by every service it waits for. */
  tasks?: TaskPoller;
}

/**
 * Reads the tasks of every service an apply waits for in one `GET /tasks` per poll (filtered by
 * their ids), instead of one request per service: ten rollouts watched together cost one request
 * each time. A service asks for its tasks within `delayMs`; it joins the read already due by then
 * (so the services' polls fall into step), or a new one is scheduled.
 */
export class TaskPoller {
  private due: { at: number; ids: Set<string>; result: Promise<Map<string, SwarmTask[]>> } | undefined;
  constructor(private readonly client: EngineClient) {}

  tasks(id: string, delayMs: number): Promise<SwarmTask[]> {
    const at = Date.now() + delayMs;
    const read = this.due && this.due.at <= at ? this.due : this.schedule(at);
    read.ids.add(id);
    return read.result.then((byService) => byService.get(id) ?? []);
  }

  private schedule(at: number): NonNullable<TaskPoller['due']> {
    const ids = new Set<string>();
    const read = {
      at, ids,
      result: new Promise<Map<string, SwarmTask[]>>((resolve, reject) => {
        setTimeout(() => {
          if (this.due === read) this.due = undefined; // later askers wait for the next read
          this.client.request<SwarmTask[]>('GET', '/tasks', { query: { filters: filters({ service: [...ids] }) } }).then((tasks) => {
            const byService = new Map<string, SwarmTask[]>();
            for (const t of tasks) byService.set(t.ServiceID, [...(byService.get(t.ServiceID) ?? []), t]);
            resolve(byService);
          }, reject);
        }, Math.max(0, at - Date.now()));
      }),
    };
    this.due = read;
    return read;
  }
}

type ServiceOp = Extract<Operation, { type: 'service.create' | 'service.update' | 'service.delete' }>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const filters = (f: Record<string, string[]>) => JSON.stringify(f);

export async function runServiceOp(ctx0: ServiceContext, op: ServiceOp): Promise<void> {
  let shown = '';
  const ctx = { ...ctx0, progress: (text: string) => { if (text !== shown) ctx0.progress((shown = text)); } };
  switch (op.type) {
    case 'service.create': {
      const ids = await createSecrets(ctx, op.service, op.secrets);
      const created = await ctx.client.request<{ ID: string }>('POST', '/services/create', { body: serviceBody(ctx.stack, op.service, ids) });
      await waitForRollout(ctx, created.ID, op.service);
      return removeSecrets(ctx, op.secrets.remove);
    }
    case 'service.update': {
      const ids = await createSecrets(ctx, op.service, op.secrets);
      try {
        const body = serviceBody(ctx.stack, op.service, ids);
        body.TaskTemplate.ForceUpdate = op.forceUpdate;
        await ctx.client.request('POST', `/services/${op.id}/update`, { query: { version: op.version }, body });
      } catch (e) {
        if (e instanceof EngineError && /out of sequence/.test(e.engineMessage)) {
          throw new RolloutError(`service ${op.service.name} changed on the swarm since the plan was made (its version moved past ${op.version}): nothing was sent; plan again`);
        }
        throw e;
      }
      await waitForRollout(ctx, op.id, op.service);
      return removeSecrets(ctx, op.secrets.remove);
    }
    case 'service.delete':
      await removeService(ctx, op.id);
      return removeSecrets(ctx, op.secrets.remove);
  }
}

/** Make the swarm secrets the service needs; the ids of all it mounts, by name. */
async function createSecrets(ctx: ServiceContext, s: ServiceSpec, plan: SwarmSecretPlan): Promise<Map<string, string>> {
  for (const c of plan.create) {
    const value = ctx.secrets.get(c.secret);
    // The reference is safe to name; the value never is.
    if (value === undefined) throw new Error(`secret ${c.secret} for secrets.${c.file} was not read`);
    await ctx.client.request('POST', '/secrets/create', {
      body: { Name: c.name, Labels: swarmSecretLabels(ctx.stack.name, s.name, c.file), Data: Buffer.from(value).toString('base64') },
      okStatuses: [409],
    });
  }
  if (!Object.keys(s.secrets).length) return new Map();
  const listed = await ctx.client.request<SwarmSecret[]>('GET', '/secrets', { query: { filters: filters({ label: [`${LABEL.stack}=${ctx.stack.name}`, `${LABEL.name}=${s.name}`] }) } });
  return new Map(listed.map((x) => [x.Spec.Name, x.ID]));
}

async function removeSecrets(ctx: ServiceContext, ids: string[]): Promise<void> {
  for (const id of ids) {
    try {
      await ctx.client.request('DELETE', `/secrets/${id}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

/** The distinct errors of the service's failed tasks, newest first. */
function taskErrors(tasks: SwarmTask[]): string[] {
  const failed = tasks.filter((t) => ['failed', 'rejected'].includes(t.Status.State) || (t.Status.Err && t.Status.State !== 'running'))
    .sort((a, b) => (b.CreatedAt ?? '').localeCompare(a.CreatedAt ?? ''));
  return [...new Set(failed.map((t) => t.Status.Err || t.Status.Message || t.Status.State))].slice(0, 3);
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

export async function waitForRollout(ctx: ServiceContext, id: string, s: ServiceSpec): Promise<void> {
  const started = Date.now();
  const deadline = started + ctx.waitTimeoutMs;
  let shown = '';
  ctx.waiting?.();
  // The tasks are read every time; the service (its update state, its spec) every 4th time, and
  // whenever the tasks look converged, so that the verdict is always made on a fresh read. Polling
  // costs CPU the swarm needs to start the tasks: ten services polled every 100 ms converged later.
  let svc: SwarmService | undefined;
  const poller = ctx.tasks ?? new TaskPoller(ctx.client);
  // Tasks usually start within seconds: look often then, less once it is a long rollout.
  const interval = () => (Date.now() - started < 3000 ? 150 : Date.now() - started < 10_000 ? 250 : 500);
  for (let polls = 0; ; polls++) {
    const tasks = await poller.tasks(id, polls === 0 ? 0 : interval());
    const looksDone = svc && tasks.filter((t) => t.DesiredState === 'running' && t.Status.State === 'running').length === (svc.Spec.Mode?.Replicated?.Replicas ?? s.replicas);
    if (!svc || polls % 4 === 0 || looksDone) svc = await ctx.client.request<SwarmService>('GET', `/services/${id}`);
    const { UpdateStatus, Spec } = svc;
    const state = UpdateStatus?.State ?? null;
    const current = tasks.filter((t) => t.DesiredState === 'running');
    const running = current.filter((t) => t.Status.State === 'running' && sameJson(t.Spec?.ContainerSpec, Spec.TaskTemplate.ContainerSpec));
    const replicas = Spec.Mode?.Replicated?.Replicas ?? s.replicas;
    const text = `${running.length}/${replicas} tasks running${state && state !== 'completed' ? ` (${state.replace('_', ' ')})` : ''}`;
    if (text !== shown) ctx.progress((shown = text));
    const errors = () => { const e = taskErrors(tasks); return e.length ? `; the tasks' errors: ${e.join('; ')}` : ''; };
    if (state === 'rollback_completed' || state === 'rollback_paused' || state === 'paused') {
      const what = state === 'paused' ? 'was paused by the swarm (update failureAction "pause")' : state === 'rollback_paused' ? 'failed and its rollback paused' : 'failed and was rolled back';
      throw new RolloutError(`the rollout of service ${s.name} ${what}${UpdateStatus?.Message ? ` (${UpdateStatus.Message})` : ''}${errors()}`);
    }
    const settled = state === null || state === 'completed';
    if (settled && running.length === replicas && current.length === replicas) return;
    const failures = tasks.filter((t) => t.Status.State === 'failed' || t.Status.State === 'rejected').length;
    if (state === null && failures >= Math.max(3, replicas * 2) && running.length < replicas) {
      throw new RolloutError(`service ${s.name}'s tasks keep failing (${failures} failed, ${running.length}/${replicas} running)${errors()}`);
    }
    stopIfInterrupted(`waiting for service ${s.name}'s tasks`);
    if (Date.now() > deadline) {
      throw new RolloutError(`timed out after ${Math.round(ctx.waitTimeoutMs / 1000)}s waiting for service ${s.name}: ${text} (--wait-timeout)${errors()}`);
    }
  }
}

/** Remove the service and wait until its tasks' containers are gone (its networks can go then). */
async function removeService(ctx: ServiceContext, id: string): Promise<void> {
  try {
    await ctx.client.request('DELETE', `/services/${id}`);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const deadline = Date.now() + ctx.waitTimeoutMs;
  ctx.waiting?.();
  for (;;) {
    const [tasks, containers] = await Promise.all([
      ctx.client.request<SwarmTask[]>('GET', '/tasks', { query: { filters: filters({ service: [id] }) } }).catch((e) => (isNotFound(e) ? [] : Promise.reject(e))),
      ctx.client.request<unknown[]>('GET', '/containers/json', { query: { all: 1, filters: filters({ label: [`com.docker.swarm.service.id=${id}`] }) } }),
    ]);
    const left = tasks.filter((t) => t.Status.State !== 'shutdown' && t.Status.State !== 'complete' && t.Status.State !== 'failed' && t.Status.State !== 'rejected').length;
    if (!left && !containers.length) return;
    ctx.progress(`${containers.length} task container(s) stopping`);
    if (Date.now() > deadline) throw new RolloutError(`timed out after ${Math.round(ctx.waitTimeoutMs / 1000)}s waiting for the tasks of a removed service to stop (--wait-timeout)`);
    await sleep(250);
  }
}
