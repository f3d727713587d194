/**
 * Writes the adoption record (model/adoption.ts): a new generation holding `entries` (none: no
 * volume at all), then the older generations removed. Used by `moor import` when it adopts, and
 * by apply and destroy once they replaced or deleted adopted objects.
 */
import type { EngineClient } from '../engine/client.js';
import { adoptionLabels, adoptionVolumeName, entryKey, type AdoptedEntry, type AdoptionRecord } from '../model/adoption.js';
import type { Plan } from '../plan/types.js';
import type { StepResult } from './apply.js';
import { deleteVolume } from './volume.js';

export async function writeAdoption(client: EngineClient, stack: string, current: Pick<AdoptionRecord, 'generation' | 'volumes'>, entries: AdoptedEntry[]): Promise<void> {
  if (entries.length) {
    const name = adoptionVolumeName(stack, current.generation + 1);
    await client.request('POST', '/volumes/create', { body: { Name: name, Driver: 'local', Labels: adoptionLabels(stack, entries) } });
  }
  for (const old of current.volumes) await deleteVolume(client, old);
}

/**
 * After an apply: the entries the plan keeps, plus those of objects whose step did not finish
 * (their object is still the adopted one). Rewritten only when that differs from the record.
 */
export async function settleAdoption(client: EngineClient, plan: Plan, results: StepResult[]): Promise<void> {
  const a = plan.adoption;
  if (!a || a.entries.length === 0) return;
  const unfinished = new Set(results.filter((r) => r.outcome.status !== 'done').map((r) => r.resource));
  const keep = a.entries.filter((e) => a.keep.includes(entryKey(e)) || unfinished.has(entryKey(e)));
  if (keep.length === a.entries.length) return;
  await writeAdoption(client, plan.stack, a, keep);
}
