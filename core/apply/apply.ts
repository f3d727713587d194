/**
 * apply: execute a plan's steps with bounded concurrency. It decides nothing: every operation and
 * its order come from the plan. A failed step skips only what depends on it; the rest finishes.
 */
import type { EngineClient } from '../engine/client.js';
import { walk, type WalkOutcome } from '../graph.js';
import type { ContainerSpec, DesiredStack, VolumeSpec } from '../model/spec.js';
import { isImageStep, scheduleSteps, type Step } from '../plan/schedule.js';
import { assertNever, type Plan } from '../plan/types.js';
import { runContainerOp, type ContainerContext } from './container.js';
import { notRunning, type StartedContainer } from './still-running.js';
import { LedgerWriter } from './ledger.js';
import { buildImage, deleteImage, pullImage } from './image.js';
import { createNetwork, deleteNetwork } from './network.js';
import { createVolume, deleteVolume, repairVolume } from './volume.js';
import type { HostContext } from '../../providers/types.js';
import { runMigration } from './migrate.js';
import { writeBackupRecord } from './backup.js';
import type { SecretValues } from './container-body.js';
import { storeSecretKey } from './secret-key.js';
import { finishIntent } from '../backup/intents.js';
import { runServiceOp, TaskPoller } from './service.js';
import { settleAdoption } from './adoption.js';

export interface ApplyOptions {
  concurrency: number;
  /** Secret values by reference, read for this run; the plan holds only references. */
  secrets?: SecretValues;
  waitTimeoutMs: number;
  /** Where moor runs relative to the engine, for providers' host-side work (mounts, directories). */
  host: HostContext;
  onStepStart?: (step: Step) => void;
  onStepEnd?: (step: Step, outcome: WalkOutcome, ms: number) => void;
  /** How a long step is getting on (a service's rollout: tasks running/desired). */
  onStepProgress?: (step: Step, text: string) => void;
  /** Checked before each step starts: true stops the apply after the steps in flight (Ctrl-C). */
  interrupted?: () => boolean;
}

export interface StepResult {
  id: string;
  resource: string;
  action: Step['node']['action'];
  phase: Step['phase'];
  outcome: WalkOutcome;
  ms: number;
}

export interface ApplyResult {
  steps: StepResult[];
  ok: boolean;
  /** Stopped by an interrupt: steps not started are 'cancelled'. */
  interrupted: boolean;
}

async function runStep(client: EngineClient, stack: DesiredStack, step: Step, options: ApplyOptions, ledger: LedgerWriter, names: Record<string, string>, onStarted: ContainerContext['onStarted'], releaseSlot: () => void, tasks: TaskPoller): Promise<void> {
  const { op } = step.node;
  const name = stack.name;
  const { host, waitTimeoutMs } = options;
  const secrets = options.secrets ?? new Map();
  const release = (old: VolumeSpec | undefined) => (old ? { stack: name, old, host } : undefined);
  switch (op.type) {
    case 'noop': return;
    case 'image.build': return buildImage(client, name, op.image, secrets);
    case 'image.pull': return pullImage(client, op.image);
    case 'image.delete': return deleteImage(client, op.id, op.ref);
    case 'network.create': return createNetwork(client, name, op.network);
    case 'network.delete': return deleteNetwork(client, op.id);
    case 'network.replace':
      return step.phase === 'destroy' ? deleteNetwork(client, op.id) : createNetwork(client, name, op.network);
    case 'volume.create': return createVolume(client, name, op.volume, host);
    case 'volume.delete':
      await deleteVolume(client, step.node.engineName, release(op.old));
      for (const v of op.also) await deleteVolume(client, v);
      return;
    case 'volume.replace':
      return step.phase === 'destroy' ? deleteVolume(client, step.node.engineName, release(op.old)) : createVolume(client, name, op.volume, host);
    case 'volume.migrate':
      return runMigration(client, name, op, step.phase === 'destroy' ? 'destroy' : 'create', host);
    case 'volume.repair':
      return repairVolume(client, name, op.volume, op.restart, host);
    case 'backup.create':
    case 'backup.update':
      return writeBackupRecord(client, name, op.backup, op.type === 'backup.update');
    case 'backup.delete':
      return deleteVolume(client, step.node.engineName);
    case 'container.create':
    case 'container.delete':
    case 'container.replace':
    case 'container.update':
      return runContainerOp({ client, stack, waitTimeoutMs, ledger, secrets, names, onStarted }, op, step.phase);
    case 'service.create':
    case 'service.update':
    case 'service.delete':
      return runServiceOp({ client, stack, waitTimeoutMs, secrets, progress: (text) => options.onStepProgress?.(step, text), waiting: releaseSlot, tasks }, op);
    case 'ledger.delete':
      for (const v of op.volumes) await deleteVolume(client, v);
      return;
    case 'intent.finish':
      return finishIntent(client, name, { volume: op.volume, intent: op.start ? op.intent : { ...op.intent, stopped: [] } });
    default:
      return assertNever(op);
  }
}

