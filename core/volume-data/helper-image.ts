/**
 * The helper image: an empty root filesystem imported from a tar of one directory, so no registry
 * is needed and nothing in it can run. Helper containers are created from it and never started;
 * they exist only so the engine's archive endpoints can read and write the volumes they mount.
 */
import tarStream from 'tar-stream';
import type { EngineClient } from '../engine/client.js';
import { isNotFound } from '../engine/errors.js';

export const HELPER_IMAGE_REPO = 'moor-helper';
export const HELPER_IMAGE_TAG = '1';
export const HELPER_IMAGE = `${HELPER_IMAGE_REPO}:${HELPER_IMAGE_TAG}`;
import { HELPER_LABEL } from '../model/labels.js';

export { HELPER_LABEL };

/** One check (and at most one import) per engine per process, shared by concurrent callers. */
const ensured = new Map<string, Promise<string>>();

/** The helper image's reference, imported into the engine first when it is missing. */
export function ensureHelperImage(client: EngineClient): Promise<string> {
  const key = client.endpoint.display;
  let pending = ensured.get(key);
  if (!pending) {
    pending = importIfMissing(client);
    ensured.set(key, pending);
    // A failed attempt is not remembered: the next caller tries again.
    const mine = pending;
    pending.catch(() => {
      if (ensured.get(key) === mine) ensured.delete(key);
    });
  }
  return pending;
}

/** Forget that the image was ensured (someone removed it from the engine since). */
export function forgetHelperImage(client: EngineClient): void {
  ensured.delete(client.endpoint.display);
}

async function importIfMissing(client: EngineClient): Promise<string> {
  try {
    await client.request('GET', `/images/${encodeURIComponent(HELPER_IMAGE)}/json`);
    return HELPER_IMAGE;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const rootfs = tarStream.pack();
  rootfs.entry({ name: './', type: 'directory', mode: 0o755, mtime: new Date(0) });
  rootfs.finalize();
  // `changes` repeats, which the client's query object cannot express: the query is built here.
  const query = new URLSearchParams([
    ['fromSrc', '-'],
    ['repo', HELPER_IMAGE_REPO],
    ['tag', HELPER_IMAGE_TAG],
    ['changes', 'CMD ["/moor-helper"]'],
    ['changes', `LABEL ${HELPER_LABEL}=1`],
  ]);
  await client.streamJson('POST', `/images/create?${query.toString()}`, {
    headers: { 'content-type': 'application/x-tar' },
    stream: rootfs,
  });
  return HELPER_IMAGE;
}
