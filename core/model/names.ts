/** How resources are named on the engine. One place, so observe, plan and apply agree. */
import type { ImageSpec } from './spec.js';

export function engineName(stack: string, name: string): string {
  return `${stack}-${name}`;
}

/** Reference a built image is tagged with. */
export function builtImageRef(stack: string, name: string): string {
  return `${stack}-${name}:latest`;
}

/** Name a replacement container is created under before the old one is removed. */
export function nextContainerName(stack: string, name: string): string {
  return `${engineName(stack, name)}.moor-next`;
}

export const NEXT_SUFFIX = '.moor-next';

export function imageRef(spec: ImageSpec): string {
  return spec.ref;
}

/** Normalize an image reference the way the engine reports it ('busybox' → 'busybox:latest'). */
export function normalizeImageRef(ref: string): string {
  if (ref.includes('@')) return ref;
  const lastSlash = ref.lastIndexOf('/');
  return ref.slice(lastSlash + 1).includes(':') ? ref : `${ref}:latest`;
}
