/** Options of the tmpfs() storage provider, validated when a stack is checked (zod is loaded only then). */
import { z } from 'zod';
import { byteSize, sizeToBytes } from '../../core/stack/schema/common.js';
/**
 * An octal string only: a number is ambiguous (1777 is decimal, 0o1777 octal, and both type-check),
 * and a wrong mode would only show when a container tries to write.
 */
const mode = z.string({ message: 'expected the mode as an octal string, e.g. "1777" (a number like 1777 would be read as decimal)' }).regex(/^0?[0-7]{3,4}$/, {
  message: 'expected an octal mode like "1777" or "0755"',
});
const id = z.number().int().min(0).max(0xfffffffe);

export const schema = z
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

export type Options = z.output<typeof schema>;
export type Input = z.input<typeof schema>;