/** A container that did not stay up fails the step that started it (the summary names it, with its last log lines). */
async function failStepsOfStoppedContainers(client: EngineClient, running: StartedContainer[], results: StepResult[]): Promise<void> {
  let down: Awaited<ReturnType<typeof notRunning>>;
  try {
    down = await notRunning(client, running);
  } catch {
    return; // the check is a courtesy on top of steps that succeeded: an engine gone now is the next plan's to see
  }
  for (const { resource, error } of down) {
    const r = results.findLast((x) => (x.resource === `container.${resource}` || x.resource.startsWith(`container.${resource}#`)) && x.phase !== 'destroy' && x.outcome.status === 'done');
    if (r) r.outcome = { status: 'failed', error };
  }
}

export async function applyPlan(client: EngineClient, plan: Plan, stack: DesiredStack, options: ApplyOptions): Promise<ApplyResult> {
  const steps = scheduleSteps(plan.nodes);
  const ledger = new LedgerWriter(client, stack.name, plan.ledger);
  // The stack's secret-hash key is stored before anything that was hashed with it, once the
  // pulls and builds (which run first) succeeded: a missing image leaves the engine unchanged.
  let keyStored: Promise<void> | undefined;
  const storeKey = () => (keyStored ??= plan.secretKey ? storeSecretKey(client, stack.name, Buffer.from(plan.secretKey, 'base64')) : Promise.resolve());
  const started = new Map<string, number>();
  const results: StepResult[] = [];
  const running: StartedContainer[] = [];
  const onStarted = (id: string, c: ContainerSpec) => void running.push({ id, at: performance.now(), resource: c.name, name: c.name });
  // Services' rollouts are watched together: one read of the tasks per poll for all of them.
  const tasks = new TaskPoller(client);
  await walk(
    steps,
    Math.max(1, options.concurrency),
    async (step, release) => {
      started.set(step.id, performance.now());
      options.onStepStart?.(step);
      if (!isImageStep(step)) await storeKey();
      await runStep(client, stack, step, options, ledger, plan.adoption?.names ?? {}, onStarted, release, tasks);
    },
    (step, outcome) => {
      const ms = started.has(step.id) ? performance.now() - started.get(step.id)! : 0;
      results.push({ id: step.id, resource: step.node.id, action: step.node.action, phase: step.phase, outcome, ms });
      options.onStepEnd?.(step, outcome, ms);
    },
    options.interrupted,
  );
  // A plan of pulls and builds only still stores a new key (nothing else ran to store it).
  if (!results.some((r) => r.resource.startsWith('image.') && r.phase !== 'destroy' && r.outcome.status !== 'done')) await storeKey();
  // Adopted objects replaced or deleted leave the adoption record (model/adoption.ts).
  await settleAdoption(client, plan, results);
  const interrupted = !!options.interrupted?.();
  if (!interrupted) await failStepsOfStoppedContainers(client, running, results);
  return { steps: results, ok: !interrupted && results.every((r) => r.outcome.status === 'done'), interrupted };
}
