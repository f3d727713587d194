/**
 * Handles are what resource functions return. Resources reference each other through handles,
 * never through name strings, so a typo is a compile error instead of a runtime surprise.
 */
export type ResourceKind = 'image' | 'network' | 'volume' | 'container' | 'backup' | 'service';

declare const brand: unique symbol;

export interface Handle<K extends ResourceKind> {
  readonly kind: K;
  /** The resource name inside the stack (`db`), or the image reference for pulled images. */
  readonly name: string;
  /** The stack the handle was created in. */
  readonly stack: string;
  readonly [brand]?: K;
}

export type ImageHandle = Handle<'image'>;
export type NetworkHandle = Handle<'network'>;
export type VolumeHandle = Handle<'volume'>;
export type ContainerHandle = Handle<'container'>;
export type BackupHandle = Handle<'backup'>;
export type ServiceHandle = Handle<'service'>;

const HANDLE_TAG = '__moorHandle';

export function makeHandle<K extends ResourceKind>(kind: K, name: string, stack: string): Handle<K> {
  return Object.freeze({ kind, name, stack, [HANDLE_TAG]: true }) as unknown as Handle<K>;
}

export function isHandle<K extends ResourceKind>(value: unknown, kind: K): value is Handle<K> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)[HANDLE_TAG] === true &&
    (value as { kind?: unknown }).kind === kind
  );
}

export function resourceId(kind: ResourceKind, name: string): string {
  return `${kind}.${name}`;
}
