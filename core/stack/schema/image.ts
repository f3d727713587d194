import { z } from 'zod';
import { labels } from './common.js';
import { isSecret, type Secret } from '../secret.js';

/** A loose image reference check: [registry/]repo[:tag][@digest], lower-case repository. */
export const IMAGE_REF = /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export const imageOptionsSchema = z.strictObject({
  /** Build the image locally from a context directory (relative to the stack file). */
  build: z.strictObject({
    context: z.string().min(1),
    /** Dockerfile path inside the context; 'Dockerfile' by default. */
    dockerfile: z.string().min(1).optional(),
    args: z.record(z.string(), z.string()).optional(),
    /** The stage of a multi-stage Dockerfile to build (compose's build.target). */
    target: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, { message: 'expected a build stage name' }).optional(),
    /** The platform to build for, e.g. 'linux/amd64' (compose's build.platforms, one of them). */
    platform: z.string().regex(/^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/, { message: 'expected a platform like "linux/amd64" or "linux/arm64/v8"' }).optional(),
    /**
     * Build secrets (compose's build.secrets), by id: mounted only into the build steps that ask
     * for them (`RUN --mount=type=secret,id=npm`), never in the image, its history or the plan.
     * A build with secrets runs on the engine's BuildKit, through a session moor serves.
     */
    secrets: z.record(
      z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, { message: 'expected a secret id like "npm" or "pip.conf"' }),
      z.custom<Secret>((v) => isSecret(v), { message: "expected secret('NAME') or secret({ file })" }),
    ).optional(),
  }),
  labels: labels.optional(),
});

export type ImageOptions = z.input<typeof imageOptionsSchema>;
