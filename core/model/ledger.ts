/**
 * The record of live updates. Labels are immutable: after moor changes a container's restart
 * policy, limits or aliases live, its labels still describe the spec it was created with. So that a
 * later plan compares the stack with what moor *last applied* — without inspecting every container
 * — moor keeps, per stack, a small record of the live values it applied, by container ID.
 *
 * The record lives in the labels of an empty, data-less volume named `<stack>.moor-live.<generation>`:
 * the volume list observe already reads returns it at no extra call. A new generation is created
 * before the old one is removed, so a crash leaves a readable record.
 */
import type { ResourcesSpec, RestartSpec } from './spec.js';
import { LABEL, LABEL_FORMAT } from './labels.js';

export interface LiveRecord {
  restart: RestartSpec;
  resources: ResourcesSpec;
  /** Aliases applied per engine network name (moor's implicit alias excluded). */
  aliases: Record<string, string[]>;
}

export interface Ledger {
  generation: number;
  /** Container ID → live values moor applied to it after creation. */
  entries: Record<string, LiveRecord>;
  /** Every ledger volume seen (normally one). */
  volumes: string[];
}

export const LEDGER_KIND = 'ledger';
const ENTRIES_LABEL = 'moor.live';

export function emptyLedger(): Ledger {
  return { generation: 0, entries: {}, volumes: [] };
}

export function ledgerVolumeName(stack: string, generation: number): string {
  return `${stack}.moor-live.${generation}`;
}

export function isLedgerVolume(labels: Record<string, string> | null | undefined): boolean {
  return labels?.[LABEL.kind] === LEDGER_KIND;
}

/** The newest readable generation among the ledger volumes of a stack. */
export function readLedger(volumes: { Name: string; Labels: Record<string, string> | null }[]): Ledger {
  const ledger = emptyLedger();
  for (const v of volumes) {
    if (!isLedgerVolume(v.Labels)) continue;
    ledger.volumes.push(v.Name);
    const generation = Number(/\.moor-live\.(\d+)$/.exec(v.Name)?.[1] ?? NaN);
    if (!Number.isFinite(generation) || generation <= ledger.generation) continue;
    try {
      ledger.entries = JSON.parse(v.Labels?.[ENTRIES_LABEL] ?? '{}') as Record<string, LiveRecord>;
      ledger.generation = generation;
    } catch {
      // An unreadable generation is ignored; labels remain the fallback.
    }
  }
  ledger.volumes.sort();
  return ledger;
}

export function ledgerLabels(stack: string, entries: Record<string, LiveRecord>): Record<string, string> {
  return {
    [LABEL.stack]: stack,
    [LABEL.kind]: LEDGER_KIND,
    [LABEL.name]: 'moor-live',
    [LABEL.format]: LABEL_FORMAT,
    [ENTRIES_LABEL]: JSON.stringify(entries),
  };
}
