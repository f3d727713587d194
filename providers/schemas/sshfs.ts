/** Options of the sshfs() storage provider, validated when a stack is checked (zod is loaded only then). */
import { z } from 'zod';
import { parseHostKey } from '../ssh-host-key.js';
export const schema = z.strictObject({
  host: z.string().min(1).regex(/^[A-Za-z0-9.:[\]-]+$/, { message: 'expected a host name or an IP address' }),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().regex(/^[a-z_][a-z0-9_.-]*$/i, { message: 'expected a user name' }),
  /** The remote directory. */
  path: z.string().regex(/^\//, { message: 'expected an absolute remote path, e.g. "/srv/data"' }),
  /** Private key moor's ssh logs in with: absolute, or relative to the stack file. */
  identityFile: z.string().min(1),
  /** The server's public host key, pinned: "ssh-ed25519 AAAA…" (/etc/ssh/ssh_host_ed25519_key.pub on the server). */
  hostKey: z.string().superRefine((s, ctx) => {
    const k = parseHostKey(s);
    if (typeof k === 'string') ctx.addIssue({ code: 'custom', message: k });
  }),
  /** Reconnect after the connection dropped (sshfs -o reconnect). */
  reconnect: z.boolean().default(true),
  /** Seconds between keep-alive probes; after 3 unanswered ones the connection counts as dropped. 0: off. */
  keepAlive: z.number().int().min(0).max(3600).default(15),
  /** Mount read-only. */
  readOnly: z.boolean().default(false),
});

export type Options = z.output<typeof schema>;
export type Input = z.input<typeof schema>;
