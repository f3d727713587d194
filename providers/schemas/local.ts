/** Options of the local() storage provider, validated when a stack is checked (zod is loaded only then). */
import { z } from 'zod';
export const schema = z.strictObject({});
export type Options = z.output<typeof schema>;
export type Input = z.input<typeof schema>;
