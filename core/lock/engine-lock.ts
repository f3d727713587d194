/**
 * The apply lock when the engine is not on this host (ssh://, tcp://, a context): flock on this
 * host would not stop a colleague applying the same stack to the same server from another
 * machine, so the lock lives on the engine. It is a container that is created and never started,
 * named `<stack>.moor-lock`: the engine creates a name once (a second create is a 409 conflict), so
 * taking it is atomic there, and its labels say who holds it (pid, host, since, command).
 *
 * A holder that dies leaves the lock behind. On the holder's own host a dead pid is known, and the
 * next moor takes the lock over; from another host nobody can know, so moor waits (--lock-timeout)
 * and then names the holder and the one command that breaks the lock (`docker rm`), to run once
 * that holder is known to be gone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineClient } from '../engine/client.js';
import { EngineError, isNotFound } from '../engine/errors.js';
import { ensureHelperImage } from '../volume-data/helper-image.js';
import { pidAlive } from '../model/intent.js';
import { holderHere, LockTimeoutError, type AcquireOptions, type LockHolder, type StackLock } from './stack-lock.js';

export const LOCK_LABEL = 'moor.lock';

export function engineLockName(stack: string): string {
  return `${stack}.moor-lock`;
}

async function readHolder(client: EngineClient, name: string): Promise<LockHolder | undefined | null> {
  try {
    const c = await client.request<{ Config: { Labels: Record<string, string> | null } }>('GET', `/containers/${encodeURIComponent(name)}/json`);
    return JSON.parse(c.Config.Labels?.[LOCK_LABEL] ?? 'null') as LockHolder | null ?? undefined;
  } catch (e) {
    if (isNotFound(e)) return null; // released meanwhile
    return undefined;
  }
}

/** Who holds the stack's lock on the engine: null when nobody does, 'unknown' when it is held but its labels (or the engine) do not say. */
export async function engineLockHolder(client: EngineClient, stack: string): Promise<{ pid: number; host: string } | null | 'unknown'> {
  const h = await readHolder(client, engineLockName(stack));
  return h === null ? null : h ?? 'unknown';
}

export class EngineLockTimeoutError extends LockTimeoutError {
  constructor(stack: string, engine: string, holder: LockHolder | undefined, timeoutMs: number) {
    super(stack, engine, holder, timeoutMs);
    this.message += `\nIf that moor is gone (its machine crashed, it was killed), break the lock on the engine: docker rm ${engineLockName(stack)}`;
  }
}

export async function acquireEngineLock(client: EngineClient, opts: AcquireOptions): Promise<StackLock> {
  const name = engineLockName(opts.stack);
  const holder = holderHere(opts);
  const image = await ensureHelperImage(client);
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 100;
  let told = false;
  for (;;) {
    try {
      const created = await client.request<{ Id: string }>('POST', '/containers/create', {
        query: { name },
        body: { Image: image, Cmd: ['moor-lock'], Labels: { 'moor.stack': opts.stack, 'moor.kind': 'lock', 'moor.helper': '0', [LOCK_LABEL]: JSON.stringify(holder) }, HostConfig: { NetworkMode: 'none' }, NetworkDisabled: true },
      });
      let released = false;
      return {
        path: `engine:${name}`,
        holder,
        async release() {
          if (released) return;
          released = true;
          await client.request('DELETE', `/containers/${created.Id}`, { query: { force: true }, okStatuses: [404] });
        },
      };
    } catch (e) {
      if (!(e instanceof EngineError && e.status === 409)) throw e;
    }
    const current = await readHolder(client, name);
    if (current === null) continue; // released between our create and our read: try again at once
    if (current && current.host === holder.host && current.pid !== process.pid && !pidAlive(current.pid)) {
      // Its holder died on this very host: nobody holds it any more.
      await client.request('DELETE', `/containers/${encodeURIComponent(name)}`, { query: { force: true }, okStatuses: [404] });
      continue;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new EngineLockTimeoutError(opts.stack, opts.engine, current, opts.timeoutMs);
    if (!told) {
      told = true;
      opts.onWait?.(current);
    }
    await sleep(Math.min(delay, left));
    delay = Math.min(Math.round(delay * 1.5), 1000);
  }
}
