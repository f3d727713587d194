/**
 * device: a file system on a block device of the engine's host (a disk partition, an LVM volume,
 * a loop device), mounted by the engine's local driver (`type=ext4, device=/dev/sdb1, o=noatime`)
 * when a container using the volume starts — compose's `driver_opts: { type, device, o }`, typed.
 *
 * The data is the device's: removing the engine volume (a destroy, or a replacement because the
 * options changed) unmounts nothing for good and formats nothing, the next volume mounts the same
 * file system with its files. So an options change is a plain replacement of the engine volume,
 * never a data copy. moor never creates the file system (no mkfs): the device must hold one.
 *
 * Plan-time checks (on the engine's host only): the device exists and is a block device, and the
 * kernel knows the file system type (/proc/filesystems, or a module it could load).
 */
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import type { HostContext, ProviderFinding, VolumeProvider } from './types.js';
import type { Options } from './schemas/device.js';

/** File system types that never live on a block device (and have their own provider or none). */
const NOT_ON_A_DEVICE: Record<string, string> = { tmpfs: 'use tmpfs()', nfs: 'use nfs()', nfs4: 'use nfs()', none: 'use bind() for a host directory' };

/** The kernel's file system types: `ext4` → true (block device), `tmpfs` → false (nodev). */
export function parseFilesystems(text: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const line of text.split('\n')) {
    const [flag, name] = line.includes('\t') ? line.split('\t') : ['', line.trim()];
    if (name?.trim()) out.set(name.trim(), flag !== 'nodev');
  }
  return out;
}

/** Whether the running kernel has a loadable module for a file system type (loaded on first mount). */
async function hasModule(type: string): Promise<boolean> {
  const dir = `/lib/modules/${os.release()}/kernel/fs/${type}`;
  return stat(dir).then((s) => s.isDirectory(), () => false);
}

async function deviceKind(p: string): Promise<'block' | 'other' | 'missing'> {
  try {
    return (await stat(p)).isBlockDevice() ? 'block' : 'other';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
}

export const deviceProvider: VolumeProvider<Options> = {
  name: 'device',
  data: 'external',
  toEngine: (o) => ({ driver: 'local', driverOpts: { type: o.type, device: o.device, ...(o.options ? { o: o.options } : {}) } }),
  describe: (o) => `${o.type} on block device ${o.device}${o.options ? ` (${o.options})` : ''}`,
  async check(o, _ctx, host: HostContext): Promise<ProviderFinding[]> {
    const other = NOT_ON_A_DEVICE[o.type];
    if (other) return [{ severity: 'error', field: 'type', summary: `"${o.type}" is not a file system on a block device: ${other}` }];
    if (!host.localEngine) {
      return [{ severity: 'warning', field: 'device', summary: `the engine is at ${host.engine}: moor cannot check that ${o.device} is a block device holding ${o.type} on its host` }];
    }
    const kind = await deviceKind(o.device);
    if (kind === 'missing') return [{ severity: 'error', field: 'device', summary: `${o.device} does not exist on this host` }];
    if (kind === 'other') {
      return [{ severity: 'error', field: 'device', summary: `${o.device} is not a block device`, detail: 'A disk image file can be attached as one with `losetup -f --show FILE`.' }];
    }
    if (host.skipChecks) return [];
    const known = parseFilesystems(await readFile('/proc/filesystems', 'utf8').catch(() => ''));
    if (known.get(o.type) === false) {
      return [{ severity: 'error', field: 'type', summary: `"${o.type}" is not a file system that lives on a block device (the kernel lists it as nodev)` }];
    }
    if (!known.has(o.type) && !(await hasModule(o.type))) {
      return [{
        severity: 'error', field: 'type', summary: `this host's kernel does not know the file system type "${o.type}"`,
        detail: `It is not in /proc/filesystems and the kernel has no module for it. Known: ${[...known].filter(([, dev]) => dev).map(([n]) => n).join(', ') || '(none)'}.`,
      }];
    }
    return [];
  },
  explainMountError: (o, msg) => {
    if (/no such device/i.test(msg)) return `this host's kernel cannot mount "${o.type}" file systems`;
    if (/no such file or directory/i.test(msg)) return `the block device ${o.device} does not exist`;
    if (/wrong fs type|bad superblock|invalid argument/i.test(msg)) return `${o.device} does not hold a ${o.type} file system, or the mount options "${o.options ?? ''}" are wrong`;
    return undefined;
  },
  notes: () => ['its data lives on the device: removing the volume leaves the file system and its files there'],
};

export type DeviceOptions = Options;
