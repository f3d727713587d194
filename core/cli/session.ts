/**
 * The part every command shares: load the stack, reach the engine, take the lock (apply and
 * destroy), read secrets, observe, plan. Reads only; nothing here changes the engine.
 */
import { DiagnosticsError, hasErrors, type Diagnostic } from '../diagnostics.js';
import type { EngineClient } from '../engine/client.js';
import { openClient, takeEarlyClient } from '../engine/early.js';
import { acquireStackLock, type LockHolder, type StackLock } from '../lock/stack-lock.js';
import { newSecretKey } from '../model/secret.js';
import { emptyStack, type DesiredStack } from '../model/spec.js';
import { observeStack } from '../observe/observe.js';
import { startReadAhead } from '../observe/read-ahead.js';
import { checkVolumeProviders, hostContext } from '../observe/provider-checks.js';
import { checkBindSources } from '../observe/bind-checks.js';
import type { HostContext } from '../../providers/types.js';
import { measureVolumes } from '../observe/volume-usage.js';
import type { ObservedState } from '../observe/types.js';
import { fingerprint, stackNames, type Fingerprint } from '../plan/fingerprint.js';
import { planStack, type PlanOptions } from '../plan/plan.js';
import type { Plan } from '../plan/types.js';
import { renderDiagnostics } from '../render/diagnostics.js';
import { loadStack } from '../stack/load.js';
import type { EnvSources, StackInputs } from '../stack/environment.js';
import { lateDeclarationDiagnostics } from '../stack/collect.js';
import { hasSecrets, readSecretValues, sealSecrets } from '../stack/secret-values.js';
import type { Output } from './output.js';
import { knownResourceIds, resolveResourceNames } from './resource-names.js';

export interface Session {
  client: EngineClient;
  stack: DesiredStack;
  plan: Plan;
  /** What observe read (moor ps shows it beside the plan's judgement). */
  observed: ObservedState;
  /** Secret values by reference, for apply only; never written anywhere. */
  secrets: Map<string, string>;
  /** The engine state the plan was made from, for a saved plan (computed when asked: a plan that is not saved needs none). */
  fingerprint(): Fingerprint;
  lock: StackLock | null;
  /** Where moor runs relative to the engine, for providers' host-side work. */
  host: HostContext;
  /** Releases the lock (if any), then the engine connection. */
  close(): Promise<void>;
}

export interface SessionOptions extends PlanOptions {
  refresh: boolean;
  concurrency?: number;
  targetNames?: string[];
  replaceNames?: string[];
  /** apply/destroy: hold the stack's lock from before observe until the session closes. */
  lock?: { timeoutMs: number; command: string };
  /** `--skip-checks`: providers' plan-time checks are not made. */
  skipChecks?: boolean;
  /** `--context NAME`: the docker context to use (before DOCKER_HOST, DOCKER_CONTEXT…). */
  context?: string;
  /** `--env`, `--var`, `--env-file`. */
  inputs?: StackInputs;
}

export function failOnDiagnostics(diags: Diagnostic[], io: Output): void {
  if (diags.length) io.err(renderDiagnostics(diags, io.style));
  if (hasErrors(diags)) throw new DiagnosticsError(diags);
}

/** The stack for `inputs` (--env, --var, --env-file), and where its secrets are read from. */
export async function loadWithSources(file: string, io: Output, inputs: StackInputs = {}): Promise<{ stack: DesiredStack; sources: EnvSources }> {
  const loaded = await loadStack(file, inputs);
  if (loaded.diagnostics.length) io.err(renderDiagnostics(loaded.diagnostics, io.style));
  if (!loaded.stack || !loaded.sources || hasErrors(loaded.diagnostics)) throw new DiagnosticsError(loaded.diagnostics);
  return { stack: loaded.stack, sources: loaded.sources };
}

export async function loadOrFail(file: string, io: Output, inputs: StackInputs = {}): Promise<DesiredStack> {
  return (await loadWithSources(file, io, inputs)).stack;
}

