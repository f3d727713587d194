/**
 * The storage-provider plug point. A provider owns where a volume's data lives: its options
 * (a zod schema, typed in the stack), the mapping to an engine volume, a plan-time check of what
 * the engine only checks when a container starts, and how it describes itself in a plan.
 * The planner never looks inside a provider: it sees driver, driverOpts and provider options.
 */
import type { z } from 'zod';
import type { Diagnostic } from '../core/diagnostics.js';
import type { ProviderSpec } from '../core/stack/schema/volume.js';

export interface ProviderContext {
  stack: string;
  /** Resource name of the volume. */
  volume: string;
  /** Absolute path of the stack file, for resolving relative paths. */
  stackFile: string;
}

export interface EngineVolume {
  driver: string;
  driverOpts: Record<string, string>;
}

export interface VolumeProvider<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly schema: S;
  /** Map validated options to the engine volume moor creates. Pure. */
  toEngine(options: z.output<S>, ctx: ProviderContext): EngineVolume;
  /** Checks made at plan time, before anything changes (reachability, paths, host support). */
  check?(options: z.output<S>, ctx: ProviderContext): Promise<Diagnostic[]>;
  /** One line for plan output, e.g. "local disk" or "tmpfs 64 MiB (in memory)". */
  describe(options: z.output<S>): string;
}

export function providerSpec<O>(provider: string, options: O): ProviderSpec<O> {
  return Object.freeze({ provider, options });
}
