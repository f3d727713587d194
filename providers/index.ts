/** Registry of storage providers. Adding a provider means adding it here, not touching the planner. */
import type { VolumeProvider } from './types.js';
import { localProvider } from './local.js';
import { tmpfsProvider } from './tmpfs.js';
import { bindProvider } from './bind.js';
import { nfsProvider } from './nfs.js';
import { sshfsProvider } from './sshfs.js';
import { deviceProvider } from './device.js';

const all = [localProvider, tmpfsProvider, bindProvider, nfsProvider, sshfsProvider, deviceProvider] as unknown as VolumeProvider[];
const providers = new Map<string, VolumeProvider>(all.map((p) => [p.name, p]));

export function getProvider(name: string): VolumeProvider | undefined {
  return providers.get(name);
}

export function providerNames(): string[] {
  return [...providers.keys()];
}

export { local, tmpfs, bind, nfs, sshfs, device } from './api.js';
export type { VolumeProvider, ProviderContext, HostContext, EngineVolume, DataHome, ProviderFinding, ProviderHealth } from './types.js';
