/**
 * Images a plan will pull: can they be? The engine asks the registry for the image's manifest
 * (`GET /distribution/{name}/json`, a read: nothing is pulled), with the credentials a pull would
 * send. An image that is not there, or that the registry refuses, is then a plan diagnostic —
 * found before anything changes, not half-way through an apply. Only images missing from the
 * engine are asked about: a no-op plan makes no such request.
 */
import type { EngineClient } from '../engine/client.js';
import { EngineError } from '../engine/errors.js';

/** Why each of these references cannot be pulled (the whole explanation); one the registry answered for is left out. */
export async function checkPullable(client: EngineClient, refs: string[]): Promise<Record<string, string>> {
  return (await askRegistry(client, refs)).unpullable;
}

/**
 * The registry's answer for each reference: the digest it serves now (pullPolicy 'always' pulls
 * only when the engine's image is another one), or why it cannot be pulled.
 */
export async function askRegistry(client: EngineClient, refs: string[], present: ReadonlySet<string> = new Set()): Promise<{ digests: Record<string, string>; unpullable: Record<string, string> }> {
  const out = { digests: {} as Record<string, string>, unpullable: {} as Record<string, string> };
  if (!refs.length) return out;
  const { explainPullFailure, pullAuth, redact } = await import('../apply/registry-auth.js');
  await Promise.all(refs.map(async (ref) => {
    const auth = await pullAuth(ref);
    try {
      const answer = await client.request<{ Descriptor?: { digest?: string } }>('GET', `/distribution/${ref}/json`, { headers: auth.header ? { 'X-Registry-Auth': auth.header } : {} });
      if (answer?.Descriptor?.digest) out.digests[ref] = answer.Descriptor.digest;
    } catch (e) {
      // Only the registry's (or the engine's) own answer counts; a connection problem is not a verdict.
      if (!(e instanceof EngineError)) return;
      const reason = redact(e.engineMessage, auth.secrets);
      // An image the engine has: the question was only whether the registry serves another one.
      out.unpullable[ref] = present.has(ref) ? `cannot ask the registry which image ${ref} is now (the engine has one): ${reason}` : explainPullFailure(ref, reason, auth);
    }
  }));
  return out;
}
