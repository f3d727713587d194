/**
 * What interrupted moor commands left, planned like drift (observe/intents.ts finds it):
 *   - a record of a step a dead command began (model/intent.ts) becomes a node that finishes it:
 *     a restore's staged data discarded or switched in, the containers it stopped started again,
 *     the record removed. The containers it stopped show why they are started ("stopped by moor
 *     backup run nightly (pid …) that did not finish") and wait for that node;
 *   - a backup worker of a dead command becomes a node removing it;
 *   - a record of a command still running is left alone: its containers are not started (it does
 *     that itself), and a note says so.
 */
import { describeIntent } from '../model/intent.js';
import type { ObservedIntent } from '../observe/intents.js';
import type { PlanContext } from './context.js';
import type { PlanNode } from './types.js';

/** What finishing a record's step does to the data, before its containers start again. */
const DATA_WORDS = {
  stop: null,
  stage: 'discard the data it staged beside the volumes (they keep their data)',
  switch: 'finish switching the volumes to the restored data',
} as const;

export function intentNodeId(i: ObservedIntent): string {
  return `intent.${i.intent.id}`;
}

/** The record that explains why a container is stopped, if any (the newest one naming it). */
export function stoppedBy(ctx: PlanContext, container: string): { node: string; note: string; alive: boolean } | undefined {
  const found = (ctx.observed.interrupted?.intents ?? []).filter((i) => i.intent.stopped.includes(container)).at(-1);
  if (!found) return undefined;
  return found.alive
    ? { node: intentNodeId(found), alive: true, note: `stopped by ${describeIntent(found.intent)}, which is still running and starts it again` }
    : { node: intentNodeId(found), alive: false, note: `stopped by ${describeIntent(found.intent)} that did not finish` };
}

/** `remove its workers (a, b)` when it left any. */
function removes(helpers: { name: string; owner: { pid: number; host: string } | null }[], i: ObservedIntent): string | null {
  const mine = helpers.filter((h) => h.owner?.pid === i.intent.pid && h.owner.host === i.intent.host).map((h) => h.name);
  return mine.length ? `remove its workers (${mine.join(', ')})` : null;
}

export function planInterrupted(ctx: PlanContext): PlanNode[] {
  const found = ctx.observed.interrupted;
  if (!found) return [];
  const start = ctx.options.mode !== 'destroy';
  const nodes: PlanNode[] = [];
  for (const i of found.intents) {
    const who = describeIntent(i.intent);
    if (i.alive) {
      ctx.notes.push(`${who} is running${i.intent.stopped.length ? `: it stopped ${i.intent.stopped.join(', ')} and starts ${i.intent.stopped.length === 1 ? 'it' : 'them'} again when it finishes` : ''}; moor leaves it be`);
      continue;
    }
    const words = [
      removes(found.helpers, i),
      DATA_WORDS[i.intent.step],
      start && i.intent.stopped.length ? `start again the containers it stopped (${i.intent.stopped.join(', ')})` : null,
      'then remove this record',
    ].filter(Boolean).join(', ');
    nodes.push({
      id: intentNodeId(i), kind: 'volume', name: i.volume, engineName: i.volume, action: 'update',
      causes: [`${who} did not finish: ${words}`],
      changes: [], dependsOn: [], dependents: [],
      op: { type: 'intent.finish', volume: i.volume, intent: i.intent, start },
    });
  }
  // A dead record's own workers are removed by its node, before anything else it does.
  const byRecord = new Set(found.intents.filter((i) => !i.alive).map((i) => `${i.intent.pid}@${i.intent.host}`));
  for (const h of found.helpers) {
    if (h.owner && byRecord.has(`${h.owner.pid}@${h.owner.host}`)) continue;
    const by = h.owner ? `moor (pid ${h.owner.pid} on host ${h.owner.host}), which is gone` : 'a moor command that is gone';
    nodes.push({
      id: `leftover.${h.name}`, kind: 'container', name: h.name, engineName: h.name, action: 'delete',
      causes: [`backup worker of ${h.job} (${h.state}) left by ${by}`],
      changes: [], dependsOn: [], dependents: [],
      op: { type: 'container.delete', id: h.id, stopTimeout: 0 },
    });
  }
  return nodes;
}
