/** Container operations, exactly as planned. */
import type { EngineClient } from '../engine/client.js';
import { EngineError, isNotFound } from '../engine/errors.js';
import { engineName, nextContainerName, oldContainerName, replicaBase, replicaHostPort } from '../model/names.js';
import type { ContainerSpec, DesiredStack } from '../model/spec.js';
import type { Operation, WaitFor } from '../plan/types.js';
import type { LedgerWriter } from './ledger.js';
import { aliasesFor, containerCreateBody, endpointConfig, imageRefFor, type SecretValues } from './container-body.js';
import { waitForContainer } from './wait.js';
import { explainStartError } from './mount-error.js';
import { explainRuntimeError } from './runtime-error.js';
import { explainPortError, PortInUseError } from './port-error.js';

export interface ContainerContext {
  client: EngineClient;
  stack: DesiredStack;
  waitTimeoutMs: number;
  ledger: LedgerWriter;
  secrets: SecretValues;
  /** Engine names of adopted objects that kept theirs, by resource id (plan.adoption.names). */
  names?: Record<string, string>;
  /** Told of every container started (not runOnce ones): apply checks they still run when it ends. */
  onStarted?: (id: string, c: ContainerSpec) => void;
}

/** The resource name a replica's engine names are made from (`worker-2`), or the container's own. */
const baseOf = (c: ContainerSpec, replica: number | undefined) => replicaBase(c.name, replica ?? 1, c.replicas ?? 1);

async function createContainer(ctx: ContainerContext, c: ContainerSpec, name: string, anonymous?: Record<string, string>, replica?: number): Promise<string> {
  const { body, query, extraNetworks } = containerCreateBody(ctx.stack.name, imageRefFor(ctx.stack, c.image), c, ctx.secrets, anonymous, ctx.names);
  // A host range published by replicas: each takes its own port of it (the labels keep the range).
  if (replica !== undefined) {
    const bindings = (body.HostConfig as { PortBindings: Record<string, { HostIp: string; HostPort: string }[]> }).PortBindings;
    for (const list of Object.values(bindings)) for (const b of list) b.HostPort = replicaHostPort(b.HostPort, replica);
  }
  const created = await ctx.client.request<{ Id: string }>('POST', '/containers/create', { query: { name, ...query }, body });
  for (const n of extraNetworks) {
    // requestRaw: the answer is not read (Podman's is "OK" in plain text, not JSON).
    await ctx.client.requestRaw('POST', `/networks/${encodeURIComponent(n.network)}/connect`, {
      body: { Container: created.Id, EndpointConfig: endpointConfig(n.aliases, n.ipv4Address) },
    });
  }
  return created.Id;
}

/** A runOnce container's step lasts until its job completed (exited 0); others are done once started. */
function untilCompleted(ctx: ContainerContext, id: string, c: ContainerSpec): Promise<void> {
  return c.runOnce ? waitForContainer(ctx.client, { container: id, resource: c.name, condition: 'completed' }, ctx.waitTimeoutMs) : Promise.resolve();
}

/**
 * Start a created container; a volume that cannot be mounted is named, with the reason in plain
 * words. A runOnce container's step lasts until its job completed (exited 0).
 */
async function start(ctx: ContainerContext, id: string, c: ContainerSpec): Promise<void> {
  try {
    await ctx.client.request('POST', `/containers/${id}/start`, { okStatuses: [304] });
  } catch (e) {
    throw await explainPortError(ctx.client, explainRuntimeError(explainStartError(e, ctx.stack, c), ctx.stack, c), ctx.stack, c);
  }
  if (!c.runOnce) ctx.onStarted?.(id, c);
  await untilCompleted(ctx, id, c);
}

async function startContainer(ctx: ContainerContext, id: string, c: ContainerSpec, waitFor: WaitFor[]): Promise<void> {
  for (const w of waitFor) await waitForContainer(ctx.client, w, ctx.waitTimeoutMs);
  await start(ctx, id, c);
}

