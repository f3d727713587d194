/**
 * The storage-provider plug point. A provider owns where a volume's data lives: its options
 * (a zod schema in providers/schemas/, typed in the stack), the mapping to an engine volume, a plan-time check of what
 * the engine only checks when a container starts, host-side preparation and release (a mount, a
 * directory), how its host-side state is observed, and how it describes itself in a plan.
 *
 * The planner never looks inside a provider: it sees driver, driverOpts and provider options,
 * where the data lives (`data`), the health a provider reports and the descriptions it gives.
 */
import type { ProviderSpec } from '../core/stack/schema/volume.js';

export interface ProviderContext {
  stack: string;
  /** Resource name of the volume. */
  volume: string;
  /** Engine name of the volume (`<stack>-<name>`): host-side state is named after it. */
  engineName: string;
  /**
   * Absolute path of the stack file, for resolving relative paths: set for resolve, toEngine and
   * check; empty for prepare, release and health, which work from the spec as applied (its paths
   * already resolved) and may run without the stack's source.
   */
  stackFile: string;
}

/** Where moor runs relative to the engine, for checks and host-side work. */
export interface HostContext {
  /**
   * True when the engine runs on this host (a unix socket): host paths, mounts and kernel
   * support moor sees are the engine's. False for tcp:// engines.
   */
  localEngine: boolean;
  /** The engine's address as the user configured it, for messages. */
  engine: string;
  /**
   * `--skip-checks`: plan-time checks that probe servers (reachability, SSH host keys) or this
   * host's kernel (NFS support) are not made. Reading local files (a bind path, an identity
   * file, whether sshfs is installed) is always done: it is cheap and cannot be wrong offline.
   */
  skipChecks: boolean;
}

export interface EngineVolume {
  driver: string;
  driverOpts: Record<string, string>;
}

/**
 * Where the data lives, which decides what deleting the engine volume costs:
 * - 'engine': inside the engine's volume (local disk): deleting the volume deletes the data.
 * - 'memory': in RAM while a container uses the volume; gone when the last one stops anyway.
 * - 'external': outside the engine (a host path, a server): deleting the volume leaves it there.
 */
export type DataHome = 'engine' | 'memory' | 'external';

/** A plan-time finding; the caller adds the stack file, resource and `provider.` to the field. */
export interface ProviderFinding {
  severity: 'error' | 'warning';
  summary: string;
  /** Option name (`path`, `server`…), when one option is the cause. */
  field?: string;
  detail?: string;
}

/** Host-side state of an existing volume; `ok: false` is drift that apply repairs with `prepare`. */
export type ProviderHealth = { ok: true } | { ok: false; reason: string };

export interface VolumeProvider<O = any> {
  readonly name: string;
  readonly data: DataHome;
  /**
   * Options as stored in the spec: relative paths resolved against the stack file. Pure; the
   * result is what plans compare and show. Default: the parsed options as they are.
   */
  resolve?(options: O, ctx: ProviderContext): O;
  /** Map validated options to the engine volume moor creates. Pure. */
  toEngine(options: O, ctx: ProviderContext): EngineVolume;
  /**
   * Checks made at plan time, for volumes the plan creates, replaces or repairs, before anything
   * changes: reachability, paths, keys, whether this host can mount the volume at all.
   */
  check?(options: O, ctx: ProviderContext, host: HostContext): Promise<ProviderFinding[]>;
  /** Host-side work before the engine volume is created, and to repair it (mkdir, mount). */
  prepare?(options: O, ctx: ProviderContext, host: HostContext): Promise<void>;
  /** Host-side work after the engine volume is deleted (unmount). Never deletes data. */
  release?(options: O, ctx: ProviderContext, host: HostContext): Promise<void>;
  /** Host-side state of an existing volume (is the mount there and answering?). Reads only. */
  health?(options: O, ctx: ProviderContext, host: HostContext): Promise<ProviderHealth>;
  /**
   * A container could not mount this volume: the reason in plain words, from the engine's raw
   * message (e.g. "no such device" → "this host's kernel has no NFS client"). Undefined: no idea.
   */
  explainMountError?(options: O, engineMessage: string): string | undefined;
  /** One line for plan output, e.g. "local disk" or "tmpfs 64 MiB in memory". */
  describe(options: O): string;
  /** What a user should know when the volume is created (e.g. "data is lost when …"). */
  notes?(options: O): string[];
}

export function providerSpec<O>(provider: string, options: O): ProviderSpec<O> {
  return Object.freeze({ provider, options });
}
