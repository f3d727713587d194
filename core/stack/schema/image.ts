import { z } from 'zod';
import { labels } from './common.js';

/** A loose image reference check: [registry/]repo[:tag][@digest], lower-case repository. */
export const IMAGE_REF = /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export const imageOptionsSchema = z.strictObject({
  /** Build the image locally from a context directory (relative to the stack file). */
  build: z.strictObject({
    context: z.string().min(1),
    /** Dockerfile path inside the context; 'Dockerfile' by default. */
    dockerfile: z.string().min(1).optional(),
    args: z.record(z.string(), z.string()).optional(),
  }),
  labels: labels.optional(),
});

export type ImageOptions = z.input<typeof imageOptionsSchema>;