export function newClient(concurrency = 4, context?: string): EngineClient {
  const maxSockets = Math.max(8, concurrency * 2);
  // Opened by main as the command started (core/engine/early.ts), else now: either way the API
  // version is negotiated while the stack loads.
  return takeEarlyClient(context, maxSockets) ?? openClient(context, maxSockets);
}

export async function takeLock(client: EngineClient, stack: string, lock: SessionOptions['lock'], io: Output): Promise<StackLock | null> {
  if (!lock) return null;
  const opts = {
    stack, engine: client.endpoint.display, timeoutMs: lock.timeoutMs, command: lock.command,
    onWait: (h: LockHolder | undefined) => io.err(`Waiting for the lock on stack "${stack}"${h ? `, held by moor ${h.command} (pid ${h.pid} on ${h.host} since ${h.since})` : ''}…`),
  };
  // An engine on this host: flock, which the kernel drops when its holder dies. Anywhere else the
  // lock must be on the engine, where every machine applying to it sees it.
  if (client.endpoint.socketPath) return acquireStackLock(opts);
  const { acquireEngineLock } = await import('../lock/engine-lock.js');
  return acquireEngineLock(client, opts);
}

/** Plan, and when the plan would delete or replace volumes, measure what they hold and plan again. */
function planMeasured(client: EngineClient, desired: DesiredStack, observed: ObservedState, opts: PlanOptions): Promise<Plan> {
  const first = planStack(desired, observed, opts);
  const touched = new Set(first.nodes.filter((n) => n.kind === 'volume' && (n.action === 'replace' || n.action === 'delete' || n.action === 'migrate')).map((n) => n.engineName));
  if (!touched.size) return Promise.resolve(first);
  return measureVolumes(client, observed.volumes.filter((v) => touched.has(v.name))).then((usage) => planStack(desired, { ...observed, volumeUsage: usage }, opts));
}

export async function planSession(file: string, io: Output, opts: SessionOptions): Promise<Session> {
  const client = newClient(opts.concurrency, opts.context);
  // No lock, no risk of reading before another moor's apply: the last plan's reads go out now, while the stack loads.
  const ahead = opts.lock ? undefined : startReadAhead(client, file, opts.inputs?.env);
  let lock: StackLock | null = null;
  // The lock goes first, over the client: an engine-side lock is removed through it.
  const close = async () => {
    try {
      await lock?.release();
    } finally {
      client.close();
    }
  };
  try {
    const { stack, sources } = await loadWithSources(file, io, opts.inputs);
    lock = await takeLock(client, stack.name, opts.lock, io);
    let desired = opts.mode === 'destroy' ? emptyStack(stack.name, stack.file, stack) : stack;
    const secrets = readSecretValues(desired, sources);
    failOnDiagnostics(secrets.diagnostics, io);

    const host = hostContext(client.endpoint, !!opts.skipChecks);
    const observed = await observeStack(client, desired, { refresh: opts.refresh, host });
    let newKey: Buffer | null = null;
    if (hasSecrets(desired)) {
      const stored = observed.secretKey?.key;
      const key = stored ? Buffer.from(stored, 'base64') : (newKey = newSecretKey());
      desired = sealSecrets(desired, key, secrets.values);
    }
    const known = knownResourceIds(stack, observed);
    const planOpts: PlanOptions = {
      ...opts,
      targets: resolveResourceNames('target', opts.targetNames ?? [], known),
      replace: resolveResourceNames('replace', opts.replaceNames ?? [], known),
    };
    const plan = await planMeasured(client, desired, observed, planOpts);
    if (newKey) plan.secretKey = newKey.toString('base64');
    plan.diagnostics.push(...(await checkVolumeProviders(plan, desired, host)), ...(await checkBindSources(plan, desired, host)));
    // A promise the build function did not await may have declared more meanwhile: the plan would be of part of the stack.
    failOnDiagnostics(lateDeclarationDiagnostics(), io);
    await ahead?.save();
    return { client, stack: desired, plan, observed, secrets: secrets.values, fingerprint: () => fingerprint(observed, stackNames(desired)), lock, host, close };
  } catch (e) {
    await close();
    throw e;
  }
}
