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
    /**
     * A network made outside this stack (compose's `external: true`): the engine network named
     * exactly like it is joined, never created, changed or deleted; a missing one is a plan error.
     */
    external: z.boolean().optional(),
  })
  .superRefine((n, ctx) => {
    if (n.external) {
      for (const [key, value] of Object.entries(n)) {
        if (key === 'external' || value === undefined) continue;
        ctx.addIssue({ code: 'custom', path: [key], message: `not allowed with external: true (moor only joins an external network; it never creates or changes it)` });
      }
      return;
    }
    for (const issue of ipamIssues(n.subnet, n.gateway)) ctx.addIssue({ code: 'custom', message: issue.message, path: [issue.field] });
  });

export type NetworkOptions = z.input<typeof networkOptionsSchema>;
