/** The public shape of a stack: `export default stack('shop', ({ image, network, volume, container }) => { … })`. */
import type { BackupHandle, ContainerHandle, ImageHandle, NetworkHandle, VolumeHandle } from './handles.js';
import type { BackupOptions } from './schema/backup.js';
import type { ContainerOptions } from './schema/container.js';
import type { ImageOptions } from './schema/image.js';
import type { NetworkOptions } from './schema/network.js';
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
}

/**
 * The build function declares the stack's resources. It may be `async` (to read a config file,
 * say): moor awaits it, and the stack is what it declared by the time its promise settled. A
 * declaration made after that (a promise the function did not await) is an error, never a
 * resource silently left out.
 */
export type BuildFunction = (builder: StackBuilder) => void | Promise<void>;

export interface StackDefinition {
  readonly __moorStack: 1;
  readonly name: string;
  readonly build: BuildFunction;
}

/**
 * Declare a stack. `name` prefixes every engine object (`<stack>-<resource>`).
 * The build function receives the resource functions; it must not have side effects.
 */
export function stack(name: string, build: BuildFunction): StackDefinition {
  return Object.freeze({ __moorStack: 1 as const, name, build });
}

export function isStackDefinition(value: unknown): value is StackDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as StackDefinition).__moorStack === 1 &&
    typeof (value as StackDefinition).build === 'function'
  );
}
