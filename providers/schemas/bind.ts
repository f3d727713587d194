/** Options of the bind() storage provider, validated when a stack is checked (zod is loaded only then). */
import { z } from 'zod';
export const schema = z.strictObject({
  /** Host directory: absolute, or relative to the stack file. */
  path: z.string().min(1, { message: 'expected a host directory' }),
  /** Create the directory (and its parents) when it is missing; else a missing path is a plan error. */
  create: z.boolean().default(false),
});

export type Options = z.output<typeof schema>;
export type Input = z.input<typeof schema>;
