/**
 * The provider functions a stack calls. They only record the provider's name and options: the
 * options are validated with the rest of the stack (providers/schemas/, loaded only then), so a
 * stack whose validated form is cached runs without the validator loaded at all.
 */
import type { Input as BindInput } from './schemas/bind.js';
import type { Input as DeviceInput } from './schemas/device.js';
import type { Input as LocalInput } from './schemas/local.js';
import type { Input as NfsInput } from './schemas/nfs.js';
import type { Input as SshfsInput } from './schemas/sshfs.js';
import type { Input as TmpfsInput } from './schemas/tmpfs.js';
import { providerSpec } from './types.js';

/** `volume('data', { provider: local() })` — the same as leaving the provider out. */
export function local() {
  return providerSpec('local', {} as LocalInput);
}

/** `volume('cache', { provider: tmpfs({ size: '64m' }) })` — a volume in RAM. */
export function tmpfs(options: TmpfsInput = {}) {
  return providerSpec('tmpfs', options);
}

/** `volume('site', { provider: bind({ path: './site', create: true }) })` — a host directory. */
export function bind(options: BindInput) {
  return providerSpec('bind', options);
}

/** `volume('share', { provider: nfs({ server: '192.0.2.10', path: '/exports/share', options: ['hard'] }) })`. */
export function nfs(options: NfsInput) {
  return providerSpec('nfs', options);
}

/** `volume('remote', { provider: sshfs({ host, user, path, identityFile, hostKey }) })` — a remote directory over SSH. */
export function sshfs(options: SshfsInput) {
  return providerSpec('sshfs', options);
}

/** `volume('disk', { provider: device({ device: '/dev/sdb1', type: 'ext4', options: 'noatime' }) })` — a file system on a block device. */
export function device(options: DeviceInput) {
  return providerSpec('device', options);
}
