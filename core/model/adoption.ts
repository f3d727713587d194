/**
 * The adoption record: running objects moor took over without recreating them (`moor import
 * --project`, `moor import container …`). The engine cannot add labels to an existing container,
 * network or volume, so their ownership and last-applied spec live elsewhere, on the engine:
 *
 *   <stack>.moor-adopted.<generation>   data-less volume; labels: moor.stack, moor.kind=adoption,
 *                                       and one label per adopted object,
 *                                       `moor.adopted.<kind>.<resource>` = JSON of AdoptedEntry
 *                                       (a replica's: `moor.adopted.container.<resource>#<i>`)
 *
 * Each entry holds the object's engine id and name and the spec moor last applied to it, in the
 * same canonical form moor writes in its own `moor.spec` labels; observe treats the object as the
 * stack's own. Labels are immutable: a changed record is a new generation, created before the old
 * one is removed (a crash leaves a readable record). An entry is dropped once moor replaced its
 * object (the new object carries moor's labels) or deleted it; destroy keeps the entries of the
 * volumes it keeps. Label size: the engine stores volume labels in its metadata (1 MB in one label
 * checked on Engine 20.10); one label per object keeps each a few kilobytes.
 */
import { LABEL, LABEL_FORMAT } from './labels.js';
import type { ContainerSpec, NetworkSpec, VolumeSpec } from './spec.js';

export const ADOPTION_KIND = 'adoption';
const ENTRY_PREFIX = 'moor.adopted.';

export type AdoptedKind = 'container' | 'network' | 'volume';

export interface AdoptedEntry {
  kind: AdoptedKind;
  /** Resource name in the stack. */
  resource: string;
  /** Engine id (a volume's id is its name). */
  id: string;
  /** Engine name at adoption (`shop_web_1`, `shop_default`): kept until moor replaces the object. */
  engineName: string;
  /** What moor "last applied": the stack's spec at adoption, equal to what runs. */
  spec: ContainerSpec | NetworkSpec | VolumeSpec;
  /** ISO time of the adoption. */
  since: string;
  /**
   * The replica it stands for, when the container resource has several (a compose service
   * scaled to N containers adopts as one container with `replicas: N`); absent otherwise.
   */
  replica?: number;
}

export interface AdoptionRecord {
  generation: number;
  entries: AdoptedEntry[];
  /** Every record volume seen (normally one). */
  volumes: string[];
}

/** `container.web`, or for a replica the plan node's id, `container.web#2`. */
export const entryKey = (e: Pick<AdoptedEntry, 'kind' | 'resource' | 'replica'>) => `${e.kind}.${e.resource}${e.replica ? `#${e.replica}` : ''}`;

export function emptyAdoption(): AdoptionRecord {
  return { generation: 0, entries: [], volumes: [] };
}

export function adoptionVolumeName(stack: string, generation: number): string {
  return `${stack}.moor-adopted.${generation}`;
}

export function isAdoptionVolume(labels: Record<string, string> | null | undefined): boolean {
  return labels?.[LABEL.kind] === ADOPTION_KIND;
}

function readEntry(raw: string): AdoptedEntry | null {
  try {
    const e = JSON.parse(raw) as AdoptedEntry;
    const ok = ['container', 'network', 'volume'].includes(e.kind) && typeof e.resource === 'string' && typeof e.id === 'string' &&
      typeof e.engineName === 'string' && typeof e.spec === 'object' && e.spec !== null && e.spec.kind === e.kind &&
      (e.replica === undefined || (e.kind === 'container' && Number.isInteger(e.replica) && e.replica > 0));
    return ok ? e : null;
  } catch {
    return null;
  }
}

/** The newest readable generation among a stack's record volumes. */
export function readAdoption(volumes: { Name: string; Labels: Record<string, string> | null }[]): AdoptionRecord {
  const record = emptyAdoption();
  for (const v of volumes) {
    if (!isAdoptionVolume(v.Labels) || v.Labels?.[LABEL.format] !== LABEL_FORMAT) continue;
    record.volumes.push(v.Name);
    const generation = Number(/\.moor-adopted\.(\d+)$/.exec(v.Name)?.[1] ?? NaN);
    if (!Number.isFinite(generation) || generation <= record.generation) continue;
    record.generation = generation;
    record.entries = Object.entries(v.Labels ?? {})
      .filter(([k]) => k.startsWith(ENTRY_PREFIX))
      .map(([, raw]) => readEntry(raw))
      .filter((e): e is AdoptedEntry => e !== null)
      .sort((a, b) => entryKey(a).localeCompare(entryKey(b)));
  }
  record.volumes.sort();
  return record;
}

export function adoptionLabels(stack: string, entries: AdoptedEntry[]): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL.stack]: stack, [LABEL.kind]: ADOPTION_KIND, [LABEL.name]: 'moor-adopted', [LABEL.format]: LABEL_FORMAT,
  };
  for (const e of entries) labels[`${ENTRY_PREFIX}${entryKey(e)}`] = JSON.stringify(e);
  return labels;
}
