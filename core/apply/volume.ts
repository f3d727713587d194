/** Volume operations, exactly as planned. */
import type { EngineClient } from '../engine/client.js';
import { isNotFound } from '../engine/errors.js';
import { specLabels } from '../model/labels.js';
import { engineName } from '../model/names.js';
import type { VolumeSpec } from '../model/spec.js';

export async function createVolume(client: EngineClient, stack: string, v: VolumeSpec): Promise<void> {
  await client.request('POST', '/volumes/create', {
    body: { Name: engineName(stack, v.name), Driver: v.driver, DriverOpts: v.driverOpts, Labels: { ...v.labels, ...specLabels(stack, v) } },
  });
}

export async function deleteVolume(client: EngineClient, name: string): Promise<void> {
  try {
    await client.request('DELETE', `/volumes/${encodeURIComponent(name)}`);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
