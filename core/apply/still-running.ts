/**
 * After the steps of an apply, every container it started must still be running: a container
 * whose process exits right after it started (a bad argument, a missing file, a crash on boot)
 * would otherwise be reported as created while the service is down — a plan that lied. One list
 * request for all of them when the apply ends (no added wait); a container that exits later than
 * that is drift the next plan shows. runOnce containers are judged by their own step (exit 0).
 */
import type { EngineClient } from '../engine/client.js';
import type { ContainerSummary } from '../engine/api-types.js';
import { containerLogTail, showLogTail } from '../engine/logs.js';
import { ApplyError } from './failure.js';

export interface StartedContainer {
  id: string;
  /** Resource name (`web`). */
  resource: string;
  /** Engine name, for messages. */
  name: string;
}

/** The containers that are not running any more, with the error their step fails with. */
export async function notRunning(client: EngineClient, started: StartedContainer[]): Promise<{ resource: string; error: ApplyError }[]> {
  if (!started.length) return [];
  const list = await client.request<ContainerSummary[]>('GET', '/containers/json', { query: { all: 1, filters: JSON.stringify({ id: started.map((s) => s.id) }) } });
  const state = new Map(list.map((c) => [c.Id, c]));
  const down = started.filter((s) => {
    const c = state.get(s.id);
    // Gone (removed by someone meanwhile) is drift for the next plan, not this apply's failure.
    return c !== undefined && c.State !== 'running';
  });
  return Promise.all(
    down.map(async (s) => {
      const c = state.get(s.id)!;
      const how = c.State === 'restarting' ? 'keeps restarting' : `exited right after it started (${c.Status || c.State})`;
      const tail = showLogTail(s.name, await containerLogTail(client, s.id));
      return { resource: s.resource, error: new ApplyError(`container ${s.resource} ${how}${tail}`, false) };
    }),
  );
}
