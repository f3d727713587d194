/**
 * Volume operations, exactly as planned. A provider with host-side work (a mount, a directory)
 * prepares it before the engine volume exists and releases it after the engine volume is gone.
 */
import { getProvider, type HostContext } from '../../providers/index.js';
import type { EngineClient } from '../engine/client.js';
import { isNotFound } from '../engine/errors.js';
import { removeLeftoverHelpers } from './leftover-helpers.js';
import { specLabels } from '../model/labels.js';
import { engineName } from '../model/names.js';
import type { VolumeSpec } from '../model/spec.js';

function providerCall(stack: string, v: VolumeSpec) {
  const provider = getProvider(v.provider.name);
  const ctx = { stack, volume: v.name, engineName: engineName(stack, v.name), stackFile: '' };
  return { provider, ctx, options: v.provider.options as never };
}

/** The provider's host-side preparation (mkdir, mount); nothing for providers without any. */
export async function prepareVolume(stack: string, v: VolumeSpec, host: HostContext): Promise<void> {
  const { provider, ctx, options } = providerCall(stack, v);
  await provider?.prepare?.(options, ctx, host);
}

export async function createVolume(client: EngineClient, stack: string, v: VolumeSpec, host?: HostContext): Promise<void> {
  if (host) await prepareVolume(stack, v, host);
  await client.request('POST', '/volumes/create', {
    body: { Name: engineName(stack, v.name), Driver: v.driver, DriverOpts: v.driverOpts, Labels: { ...v.labels, ...specLabels(stack, v) } },
  });
}

/** Delete the engine volume, then release what its provider holds on the host (unmount). */
export async function deleteVolume(client: EngineClient, name: string, release?: { stack: string; old: VolumeSpec; host: HostContext }): Promise<void> {
  await removeLeftoverHelpers(client, { volumes: [name] });
  try {
    await client.request('DELETE', `/volumes/${encodeURIComponent(name)}`);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  if (release) {
    const { provider, ctx, options } = providerCall(release.stack, release.old);
    await provider?.release?.(options, ctx, release.host);
  }
}

/**
 * Repair a volume whose host side drifted (a mount vanished or died). Its running users are all
 * stopped first: the engine keeps a volume's mount while any container uses it, so restarting them
 * one by one would hand each the old, dead mount again (and a restart fails outright on a dead
 * FUSE mount with a second user). Then the provider prepares it again, then the users start.
 */
export async function repairVolume(client: EngineClient, stack: string, v: VolumeSpec, restart: string[], host: HostContext): Promise<void> {
  for (const name of restart) await client.request('POST', `/containers/${encodeURIComponent(name)}/stop`, { okStatuses: [304] });
  try {
    await prepareVolume(stack, v, host);
  } finally {
    // Started again even when the repair failed: they were running (on a broken volume) before.
    const failed: string[] = [];
    for (const name of restart) {
      await client.request('POST', `/containers/${encodeURIComponent(name)}/start`, { okStatuses: [304] }).catch((e: Error) => failed.push(`${name}: ${e.message}`));
    }
    if (failed.length) throw new Error(`could not start again: ${failed.join('; ')}`);
  }
}
