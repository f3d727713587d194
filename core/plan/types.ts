/**
 * The plan is data: nodes in dependency order, each with an action, the causes users read, the
 * per-attribute changes, and the operation the applier executes. The applier decides nothing.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { EngineInfo } from '../engine/client.js';
import type { LiveRecord } from '../model/ledger.js';
import type { Intent } from '../model/intent.js';
import type { AdoptedEntry } from '../model/adoption.js';
import type { VerifiedStash } from '../model/migration.js';
import type { BackupSpec, ContainerSpec, ImageSpec, NetworkAttachmentSpec, NetworkSpec, ResourcesSpec, RestartSpec, VolumeSpec } from '../model/spec.js';
import type { ResourceKind } from '../stack/handles.js';
import type { ServiceSpec } from '../model/service.js';

/** Swarm secrets around a service step: made before it (name → the reference whose value it holds), removed after (ids). */
export interface SwarmSecretPlan {
  create: { name: string; file: string; secret: string }[];
  remove: string[];
}

/** 'migrate': a volume replaced with its data copied across (see model/migration.ts). */
export type Action = 'create' | 'update' | 'replace' | 'migrate' | 'delete' | 'noop';

/** Stages of a volume migration, in order; a resumed migration starts further in. */
export type MigrationStep = 'discard-stash' | 'stash' | 'drop-old' | 'create-new' | 'restore' | 'drop-stash';

export type { ReplaceOrder } from '../model/lifecycle.js';
import type { ReplaceOrder } from '../model/lifecycle.js';

export interface AttributeChange {
  /** Attribute path, e.g. `env.MODE`, `restart`, `networks.backend`. */
  path: string;
  before: unknown;
  after: unknown;
  /** True when the engine cannot change this attribute live. */
  forcesReplacement: boolean;
  /** 'change': the stack changed; 'drift': the engine no longer matches what moor last applied. */
  source: 'change' | 'drift';
  /** The value is a secret: before/after read "(sensitive)", never the value or its hash. */
  sensitive?: boolean;
  /** Why, when the attribute alone does not say it (e.g. "the engine cannot remove a limit live"). */
  note?: string;
}

export interface WaitFor {
  /** Engine name of the container to wait for. */
  container: string;
  resource: string;
  /** 'completed': a runOnce container that exited 0. */
  condition: 'started' | 'healthy' | 'completed';
}

export type Operation =
  | { type: 'noop' }
  | { type: 'image.build'; image: ImageSpec }
  | { type: 'image.pull'; image: ImageSpec }
  | { type: 'image.delete'; id: string; ref: string }
  | { type: 'network.create'; network: NetworkSpec }
  | { type: 'network.replace'; id: string; network: NetworkSpec }
  | { type: 'network.delete'; id: string }
  | { type: 'volume.create'; volume: VolumeSpec }
  /** `old`: what was last applied, for its provider's host-side release (an unmount) once it is deleted. */
  | { type: 'volume.replace'; volume: VolumeSpec; old?: VolumeSpec }
  | { type: 'volume.delete'; also: string[]; old?: VolumeSpec }
  | { type: 'volume.migrate'; volume: VolumeSpec; steps: MigrationStep[]; verified: VerifiedStash | null; old?: VolumeSpec }
  /**
   * The provider's host-side state drifted (a mount vanished): stop the running containers using
   * the volume (engine names), which hold the old mount, prepare it again, start them.
   */
  | { type: 'volume.repair'; volume: VolumeSpec; restart: string[] }
  /** A backup job's record (a data-less volume): created, or recreated with the new definition. */
  | { type: 'backup.create'; backup: BackupSpec }
  | { type: 'backup.update'; backup: BackupSpec }
  | { type: 'backup.delete' }
  /** `replica`: which replica (engine name `<stack>-<name>-N`), set when the container has replicas > 1. */
  | { type: 'container.create'; container: ContainerSpec; waitFor: WaitFor[]; replica?: number }
  /** `oldName`: an adopted container's own name, which it gets back if its replacement cannot start. */
  | {
      type: 'container.replace'; oldId: string; container: ContainerSpec; order: ReplaceOrder; waitFor: WaitFor[]; oldName?: string; replica?: number;
      /** The old container's anonymous volumes the new one mounts again, engine name by target (their data kept). */
      anonymousVolumes?: Record<string, string>;
    }
  | {
      type: 'container.update';
      id: string;
      container: ContainerSpec;
      restart?: RestartSpec;
      resources?: ResourcesSpec;
      /** Engine network names to disconnect (also networks reconnected for new aliases). */
      disconnect: string[];
      connect: NetworkAttachmentSpec[];
      start: boolean;
      /** Renamed outside moor (or for its replica index): its engine name again. */
      rename?: string;
      replica?: number;
      waitFor: WaitFor[];
      /** The live values to record in the ledger once the update succeeded. */
      record: LiveRecord;
    }
  | { type: 'container.delete'; id: string; stopTimeout: number | null }
  /** A swarm service (plan/service.ts): created, updated in place (a rolling update) at `version`, or removed. */
  | { type: 'service.create'; service: ServiceSpec; secrets: SwarmSecretPlan }
  /** `forceUpdate`: the TaskTemplate.ForceUpdate to send, raised by --replace to roll every task with the spec unchanged. */
  | { type: 'service.update'; id: string; version: number; service: ServiceSpec; secrets: SwarmSecretPlan; forceUpdate: number }
  | { type: 'service.delete'; id: string; secrets: SwarmSecretPlan }
  | { type: 'ledger.delete'; volumes: string[] }
  /** Finish what a dead moor command began outside a plan (plan/intents.ts); `start`: start again the containers it stopped. */
  | { type: 'intent.finish'; volume: string; intent: Intent; start: boolean };

