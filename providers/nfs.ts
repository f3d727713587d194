/**
 * nfs: an export of an NFS server, mounted by the engine's local driver (`type=nfs`). The engine
 * only stores the options when it creates the volume; the kernel mounts the share when a container
 * starts, and fails there, often with a bare "invalid argument" or a hang. So moor checks at plan
 * time what it can: the options are NFS mount options the kernel knows, the server answers on its
 * port, and this host's kernel has an NFS client at all.
 */
import { readFile, stat } from 'node:fs/promises';
import { release } from 'node:os';
import type { HostContext, ProviderFinding, VolumeProvider } from './types.js';
import { probeTcp } from './probe.js';
import type { Options } from './schemas/nfs.js';

/** What the kernel gets as mount data: `addr=192.0.2.10,nfsvers=4,hard`. */
export function nfsMountOptions(o: Options): string {
  // A bracketed IPv6 address is written bare in addr=.
  return [`addr=${o.server.replace(/^\[(.*)\]$/, '$1')}`, `nfsvers=${o.version}`, ...(o.port !== 2049 ? [`port=${o.port}`] : []), ...o.options].join(',');
}

export const nfsProvider: VolumeProvider<Options> = {
  name: 'nfs',
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

export { nfs } from './api.js';
