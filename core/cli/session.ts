/** The part every command shares: load the stack, reach the engine, observe, plan. */
import { DiagnosticsError, hasErrors } from '../diagnostics.js';
import { EngineClient } from '../engine/client.js';
import { emptyStack, type DesiredStack } from '../model/spec.js';
import { observeStack } from '../observe/observe.js';
import { planStack, type PlanOptions } from '../plan/plan.js';
import type { Plan } from '../plan/types.js';
import { renderDiagnostics } from '../render/diagnostics.js';
import { loadStack } from '../stack/load.js';
import type { Output } from './output.js';

export interface Session {
  client: EngineClient;
  stack: DesiredStack;
  plan: Plan;
}

export async function loadOrFail(file: string, io: Output): Promise<DesiredStack> {
  const loaded = await loadStack(file);
  if (loaded.diagnostics.length) io.err(renderDiagnostics(loaded.diagnostics, io.style));
  if (!loaded.stack || hasErrors(loaded.diagnostics)) throw new DiagnosticsError(loaded.diagnostics);
  return loaded.stack;
}

export async function planSession(
  file: string,
  io: Output,
  opts: PlanOptions & { refresh: boolean; concurrency?: number },
): Promise<Session> {
  const client = new EngineClient(undefined, Math.max(8, (opts.concurrency ?? 4) * 2));
  // Negotiate the API version (a read) while the stack loads; its error, if any, surfaces in observe.
  client.engineInfo().catch(() => undefined);
  let stack: DesiredStack;
  try {
    stack = await loadOrFail(file, io);
  } catch (e) {
    client.close();
    throw e;
  }
  const desired = opts.mode === 'destroy' ? emptyStack(stack.name, stack.file) : stack;
  try {
    const observed = await observeStack(client, desired, { refresh: opts.refresh });
    const plan = planStack(desired, observed, opts);
    return { client, stack: desired, plan };
  } catch (e) {
    client.close();
    throw e;
  }
}
