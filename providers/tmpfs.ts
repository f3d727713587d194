/**
 * tmpfs: a volume held in RAM. The engine's local driver mounts a tmpfs when the first container
 * using the volume starts and unmounts it when the last one stops, so its data never outlives the
 * containers: a cache, a scratch area, secrets that must not touch disk.
 */
import { showBytes } from '../core/render/display.js';
import type { VolumeProvider } from './types.js';
import type { Options } from './schemas/tmpfs.js';

/** The mount options the kernel gets, in a stable order (`size=67108864,mode=1777`). */
export function tmpfsMountOptions(o: Options): string {
  const parts: string[] = [];
  if (o.size !== null) parts.push(`size=${o.size}`);
  if (o.mode !== null) parts.push(`mode=${o.mode}`);
  if (o.uid !== null) parts.push(`uid=${o.uid}`);
  if (o.gid !== null) parts.push(`gid=${o.gid}`);
  return parts.join(',');
}

export const tmpfsProvider: VolumeProvider<Options> = {
  name: 'tmpfs',
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

export { tmpfs } from './api.js';
