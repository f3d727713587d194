import { z } from 'zod';
import { labels } from './common.js';
import { protect } from './lifecycle.js';

export const networkOptionsSchema = z
  .strictObject({
    /** Network driver; 'bridge' by default. */
    driver: z.string().min(1).optional(),
    /** No route to the outside world. */
    internal: z.boolean().optional(),
    /** Standalone containers may attach (swarm overlay networks). */
    attachable: z.boolean().optional(),
    /** IPv4 subnet in CIDR form, e.g. '10.77.0.0/24'. */
    subnet: z.cidrv4().optional(),
    gateway: z.ipv4().optional(),
    labels: labels.optional(),
    /** Lifecycle: refuse to delete or replace this network. */
    protect,
  })
  .refine((n) => n.gateway === undefined || n.subnet !== undefined, {
    message: 'a gateway needs a subnet',
    path: ['gateway'],
  });

export type NetworkOptions = z.input<typeof networkOptionsSchema>;