export interface PlanNode {
  /** `container.db` */
  id: string;
  kind: ResourceKind;
  name: string;
  /** Engine name (or image reference). */
  engineName: string;
  action: Action;
  /** Human reasons, e.g. "env.MODE changed", "stopped by hand". */
  causes: string[];
  changes: AttributeChange[];
  /** Resources that must be created or updated before this one (from the stack). */
  dependsOn: string[];
  /** Resources that used this one as last applied: they must let go before it is deleted. */
  dependents: string[];
  op: Operation;
  /**
   * One replica of a container resource with replicas (ids `container.worker#2`); --target,
   * ignoreChanges and protect apply to the resource (`container.worker`).
   */
  replica?: number;
  /** With `replica`: the resource's replica count as last applied (0: none yet) and as the stack says. */
  replicas?: { before: number; after: number };
  /** Set when the node would delete or replace a volume holding data. */
  dataLoss?: boolean;
  /** The stack's rule that allows that loss without --allow-data-loss. */
  dataLossAllowed?: string;
  /** What is in the volume, when moor could measure it (files is null when only the size is known). */
  dataAtStake?: { bytes: number; files: number | null; complete?: boolean };
  /**
   * Set when a volume deleted or replaced keeps no data in the engine: 'memory' (tmpfs: gone when
   * its containers stop anyway), 'external' (a host directory or a server: it stays there).
   */
  dataHome?: 'memory' | 'external';
}

export interface Plan {
  /** 2: changes carry raw values (1 carried display strings). */
  format: 2;
  stack: string;
  mode: 'apply' | 'destroy';
  engine: EngineInfo;
  nodes: PlanNode[];
  diagnostics: Diagnostic[];
  /** Lines worth telling that are not changes (e.g. volumes kept by destroy). */
  notes: string[];
  /**
   * A new secret-hash key (base64) the plan's digests were made with: apply stores it first. Set
   * only when the stack has secrets and the engine had no key yet.
   */
  secretKey?: string;
  /** Set for a partial plan (`--target`): the resource ids asked for. */
  targets?: string[];
  /**
   * False when observe did not inspect every managed container (`--refresh=false`): drift in live
   * settings (restart policy, limits, aliases changed by hand) was not looked for.
   */
  refreshed: boolean;
  /**
   * Objects adopted without moor's labels (model/adoption.ts): the record's entries, those that
   * stay adopted after this plan (`keep`, by `kind.resource`), and the engine names of the kept
   * ones by resource id (`network.default` → `shop_default`), for the containers apply creates.
   */
  adoption?: { generation: number; volumes: string[]; entries: AdoptedEntry[]; keep: string[]; names: Record<string, string> };
  /** The ledger of live updates as it stands, minus entries of containers this plan removes. */
  ledger: { generation: number; entries: Record<string, LiveRecord>; volumes: string[] };
}

export interface PlanSummary {
  create: number;
  update: number;
  replace: number;
  migrate: number;
  delete: number;
}

export function summarize(plan: Plan): PlanSummary {
  const s: PlanSummary = { create: 0, update: 0, replace: 0, migrate: 0, delete: 0 };
  for (const n of plan.nodes) if (n.action !== 'noop') s[n.action]++;
  return s;
}

/** A replacement that removes the old object before creating the new one (same engine name, no overlap). */
export function deletesFirst(node: PlanNode): boolean {
  if (node.action === 'migrate') return true;
  if (node.action !== 'replace') return false;
  return node.op.type === 'network.replace' || node.op.type === 'volume.replace' || (node.op.type === 'container.replace' && node.op.order === 'delete-before-create');
}

export function hasChanges(plan: Plan): boolean {
  return plan.nodes.some((n) => n.action !== 'noop');
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
