/** The public shape of a stack: `export default stack('shop', ({ image, network, volume, container }) => { … })`. */
import type { BackupHandle, ContainerHandle, ImageHandle, NetworkHandle, ServiceHandle, VolumeHandle } from './handles.js';
import type { BackupOptions } from './schema/backup.js';
import type { ContainerOptions } from './schema/container.js';
import type { ImageOptions } from './schema/image.js';
import type { NetworkOptions } from './schema/network.js';
import type { ServiceOptions } from './schema/service.js';
import type { VolumeOptions } from './schema/volume.js';

export interface StackBuilder {
  /** An image by reference, pulled when missing: `image('nginx:1.27')`. */
  image(reference: string): ImageHandle;
  /** An image built locally: `image('tools', { build: { context: './tools' } })`. */
  image(name: string, options: ImageOptions): ImageHandle;
  network(name: string, options?: NetworkOptions): NetworkHandle;
  volume(name: string, options?: VolumeOptions): VolumeHandle;
  container(name: string, options: ContainerOptions): ContainerHandle;
  /** A volume backup job: archives `volumes` into `target` on `schedule`, verified, kept by `keep`. */
  backup(name: string, options: BackupOptions): BackupHandle;
  /** A swarm service (the engine must be a swarm manager): replicated tasks, rolling updates, docs/swarm.md. */
  service(name: string, options: ServiceOptions): ServiceHandle;
}

/**
 * The build function declares the stack's resources. It may be `async` (to read a config file,
 * say): moor awaits it, and the stack is what it declared by the time its promise settled. A
 * declaration made after that (a promise the function did not await) is an error, never a
 * resource silently left out.
 */
export type BuildFunction = (builder: StackBuilder) => void | Promise<void>;

/** A parameter's value: its default decides its type (string, number or boolean). */
export type ParamValue = string | number | boolean;
export type ParamDefaults = Record<string, ParamValue>;

/** The values the build function receives: each of the type of its default (`1` → number). */
export type Params<P extends ParamDefaults> = {
  readonly [K in keyof P]: P[K] extends number ? number : P[K] extends boolean ? boolean : string;
};

export interface StackOptions<P extends ParamDefaults> {
  /**
   * Parameters with their defaults. An environment (`moor plan --env prod`) sets them from
   * `<stack file>.prod.json` beside the stack; `--var name=value` and `MOOR_PARAM_name` too.
   */
  params: P;
}

export type ParamBuildFunction<P extends ParamDefaults> = (builder: StackBuilder, params: Params<P>) => void | Promise<void>;

export interface StackDefinition {
  readonly __moorStack: 1;
  readonly name: string;
  /** Parameter defaults (`{}` for a stack without parameters). */
  readonly params: Readonly<ParamDefaults>;
  readonly build: (builder: StackBuilder, params: Readonly<Record<string, ParamValue>>) => void | Promise<void>;
}

/**
 * Declare a stack. `name` prefixes every engine object (`<stack>-<resource>`); with `--env prod`
 * the stack on the engine is `<name>-prod`. The build function receives the resource functions
 * (and, with `params`, the parameters' values); it must not have side effects.
 *
 *   stack('shop', ({ container }) => { … })
 *   stack('shop', { params: { replicas: 1, domain: 'localhost' } }, ({ container }, params) => { … })
 */
export function stack<const P extends ParamDefaults>(name: string, options: StackOptions<P>, build: ParamBuildFunction<P>): StackDefinition;
// Last, so that `Parameters<typeof stack>` is the plain form's.
export function stack(name: string, build: BuildFunction): StackDefinition;
export function stack(name: string, a: BuildFunction | StackOptions<ParamDefaults>, b?: ParamBuildFunction<ParamDefaults>): StackDefinition {
  const build = (typeof a === 'function' ? a : b) as StackDefinition['build'];
  const params = typeof a === 'function' ? {} : Object.freeze({ ...(a?.params ?? {}) });
  const def = { __moorStack: 1 as const, name, params, build };
  // Where the stack was declared (a stack trace, resolved only when a diagnostic needs the line).
  Object.defineProperty(def, '__moorWhere', { value: new Error().stack ?? '', enumerable: false });
  return Object.freeze(def);
}

/** The stack trace of the stack() call, for diagnostics about the stack itself (its name). */
export function declaredAt(def: StackDefinition): string {
  return (def as unknown as { __moorWhere?: string }).__moorWhere ?? '';
}

export function isStackDefinition(value: unknown): value is StackDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as StackDefinition).__moorStack === 1 &&
    typeof (value as StackDefinition).build === 'function'
  );
}
