/**
 * Adoption: running objects → a stack file that reproduces them, and an adoption record that
 * makes them the stack's own without recreating them (model/adoption.ts). In order:
 *   read the objects (read.ts) → refuse any another stack owns → map (map.ts) → write the stack
 *   file → load it as `moor plan` would → record, for each object, its id, its name and the spec
 *   the file gives it (what moor compares with from now on) → the next `moor plan` is empty.
 * Nothing on the engine changes but the record volume; the record is written only once the stack
 * file loads.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EngineClient } from '../../engine/client.js';
import { MoorError } from '../../errors.js';
import { emptyAdoption, entryKey, type AdoptedEntry } from '../../model/adoption.js';
import type { DesiredStack } from '../../model/spec.js';
import { writeAdoption } from '../../apply/adoption.js';
import { emitStack } from '../emit.js';
import { mapSnapshot, type MappedStack, type ReportItem } from './map.js';
import { ownedObjects, readAdoptionRecords, readSnapshot, type Selection } from './read.js';

export class AdoptionRefused extends MoorError {}

export interface AdoptRequest {
  selection: Selection;
  stackName: string;
  /** Where the stack file goes. */
  output: string;
  /** Overwrite an existing file. */
  force: boolean;
  now: string;
}

export interface AdoptResult {
  file: string;
  mapped: MappedStack;
  entries: AdoptedEntry[];
}

export function reportLines(report: ReportItem[]): string[] {
  return report.map((r) => `${r.object}: ${r.field} — ${r.why}`);
}

function headerOf(req: AdoptRequest, report: ReportItem[]): string[] {
  const what = req.selection.project ? `compose project "${req.selection.project}"` : 'running objects';
  return [
    `Adopted by \`moor import\` from ${what} on ${req.now}.`,
    'These objects keep running under their names; moor manages them from now on (plan shows no changes),',
    'and a change replaces them as usual, under moor\'s names and labels.',
    ...(report.length
      ? ['', 'Not expressed in this file (the running containers keep these settings until moor replaces them):', ...reportLines(report).map((l) => `  - ${l}`)]
      : []),
  ];
}

/** Map and write the stack file; the engine is only read. */
export async function writeAdoptedStack(client: EngineClient, req: AdoptRequest): Promise<{ file: string; mapped: MappedStack }> {
  const file = path.resolve(req.output);
  if (existsSync(file) && !req.force) throw new AdoptionRefused(`${file} exists: choose another file with -o, or pass --force to overwrite it`);
  const snap = await readSnapshot(client, req.selection);
  const owned = ownedObjects(snap, await readAdoptionRecords(client));
  if (owned.length) {
    throw new AdoptionRefused(`moor stacks own some of these objects already; nothing was adopted:\n${owned.map((o) => `  ${o.object} belongs to stack "${o.stack}" (${o.how})`).join('\n')}`);
  }
  const first = mapSnapshot(req.stackName, snap);
  const mapped = mapSnapshot(req.stackName, snap, headerOf(req, first.report));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, emitStack(mapped.model));
  return { file, mapped };
}

/** The record's entries: each adopted object with the spec the loaded stack gives it. */
export function adoptionEntries(mapped: MappedStack, desired: DesiredStack, now: string): AdoptedEntry[] {
  return mapped.targets.map((t) => {
    const list = t.kind === 'container' ? desired.containers : t.kind === 'network' ? desired.networks : desired.volumes;
    const spec = list.find((s) => s.name === t.resource);
    if (!spec) throw new MoorError(`the generated stack has no ${t.kind} ${t.resource}: nothing was adopted`);
    return { ...t, spec, since: now };
  });
}

/** Write the stack's adoption record with these entries added to what it holds. */
export async function recordAdoption(client: EngineClient, stack: string, entries: AdoptedEntry[]): Promise<void> {
  const current = (await readAdoptionRecords(client)).get(stack) ?? emptyAdoption();
  const added = new Set(entries.map(entryKey));
  await writeAdoption(client, stack, current, [...current.entries.filter((e) => !added.has(entryKey(e))), ...entries]);
}
