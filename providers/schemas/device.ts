/** Options of the device() storage provider, validated when a stack is checked (zod is loaded only then). */
import { z } from 'zod';
export const schema = z.strictObject({
  /** The block device on the engine's host, e.g. '/dev/sdb1', '/dev/disk/by-uuid/…', '/dev/loop3'. */
  device: z.string().regex(/^\/[^,\0]*$/, { message: 'expected the absolute path of a block device, e.g. "/dev/sdb1"' }),
  /** The file system on it, as the kernel names it: 'ext4', 'xfs', 'btrfs'… */
  type: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, { message: 'expected a file system type like "ext4", "xfs" or "btrfs"' }),
  /** Mount options, comma-separated as mount(8) takes them: 'noatime', 'noatime,discard'. */
  options: z.string().regex(/^[^\s,][^\s]*$/, { message: 'expected mount options like "noatime" or "noatime,discard" (comma-separated, no spaces)' }).optional(),
});

export type Options = z.output<typeof schema>;
export type Input = z.input<typeof schema>;
