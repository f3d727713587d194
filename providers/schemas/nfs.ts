/** Options of the nfs() storage provider, validated when a stack is checked (zod is loaded only then). */
import { z } from 'zod';
/** Flags and key=value options of nfs(5) moor passes through; everything else is refused at plan time. */
const FLAGS = new Set([
  'rw', 'ro', 'soft', 'hard', 'softerr', 'intr', 'nointr', 'ac', 'noac', 'cto', 'nocto', 'sync', 'async', 'atime', 'noatime',
  'diratime', 'nodiratime', 'relatime', 'lock', 'nolock', 'acl', 'noacl', 'rdirplus', 'nordirplus', 'sharecache', 'nosharecache',
  'resvport', 'noresvport', 'fsc', 'nofsc', 'tcp', 'udp', 'suid', 'nosuid', 'dev', 'nodev', 'exec', 'noexec',
]);
const KEYS = new Set([
  'timeo', 'retrans', 'rsize', 'wsize', 'acregmin', 'acregmax', 'acdirmin', 'acdirmax', 'actimeo', 'retry', 'sec', 'proto',
  'port', 'mountport', 'mountproto', 'mountvers', 'namlen', 'lookupcache', 'local_lock', 'clientaddr', 'nconnect', 'max_connect',
]);
/** Set by moor from the typed options: giving them again would contradict them. */
const OWNED = new Set(['addr', 'vers', 'nfsvers', 'minorversion']);

const option = z.string().superRefine((s, ctx) => {
  const [key, value] = s.includes('=') ? [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] : [s, undefined];
  if (OWNED.has(key)) ctx.addIssue({ code: 'custom', message: `"${key}" comes from the provider's ${key === 'addr' ? 'server' : 'version'} option; do not set it in options` });
  else if (value === undefined ? !FLAGS.has(key) : !KEYS.has(key)) ctx.addIssue({ code: 'custom', message: `"${s}" is not an NFS mount option moor knows (see nfs(5)); e.g. "hard", "ro", "timeo=600"` });
  else if (value !== undefined && !/^[A-Za-z0-9._:-]+$/.test(value)) ctx.addIssue({ code: 'custom', message: `"${s}": the value must not contain commas or spaces` });
});

export const schema = z.strictObject({
  /** The server's address or host name. */
  server: z.string().min(1).regex(/^[A-Za-z0-9.:[\]-]+$/, { message: 'expected a host name or an IP address' }),
  /** The export's path on the server. */
  path: z.string().regex(/^\//, { message: 'expected an absolute export path, e.g. "/exports/share"' }),
  /** NFS protocol version. */
  version: z.union([z.literal(3), z.literal(4), z.literal(4.1), z.literal(4.2)]).default(4),
  /** The server's NFS port, for the plan-time check and the mount (`port=`). */
  port: z.number().int().min(1).max(65535).default(2049),
  /** NFS mount options (nfs(5)): 'hard', 'ro', 'timeo=600', 'nolock'… */
  options: z.array(option).default([]),
});

export type Options = z.output<typeof schema>;
export type Input = z.input<typeof schema>;