export async function removeContainer(client: EngineClient, id: string, stopTimeout: number | null): Promise<void> {
  try {
    await client.request('POST', `/containers/${id}/stop`, { query: { t: stopTimeout ?? 10 }, okStatuses: [304] });
    await client.request('DELETE', `/containers/${id}`, { query: { force: true } });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

type ContainerOp = Extract<Operation, { type: `container.${string}` }>;

const rename = (ctx: ContainerContext, id: string, to: string) => ctx.client.request('POST', `/containers/${id}/rename`, { query: { name: to } });

/**
 * create-before-destroy: the new container exists before the old one stops; downtime is stop →
 * renames → start. The old one is only stopped and set aside until the new one started: when the
 * new one cannot start (a host port someone else holds, a mount that fails), the old one gets its
 * name back and runs again, and the step fails saying so — the service is never left down.
 */
async function replaceNewFirst(ctx: ContainerContext, op: Extract<ContainerOp, { type: 'container.replace' }>): Promise<void> {
  const c = op.container;
  const base = baseOf(c, op.replica);
  const en = engineName(ctx.stack.name, base);
  const next = nextContainerName(ctx.stack.name, base);
  await removeContainer(ctx.client, next, 0); // a leftover from an interrupted run
  const id = await createContainer(ctx, c, next, op.anonymousVolumes, op.replica);
  for (const w of op.waitFor) await waitForContainer(ctx.client, w, ctx.waitTimeoutMs);
  // Was it running? A completed runOnce job, or a container stopped by hand, is not started when it comes back.
  const wasRunning = await ctx.client.request<{ State: { Running: boolean } }>('GET', `/containers/${op.oldId}/json`).then((i) => i.State.Running, () => false);
  // The old one under its name again, as it was (a rename that happened but whose answer was lost is fine).
  const restoreOld = () => rename(ctx, op.oldId, op.oldName ?? en).catch(() => undefined)
    .then(() => (wasRunning ? ctx.client.request('POST', `/containers/${op.oldId}/start`, { okStatuses: [304] }) : undefined))
    .then(() => true, () => false);
  const others = (c.replicas ?? 1) > 1 ? `; replica ${op.replica} of ${c.replicas}: the replicas not replaced yet keep running the old version` : '';
  const note = (why: unknown, back: boolean) => {
    if (why instanceof Error) why.message += (back ? ` (the old container ${wasRunning ? 'was started again' : 'is back'}: nothing changed` : ' (and the old container could not be started again: the next apply starts it') + `${others})`;
  };
  let oldKept = true;
  try {
    await ctx.client.request('POST', `/containers/${op.oldId}/stop`, { query: { t: c.stopTimeout ?? 10 }, okStatuses: [304] });
    // Already set aside by an interrupted run: the engine refuses renaming to the current name.
    await rename(ctx, op.oldId, oldContainerName(ctx.stack.name, base)).catch((e: unknown) => {
      if (!(e instanceof EngineError && /same name/i.test(e.engineMessage))) throw e;
    });
  } catch (e) {
    if (!isNotFound(e)) {
      await removeContainer(ctx.client, id, 0).catch(() => undefined);
      note(e, await restoreOld());
      throw e;
    }
    oldKept = false; // removed by someone else meanwhile: nothing to set aside or bring back
  }
  const bringBack = async (why: unknown): Promise<never> => {
    if (oldKept) {
      await removeContainer(ctx.client, id, 0).catch(() => undefined);
      note(why, await restoreOld());
    } else {
      // Nothing to go back to: never leave the service down; the new one runs under its temporary name.
      await ctx.client.request('POST', `/containers/${id}/start`, { okStatuses: [304] }).catch(() => undefined);
    }
    throw why;
  };
  await rename(ctx, id, en).catch(bringBack);
  try {
    await ctx.client.request('POST', `/containers/${id}/start`, { okStatuses: [304] });
  } catch (e) {
    await bringBack(await explainPortError(ctx.client, explainRuntimeError(explainStartError(e, ctx.stack, c), ctx.stack, c), ctx.stack, c));
  }
  if (oldKept) await removeContainer(ctx.client, op.oldId, 0);
  await untilCompleted(ctx, id, c);
  await untilReady(ctx, en, c, others);
}

/**
 * Rolling replacement of replicas: the step of a new replica lasts until it runs (and is healthy,
 * with a healthcheck), so the next old replica goes only then.
 */
async function untilReady(ctx: ContainerContext, name: string, c: ContainerSpec, others: string): Promise<void> {
  if ((c.replicas ?? 1) < 2) return;
  try {
    await waitForContainer(ctx.client, { container: name, resource: c.name, condition: c.healthcheck ? 'healthy' : 'started' }, ctx.waitTimeoutMs);
  } catch (e) {
    if (e instanceof Error) e.message += ` (${name} replaced${others})`;
    throw e;
  }
}

export async function runContainerOp(ctx: ContainerContext, op: ContainerOp, phase: 'create' | 'update' | 'replace' | 'destroy'): Promise<void> {
  const name = (c: ContainerSpec) => engineName(ctx.stack.name, baseOf(c, 'replica' in op ? op.replica : undefined));
  switch (op.type) {
    case 'container.create': {
      const id = await createContainer(ctx, op.container, name(op.container), undefined, op.replica);
      try {
        await startContainer(ctx, id, op.container, op.waitFor);
      } catch (e) {
        if (!(e instanceof PortInUseError)) throw e;
        // Never started and holding nothing: removed, so the engine is as before and the next plan creates it again.
        await removeContainer(ctx.client, id, 0);
        throw e.removed();
      }
      return;
    }
    case 'container.delete':
      await removeContainer(ctx.client, op.id, op.stopTimeout);
      return;
    case 'container.replace': {
      const stopTimeout = op.container.stopTimeout;
      if (op.order === 'delete-before-create') {
        if (phase === 'destroy') await removeContainer(ctx.client, op.oldId, stopTimeout);
        else await startContainer(ctx, await createContainer(ctx, op.container, name(op.container), op.anonymousVolumes, op.replica), op.container, op.waitFor);
        return;
      }
      await replaceNewFirst(ctx, op);
      return;
    }
    case 'container.update': {
      if (op.rename) await ctx.client.request('POST', `/containers/${op.id}/rename`, { query: { name: op.rename } });
      if (op.restart || op.resources) {
        const body: Record<string, unknown> = {};
        if (op.restart) body.RestartPolicy = { Name: op.restart.policy, MaximumRetryCount: op.restart.maxRetries };
        if (op.resources) {
          if (op.resources.nanoCpus !== null) body.NanoCpus = op.resources.nanoCpus;
          // MemorySwap as the engine sets it at creation (memory + as much swap): the same stack, the same limits.
          if (op.resources.memoryBytes !== null) Object.assign(body, { Memory: op.resources.memoryBytes, MemorySwap: op.resources.memoryBytes * 2 });
          if (op.resources.pids !== null) body.PidsLimit = op.resources.pids;
        }
        await ctx.client.request('POST', `/containers/${op.id}/update`, { body });
      }
      for (const net of op.disconnect) {
        // requestRaw: the answer is not read (Podman's is "OK" in plain text, not JSON).
        await ctx.client.requestRaw('POST', `/networks/${encodeURIComponent(net)}/disconnect`, { body: { Container: op.id, Force: true } });
      }
      for (const n of op.connect) {
        const aliases = n.network === 'bridge' ? [] : aliasesFor(op.container, n.aliases);
        await ctx.client.requestRaw('POST', `/networks/${encodeURIComponent(n.network)}/connect`, {
          body: { Container: op.id, EndpointConfig: endpointConfig(aliases, n.ipv4Address) },
        });
      }
      if (op.start) await startContainer(ctx, op.id, op.container, op.waitFor);
      await ctx.ledger.record(op.id, op.record);
      return;
    }
  }
}
