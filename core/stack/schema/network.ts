import { z } from 'zod';
import { labels } from './common.js';
import { protect } from './lifecycle.js';
import { ipamIssues } from '../validate/network.js';

export const networkOptionsSchema = z
  .strictObject({
    /** Network driver; 'bridge' by default. */
    driver: z.string().min(1).optional(),
    /** No route to the outside world. */
    internal: z.boolean().optional(),
    /** Standalone containers may attach (swarm overlay networks). */
    attachable: z.boolean().optional(),
    /** IPv4 or IPv6 subnet in CIDR form, e.g. '10.77.0.0/24' or 'fd00:77::/64' (IPv6 is then enabled). */
    subnet: z.string().optional(),
    /** An address inside the subnet. */
    gateway: z.string().optional(),
    labels: labels.optional(),
    /** Lifecycle: refuse to delete or replace this network. */
    protect,
  })
  .superRefine((n, ctx) => {
    for (const issue of ipamIssues(n.subnet, n.gateway)) ctx.addIssue({ code: 'custom', message: issue.message, path: [issue.field] });
  });

export type NetworkOptions = z.input<typeof networkOptionsSchema>;
