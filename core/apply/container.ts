/** Container operations, exactly as planned. */
import type { EngineClient } from '../engine/client.js';
import { isNotFound } from '../engine/errors.js';
import { engineName, nextContainerName } from '../model/names.js';
import type { ContainerSpec, DesiredStack } from '../model/spec.js';
import type { Operation, WaitFor } from '../plan/types.js';
import type { LedgerWriter } from './ledger.js';
import { aliasesFor, containerCreateBody, imageRefFor, type SecretValues } from './container-body.js';
import { waitForContainer } from './wait.js';
import { explainStartError } from './mount-error.js';
import { explainPortError, PortInUseError } from './port-error.js';

export interface ContainerContext {
  client: EngineClient;
  stack: DesiredStack;
  waitTimeoutMs: number;
  ledger: LedgerWriter;
  secrets: SecretValues;
}

async function createContainer(ctx: ContainerContext, c: ContainerSpec, name: string): Promise<string> {
  const { body, extraNetworks } = containerCreateBody(ctx.stack.name, imageRefFor(ctx.stack, c.image), c, ctx.secrets);
  const created = await ctx.client.request<{ Id: string }>('POST', '/containers/create', { query: { name }, body });
  for (const n of extraNetworks) {
    await ctx.client.request('POST', `/networks/${encodeURIComponent(n.network)}/connect`, {
      body: { Container: created.Id, EndpointConfig: { Aliases: n.aliases } },
    });
  }
  return created.Id;
}

/**
 * Start a created container; a volume that cannot be mounted is named, with the reason in plain
 * words. A runOnce container's step lasts until its job completed (exited 0).
 */
async function start(ctx: ContainerContext, id: string, c: ContainerSpec): Promise<void> {
  try {
    await ctx.client.request('POST', `/containers/${id}/start`, { okStatuses: [304] });
  } catch (e) {
    throw await explainPortError(ctx.client, explainStartError(e, ctx.stack, c), ctx.stack, c);
  }
  if (c.runOnce) await waitForContainer(ctx.client, { container: id, resource: c.name, condition: 'completed' }, ctx.waitTimeoutMs);
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

export async function runContainerOp(ctx: ContainerContext, op: ContainerOp, phase: 'create' | 'update' | 'replace' | 'destroy'): Promise<void> {
  const name = (c: ContainerSpec) => engineName(ctx.stack.name, c.name);
  switch (op.type) {
    case 'container.create': {
      const id = await createContainer(ctx, op.container, name(op.container));
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
        else await startContainer(ctx, await createContainer(ctx, op.container, name(op.container)), op.container, op.waitFor);
        return;
      }
      // create-before-destroy: the new container exists before the old one stops; downtime is stop → rename → start.
      const next = nextContainerName(ctx.stack.name, op.container.name);
      await removeContainer(ctx.client, next, 0); // a leftover from an interrupted run
      const id = await createContainer(ctx, op.container, next);
      for (const w of op.waitFor) await waitForContainer(ctx.client, w, ctx.waitTimeoutMs);
      await removeContainer(ctx.client, op.oldId, stopTimeout);
      try {
        await ctx.client.request('POST', `/containers/${id}/rename`, { query: { name: name(op.container) } });
      } catch (e) {
        // The old container is gone: never leave the service down. The new one runs under its
        // temporary name (its peers reach it by its aliases) until the next apply finishes the job.
        await start(ctx, id, op.container).catch(() => undefined);
        throw e;
      }
      await start(ctx, id, op.container);
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
        await ctx.client.request('POST', `/networks/${encodeURIComponent(net)}/disconnect`, { body: { Container: op.id, Force: true } });
      }
      for (const n of op.connect) {
        const aliases = n.network === 'bridge' ? [] : aliasesFor(op.container, n.aliases);
        await ctx.client.request('POST', `/networks/${encodeURIComponent(n.network)}/connect`, {
          body: { Container: op.id, EndpointConfig: aliases.length ? { Aliases: aliases } : {} },
        });
      }
      if (op.start) await startContainer(ctx, op.id, op.container, op.waitFor);
      await ctx.ledger.record(op.id, op.record);
      return;
    }
  }
}
