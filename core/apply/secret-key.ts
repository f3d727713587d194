/** The stack's secret-hash key, stored on the engine (see model/secret.ts). */
import type { EngineClient } from '../engine/client.js';
import { keyVolumeLabels, keyVolumeName } from '../model/secret.js';

export async function storeSecretKey(client: EngineClient, stack: string, key: Buffer): Promise<void> {
  // Creating an existing volume returns it unchanged: a key stored meanwhile is kept (and the plan
  // that hashed with another key is refused as stale by the next run).
  await client.request('POST', '/volumes/create', { body: { Name: keyVolumeName(stack), Driver: 'local', Labels: keyVolumeLabels(stack, key) } });
}
