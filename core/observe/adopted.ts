/**
 * observe's part for adopted objects (model/adoption.ts): the record comes with the stack's
 * volumes observe already lists; the adopted containers and volumes (which carry no moor label and
 * need not be named after the stack) are listed by id and name, in one more round of calls made
 * only when the record holds some. Networks come with the full network list observe reads anyway.
 */
import type { EngineClient } from '../engine/client.js';
import type { ContainerSummary, VolumeSummary } from '../engine/api-types.js';
import type { AdoptedEntry, AdoptedKind, AdoptionRecord } from '../model/adoption.js';
import type { PublishedPort } from './types.js';

export interface AdoptedObjects {
  containers: ContainerSummary[];
  volumes: VolumeSummary[];
}

export async function listAdopted(client: EngineClient, record: AdoptionRecord): Promise<AdoptedObjects> {
  const ids = record.entries.filter((e) => e.kind === 'container').map((e) => e.id);
  const names = record.entries.filter((e) => e.kind === 'volume').map((e) => e.id);
  const [containers, volumes] = await Promise.all([
    ids.length ? client.request<ContainerSummary[]>('GET', '/containers/json', { query: { all: 1, filters: JSON.stringify({ id: ids }) } }) : Promise.resolve([]),
    names.length
      ? client.request<{ Volumes: VolumeSummary[] | null }>('GET', '/volumes', { query: { filters: JSON.stringify({ name: names }) } }).then((r) => r.Volumes ?? [])
      : Promise.resolve([] as VolumeSummary[]),
  ]);
  // The id filter matches prefixes and the name filter substrings: only exact matches count.
  return { containers: containers.filter((c) => ids.includes(c.Id)), volumes: volumes.filter((v) => names.includes(v.Name)) };
}

/** The record's entry for an engine object, by kind and id. */
export function adoptedEntry(record: AdoptionRecord | undefined, kind: AdoptedKind, id: string): AdoptedEntry | undefined {
  return record?.entries.find((e) => e.kind === kind && e.id === id);
}

/** Ports an adopted container publishes are the stack's own (a replacement may take them over). */
export function ownAdoptedPorts(stack: string, ports: PublishedPort[], adoptedNames: string[]): PublishedPort[] {
  return ports.map((p) => (adoptedNames.includes(p.container) ? { ...p, stack } : p));
}
