/**
 * tmpfs: a volume held in RAM. The engine's local driver mounts a tmpfs when the first container
 * using the volume starts and unmounts it when the last one stops, so its data never outlives the
 * containers: a cache, a scratch area, secrets that must not touch disk.
 */
import { z } from 'zod';
import { byteSize, sizeToBytes } from '../core/stack/schema/common.js';
import { showBytes } from '../core/render/display.js';
import { providerSpec, type VolumeProvider } from './types.js';

/**
 * An octal string only: a number is ambiguous (1777 is decimal, 0o1777 octal, and both type-check),
 * and a wrong mode would only show when a container tries to write.
 */
const mode = z.string({ message: 'expected the mode as an octal string, e.g. "1777" (a number like 1777 would be read as decimal)' }).regex(/^0?[0-7]{3,4}$/, {
  message: 'expected an octal mode like "1777" or "0755"',
});
const id = z.number().int().min(0).max(0xfffffffe);

const schema = z
  .strictObject({
    /** Upper bound of the RAM it may use: '64m', '1g' or bytes. The kernel's default is half the RAM. */
    size: byteSize.optional(),
    /** Permissions of the volume's root directory (the kernel's default is 1777). */
    mode: mode.optional(),
    /** Owner of the volume's root directory. */
    uid: id.optional(),
    gid: id.optional(),
  })
  .transform((o) => ({
    size: o.size === undefined ? null : sizeToBytes(o.size),
    // Kept as octal text ('1777', '755'): that is how a plan shows it and the kernel takes it.
    mode: o.mode === undefined ? null : parseInt(o.mode, 8).toString(8),
    uid: o.uid ?? null,
    gid: o.gid ?? null,
  }));

type Options = z.output<typeof schema>;

/** The mount options the kernel gets, in a stable order (`size=67108864,mode=1777`). */
export function tmpfsMountOptions(o: Options): string {
  const parts: string[] = [];
  if (o.size !== null) parts.push(`size=${o.size}`);
  if (o.mode !== null) parts.push(`mode=${o.mode}`);
  if (o.uid !== null) parts.push(`uid=${o.uid}`);
  if (o.gid !== null) parts.push(`gid=${o.gid}`);
  return parts.join(',');
}

export const tmpfsProvider: VolumeProvider<typeof schema> = {
  name: 'tmpfs',
  schema,
  data: 'memory',
  toEngine: (o) => {
    const opts = tmpfsMountOptions(o);
    return { driver: 'local', driverOpts: { type: 'tmpfs', device: 'tmpfs', ...(opts ? { o: opts } : {}) } };
  },
  describe: (o) => {
    const extra = [o.mode !== null ? `mode ${o.mode}` : '', o.uid !== null || o.gid !== null ? `owner ${o.uid ?? 0}:${o.gid ?? 0}` : ''].filter(Boolean);
    return `tmpfs ${o.size !== null ? showBytes(o.size) : '(no size limit: up to half the RAM)'} in memory${extra.length ? `, ${extra.join(', ')}` : ''}`;
  },
  notes: () => ['its data lives in memory and is lost when the last container using it stops'],
};

/** `volume('cache', { provider: tmpfs({ size: '64m' }) })` — a volume in RAM. */
export function tmpfs(options: z.input<typeof schema> = {}) {
  return providerSpec('tmpfs', options);
}
