/**
 * moor's public API for stack files:
 *
 *   import { stack } from 'moor';
 *   export default stack('shop', ({ image, network, volume, container }) => { … });
 */
export { stack } from './stack/define.js';
export { secret } from './stack/secret.js';
export type { Secret } from './stack/secret.js';
export type { StackBuilder, StackDefinition } from './stack/define.js';
export type { BackupHandle, ContainerHandle, ImageHandle, NetworkHandle, ServiceHandle, VolumeHandle } from './stack/handles.js';
export type { BackupOptions } from './stack/schema/backup.js';
export type { ContainerOptions } from './stack/schema/container.js';
export type { ImageOptions } from './stack/schema/image.js';
export type { NetworkOptions } from './stack/schema/network.js';
export type { ServiceOptions } from './stack/schema/service.js';
export type { VolumeOptions, ProviderSpec } from './stack/schema/volume.js';
export { local, tmpfs, bind, nfs, sshfs, device } from '../providers/api.js';
