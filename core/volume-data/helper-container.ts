/**
 * Helper containers: created from the helper image with volumes mounted, never started, always
 * removed. The engine serves a created container's archive endpoints from its mounts, so a helper
 * reads and writes volume data without running anything (and works with a remote engine).
 */
import { MoorError } from '../errors.js';
import { randomBytes } from 'node:crypto';
import type { EngineClient } from '../engine/client.js';
import { isNotFound } from '../engine/errors.js';
import { ensureHelperImage, forgetHelperImage, HELPER_LABEL } from './helper-image.js';

export interface HelperVolume {
  /** Volume name; the volume must exist (a helper never creates a volume by mounting it). */
  name: string;
  /** Absolute mount path inside the helper. */
  target: string;
  readOnly: boolean;
}

/** Options of the operations that run helpers. */
export interface HelperOptions {
  /** Extra labels on the helper containers (they always carry moor.helper=1). */
  labels?: Record<string, string>;
}

export interface Helper {
  id: string;
  name: string;
}

export class MissingVolumeError extends MoorError {
  constructor(readonly volume: string) {
    super(`volume ${volume} does not exist`);
    this.name = 'MissingVolumeError';
  }
}

/** Throw a MissingVolumeError when the volume does not exist. */
export async function assertVolumeExists(client: EngineClient, volume: string): Promise<void> {
  try {
    await client.request('GET', `/volumes/${encodeURIComponent(volume)}`);
  } catch (e) {
    if (isNotFound(e)) throw new MissingVolumeError(volume);
    throw e;
  }
}

/**
 * Create a helper mounting `volumes`, named `<first volume>.moor-helper-<6 hex>` and labelled
 * moor.helper=1 plus `labels`. The caller must remove it (see withHelper).
 */
export async function createHelper(client: EngineClient, volumes: HelperVolume[], labels: Record<string, string> = {}): Promise<Helper> {
  if (volumes.length === 0) throw new Error('a helper container needs at least one volume');
  await Promise.all(volumes.map((v) => assertVolumeExists(client, v.name)));
  const name = `${volumes[0]!.name}.moor-helper-${randomBytes(3).toString('hex')}`;
  const create = async () => {
    const image = await ensureHelperImage(client);
    return client.request<{ Id: string }>('POST', '/containers/create', {
      query: { name },
      body: {
        Image: image,
        Labels: { ...labels, [HELPER_LABEL]: '1' },
        NetworkDisabled: true,
        HostConfig: {
          NetworkMode: 'none',
          Mounts: volumes.map((v) => ({
            Type: 'volume',
            Source: v.name,
            Target: v.target,
            ReadOnly: v.readOnly,
            // The image is empty, but never let an image's files be copied into a volume.
            VolumeOptions: { NoCopy: true },
          })),
        },
      },
    });
  };
  let created: { Id: string };
  try {
    created = await create();
  } catch (e) {
    if (!isNotFound(e)) throw e;
    // The helper image was removed since this process ensured it: import it again, once.
    forgetHelperImage(client);
    created = await create();
  }
  return { id: created.Id, name };
}

/** Force-remove a helper container (its named volumes are kept); gone already is fine. */
export async function removeHelper(client: EngineClient, helper: Helper): Promise<void> {
  try {
    await client.request('DELETE', `/containers/${helper.id}`, { query: { force: true } });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Run `fn` with a helper mounting `volumes`; the helper is removed afterwards, whatever happened. */
export async function withHelper<T>(
  client: EngineClient,
  volumes: HelperVolume[],
  labels: Record<string, string>,
  fn: (helper: Helper) => Promise<T>,
): Promise<T> {
  const helper = await createHelper(client, volumes, labels);
  let result: T;
  try {
    result = await fn(helper);
  } catch (failure) {
    try {
      await removeHelper(client, helper);
    } catch (e) {
      // Keep the original error (and its class), and say what was left behind.
      if (failure instanceof Error) failure.message += `\n(removing helper container ${helper.name} failed too: ${(e as Error).message})`;
    }
    throw failure;
  }
  await removeHelper(client, helper);
  return result;
}
