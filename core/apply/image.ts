/** Image operations: build from a local context through the engine's build endpoint, or pull. */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { EngineClient } from '../engine/client.js';
import { openBuildSession } from '../engine/build-session.js';
import { removeLeftoverHelpers } from './leftover-helpers.js';
import { EngineError, isNotFound } from '../engine/errors.js';
import type { ImageSpec } from '../model/spec.js';
import { imageLabels } from '../plan/image.js';
import { contextEntries } from '../stack/context-files.js';
import { ApplyError, isRetryable, isTransientMessage } from './failure.js';
import { explainPullFailure, pullAuth, redact } from './registry-auth.js';

/**
 * Build an image. One with build secrets is built by the engine's BuildKit (`version=2`), which
 * asks a session moor serves for each secret a step mounts: `secrets` holds the values by reference.
 */
export async function buildImage(client: EngineClient, stack: string, img: ImageSpec, secrets: ReadonlyMap<string, string> = new Map()): Promise<void> {
  const build = img.build!;
  const wanted = Object.entries(build.secrets ?? {});
  const session = wanted.length
    ? await openBuildSession(client, new Map(wanted.map(([id, ref]) => {
      const value = secrets.get(ref);
      // The reference is safe to name; the value never is.
      if (value === undefined) throw new Error(`secret ${ref} for build.secrets.${id} of image ${img.name} was not read`);
      return [id, value];
    })))
    : undefined;
  try {
    await sendBuild(client, stack, img, session?.id);
  } finally {
    session?.close();
  }
}

async function sendBuild(client: EngineClient, stack: string, img: ImageSpec, session: string | undefined): Promise<void> {
  const build = img.build!;
  const { default: tar } = await import('tar-fs'); // only builds need it: kept off the plan's path
  // A context that is a symlink is packed as the directory it points to (as `docker build` does);
  // packed as is, the upload would hold one symlink entry and no Dockerfile.
  const root = await realpath(build.context);
  // Only what the context hash covered: `.dockerignore` exclusions stay home (context-files.ts).
  const sent = new Set((await contextEntries(root, build.dockerfile)).map((e) => path.join(root, e.path)));
  await client.streamJson('POST', '/build', {
    query: {
      t: img.ref,
      dockerfile: build.dockerfile,
      buildargs: JSON.stringify(build.args),
      ...(build.target ? { target: build.target } : {}),
      ...(build.platform ? { platform: build.platform } : {}),
      labels: JSON.stringify(imageLabels(stack, img)),
      rm: 1,
      forcerm: 1,
      ...(session ? { version: '2', session } : {}),
    },
    headers: { 'content-type': 'application/x-tar' },
    stream: tar.pack(root, { ignore: (file) => !sent.has(file) }),
  });
}

/**
 * The pull endpoint's query for a reference: the repository, and the tag or the digest (which the
 * engine takes in `tag` too). A digest wins over a tag, as the engine resolves `name:tag@digest`.
 */
export function pullQuery(ref: string): { fromImage: string; tag: string } {
  const at = ref.indexOf('@');
  const named = at >= 0 ? ref.slice(0, at) : ref;
  const colon = named.lastIndexOf(':');
  const repository = colon > named.lastIndexOf('/') ? named.slice(0, colon) : named;
  if (at >= 0) return { fromImage: repository, tag: ref.slice(at + 1) };
  return { fromImage: repository, tag: colon > named.lastIndexOf('/') ? named.slice(colon + 1) : 'latest' };
}

export async function pullImage(client: EngineClient, img: ImageSpec, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { fromImage, tag } = pullQuery(img.ref);
  const auth = await pullAuth(img.ref, env);
  try {
    await client.streamJson('POST', '/images/create', {
      query: { fromImage, tag },
      ...(auth.header ? { headers: { 'X-Registry-Auth': auth.header } } : {}),
    });
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    const retryable = isRetryable(e) || isTransientMessage(e.engineMessage);
    // The engine's words could quote what it was sent: never let a credential through.
    const reason = redact(e.engineMessage, auth.secrets);
    throw new ApplyError(explainPullFailure(img.ref, reason, auth, retryable), retryable, { cause: new EngineError(e.status, reason, e.request) });
  }
}

/**
 * Remove moor's tag (`ref`); the image goes with it unless someone else tagged it too. Deleting by
 * id would fail with 409 ("image is referenced in multiple repositories") in that case.
 */
export async function deleteImage(client: EngineClient, id: string, ref: string): Promise<void> {
  await removeLeftoverHelpers(client, { image: id });
  try {
    await client.request('DELETE', `/images/${encodeURIComponent(ref)}`);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

