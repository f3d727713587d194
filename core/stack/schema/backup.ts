import { z } from 'zod';
import { containerHandle, imageHandle, volumeHandle } from './common.js';

const count = z.number().int().min(0).max(10_000);

/** A command run in a running container of the stack before or after the archive (a database dump). */
const hook = z.strictObject({
  exec: containerHandle,
  command: z.array(z.string()).min(1, { message: 'expected the command as a list, e.g. ["sh", "-c", "pg_dump … > /data/dump.sql"]' }),
  /** How long the command may run: seconds. */
  timeout: z.number().positive().max(24 * 3600).optional(),
});

export const backupOptionsSchema = z.strictObject({
  /** The volumes archived together, each under its own name inside the archive. */
  volumes: z.array(volumeHandle).min(1, { message: 'a backup job needs at least one volume' }),
  /** Where archives go: a volume of the stack (any provider: sshfs or NFS put them off the host), or a directory of the engine's host. */
  target: z.union([volumeHandle, z.strictObject({ hostPath: z.string().min(1) })]),
  /** Cron: "minute hour day-of-month month day-of-week" (a sixth, leading field for seconds). */
  schedule: z.string().min(1),
  /** The time zone the schedule and the daily/weekly/monthly buckets are read in (IANA name). */
  timezone: z.string().min(1).default('UTC'),
  /** Retention: the newest `last` archives plus the newest of each of the last `daily` days, `weekly` weeks, `monthly` months. */
  keep: z
    .strictObject({ last: count.optional(), daily: count.optional(), weekly: count.optional(), monthly: count.optional() })
    .default({ last: 7 }),
  /** Containers stopped while the archive is made (consistent files), restarted after, even when it fails. */
  stop: z.array(containerHandle).default([]),
  hooks: z.strictObject({ before: z.array(hook).default([]), after: z.array(hook).default([]) }).default({ before: [], after: [] }),
  compression: z.enum(['gzip', 'zstd', 'none']).default('gzip'),
  /** The worker image that archives, lists and restores: it needs sh, tar, gzip, mkdir, mv, rm, head, stat (busybox has them). */
  image: z.union([imageHandle, z.string().min(1)]),
});

export type BackupOptions = z.input<typeof backupOptionsSchema>;
export type BackupOptionsParsed = z.output<typeof backupOptionsSchema>;
