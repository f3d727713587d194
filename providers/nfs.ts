/**
 * nfs: an export of an NFS server, mounted by the engine's local driver (`type=nfs`). The engine
 * only stores the options when it creates the volume; the kernel mounts the share when a container
 * starts, and fails there, often with a bare "invalid argument" or a hang. So moor checks at plan
 * time what it can: the options are NFS mount options the kernel knows, the server answers on its
 * port, and this host's kernel has an NFS client at all.
 */
import { readFile, stat } from 'node:fs/promises';
import { release } from 'node:os';
import { z } from 'zod';
import { providerSpec, type HostContext, type ProviderFinding, type VolumeProvider } from './types.js';
import { probeTcp } from './probe.js';

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

const schema = z.strictObject({
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

type Options = z.output<typeof schema>;

/** What the kernel gets as mount data: `addr=192.0.2.10,nfsvers=4,hard`. */
export function nfsMountOptions(o: Options): string {
  // A bracketed IPv6 address is written bare in addr=.
  return [`addr=${o.server.replace(/^\[(.*)\]$/, '$1')}`, `nfsvers=${o.version}`, ...(o.port !== 2049 ? [`port=${o.port}`] : []), ...o.options].join(',');
}

export const nfsProvider: VolumeProvider<typeof schema> = {
  name: 'nfs',
  schema,
  data: 'external',
  toEngine: (o) => ({
    driver: 'local',
    driverOpts: {
      type: 'nfs',
      o: nfsMountOptions(o),
      device: `:${o.path}`,
    },
  }),
  describe: (o) => `NFS v${o.version} ${o.server}:${o.path}${o.port !== 2049 ? ` port ${o.port}` : ''}${o.options.length ? `, options ${o.options.join(',')}` : ''}`,
  async check(o, _ctx, host: HostContext): Promise<ProviderFinding[]> {
    if (host.skipChecks) return [];
    const findings: ProviderFinding[] = [];
    if (host.localEngine) {
      const missing = await hostLacksNfs();
      if (missing) {
        findings.push({
          severity: 'error',
          summary: `this host cannot mount NFS: ${missing}`,
          detail: 'The engine would create the volume, and every container using it would fail to start. Mount NFS from a host whose kernel has an NFS client (Debian: the stock kernel has it; containers and some VMs do not).',
        });
      }
    }
    const answer = await probeTcp(o.server.replace(/^\[(.*)\]$/, '$1'), o.port, 3000);
    if (answer !== 'open') {
      findings.push({
        severity: 'error', field: 'server',
        summary: `NFS server ${o.server} does not answer on port ${o.port}: ${answer}`,
        detail: 'Check the address and the firewall. `moor plan --skip-checks` plans without this check (for machines that cannot reach the server).',
      });
    }
    return findings;
  },
  explainMountError: (o, msg) => explainNfs(o, msg),
};

/** Why this host cannot mount NFS, in plain words; undefined when it can (or might: a module loads on demand). */
export async function hostLacksNfs(procFilesystems = '/proc/filesystems', modulesDir = `/lib/modules/${release()}`): Promise<string | undefined> {
  const fs = await readFile(procFilesystems, 'utf8').catch(() => '');
  if (/\bnfs4?\b/.test(fs)) return undefined;
  const module = await stat(`${modulesDir}/kernel/fs/nfs`).then(() => true, () => false);
  if (module) return undefined;
  return `its kernel (${release()}) has no NFS client (no nfs in ${procFilesystems}, no nfs module under ${modulesDir})`;
}

export function explainNfs(o: Options, msg: string): string | undefined {
  const share = `${o.server}:${o.path}`;
  if (/no such device/i.test(msg)) return `the engine's host cannot mount NFS: its kernel has no NFS client (the kernel said "no such device")`;
  if (/connection refused/i.test(msg)) return `the NFS server ${o.server} refused the connection on port ${o.port}`;
  if (/timed? ?out/i.test(msg)) return `the NFS server ${o.server} did not answer in time`;
  if (/permission denied|access denied/i.test(msg)) return `the server refused to export ${share} to the engine's host`;
  if (/no such file or directory/i.test(msg)) return `the server has no export ${o.path}`;
  if (/invalid argument/i.test(msg)) return `the kernel rejected the NFS mount options (${nfsMountOptions(o)}) for ${share}`;
  return undefined;
}

/** `volume('share', { provider: nfs({ server: '192.0.2.10', path: '/exports/share', options: ['hard'] }) })`. */
export function nfs(options: z.input<typeof schema>) {
  return providerSpec('nfs', options);
}
