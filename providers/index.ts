/** Registry of storage providers. Adding a provider means adding it here, not touching the planner. */
import type { VolumeProvider } from './types.js';
import { localProvider } from './local.js';

const providers = new Map<string, VolumeProvider>([[localProvider.name, localProvider as unknown as VolumeProvider]]);

export function getProvider(name: string): VolumeProvider | undefined {
  return providers.get(name);
}

export function providerNames(): string[] {
  return [...providers.keys()];
}

export { local } from './local.js';
export type { VolumeProvider, ProviderContext, EngineVolume } from './types.js';
