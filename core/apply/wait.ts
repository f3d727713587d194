/** Waiting for a container: running, healthy, or completed (a runOnce container that exited 0). */
import { MoorError } from '../errors.js';
import type { EngineClient } from '../engine/client.js';
import type { ContainerInspect } from '../engine/api-types.js';
import { runDueHealthcheck } from '../engine/podman.js';
import { containerLogTail, showLogTail } from '../engine/logs.js';
import type { WaitFor } from '../plan/types.js';
import { stopIfInterrupted } from '../interrupt.js';

export class WaitError extends MoorError {
  constructor(message: string) {
    super(message);
    this.name = 'WaitError';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The error for a container that will not get where it should, with what it last said. */
async function failure(client: EngineClient, w: WaitFor, what: string): Promise<WaitError> {
  return new WaitError(`${what}${showLogTail(w.resource, await containerLogTail(client, w.container))}`);
}

/** What its last healthcheck said: "exited 1: <output>", or just the code when it printed nothing. */
function lastCheck(st: ContainerInspect['State']): string {
  const last = st.Health?.Log?.at(-1);
  if (!last) return '';
  const output = last.Output.trim().replace(/\s+/g, ' ').slice(0, 300);
  return ` (last check exited ${last.ExitCode}${output ? `: ${output}` : ', printing nothing'})`;
}

export async function waitForContainer(client: EngineClient, w: WaitFor, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await client.request<ContainerInspect>('GET', `/containers/${encodeURIComponent(w.container)}/json`);
    const st = info.State;
    if (w.condition === 'completed' && st.Status === 'exited') {
      if (st.ExitCode === 0) return;
      throw await failure(client, w, `container ${w.resource} exited with code ${st.ExitCode}: its job failed`);
    }
    if (!st.Running && st.Status !== 'created' && st.Status !== 'restarting') {
      throw await failure(client, w, `container ${w.resource} is ${st.Status} (exit code ${st.ExitCode}), so what depends on it cannot start`);
    }
    if (w.condition === 'started' && st.Running) return;
    if (w.condition === 'healthy') {
      const health = st.Health?.Status;
      if (!health) throw new WaitError(`container ${w.resource} has no healthcheck, so it can never be "healthy"; declare one or wait for "started"`);
      if (health === 'healthy') return;
      if (health === 'unhealthy') throw await failure(client, w, `container ${w.resource} is unhealthy${lastCheck(st)}`);
    }
    if (w.condition === 'healthy') await runDueHealthcheck(client, info.Id, info);
    stopIfInterrupted(`waiting for container ${w.resource} to be ${w.condition}`);
    if (Date.now() > deadline) {
      throw await failure(client, w, `timed out after ${Math.round(timeoutMs / 1000)}s waiting for container ${w.resource} to be ${w.condition} (--wait-timeout)`);
    }
    await sleep(200);
  }
}
