import { z } from 'zod';
import { DURATION, SIZE } from '../../model/units.js';
import { isHandle, type ContainerHandle, type ImageHandle, type NetworkHandle, type VolumeHandle } from '../handles.js';

/** Resource names become part of engine names (`<stack>-<name>`): keep them DNS- and tag-safe. */
export { durationToNanos, sizeToBytes } from '../../model/units.js';

export const RESOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const STACK_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const imageHandle = z.custom<ImageHandle>((v) => isHandle(v, 'image'), {
  message: 'expected an image handle returned by image()',
});
export const networkHandle = z.custom<NetworkHandle>((v) => isHandle(v, 'network'), {
  message: 'expected a network handle returned by network()',
});
export const volumeHandle = z.custom<VolumeHandle>((v) => isHandle(v, 'volume'), {
  message: 'expected a volume handle returned by volume()',
});
export const containerHandle = z.custom<ContainerHandle>((v) => isHandle(v, 'container'), {
  message: 'expected a container handle returned by container()',
});

/** User labels; the `moor.` prefix is reserved for moor's own bookkeeping. */
export const labels = z
  .record(z.string().min(1), z.string())
  .refine((l) => Object.keys(l).every((k) => !k.startsWith('moor.')), {
    message: 'label keys starting with "moor." are reserved for moor',
  });

/** Duration strings in Go's style ('2s', '1m30s', '500ms') or a number of seconds. */
export const duration = z.union([
  z.number().nonnegative(),
  z.string().regex(DURATION, { message: 'expected a duration like "2s", "500ms" or "1m30s"' }),
]);

/** Byte sizes: a number of bytes, or '64m', '1g', '512MiB'. */
export const byteSize = z.union([
  z.number().int().positive(),
  z.string().regex(SIZE, { message: 'expected a size like "64m", "1g" or a number of bytes' }),
]);
