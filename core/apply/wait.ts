/** Waiting for a container a dependent needs: running, or healthy when asked. */
import { MoorError } from '../errors.js';
import type { EngineClient } from '../engine/client.js';
import type { ContainerInspect } from '../engine/api-types.js';
import type { WaitFor } from '../plan/types.js';

export class WaitError extends MoorError {
  constructor(message: string) {
    super(message);
    this.name = 'WaitError';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitForContainer(client: EngineClient, w: WaitFor, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await client.request<ContainerInspect>('GET', `/containers/${encodeURIComponent(w.container)}/json`);
    const st = info.State;
    if (!st.Running && st.Status !== 'created' && st.Status !== 'restarting') {
      throw new WaitError(`container ${w.resource} is ${st.Status} (exit code ${st.ExitCode}), so what depends on it cannot start`);
    }
    if (w.condition === 'started' && st.Running) return;
    if (w.condition === 'healthy') {
      const health = st.Health?.Status;
      if (!health) throw new WaitError(`container ${w.resource} has no healthcheck, so it can never be "healthy"; declare one or wait for "started"`);
      if (health === 'healthy') return;
      if (health === 'unhealthy') {
        const last = st.Health?.Log?.at(-1);
        throw new WaitError(`container ${w.resource} is unhealthy${last ? ` (last check exited ${last.ExitCode}: ${last.Output.trim().slice(0, 200)})` : ''}`);
      }
    }
    if (Date.now() > deadline) {
      throw new WaitError(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for container ${w.resource} to be ${w.condition} (--wait-timeout)`);
    }
    await sleep(200);
  }
}
