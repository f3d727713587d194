/**
 * Reads sent ahead: a plan of an unchanged stack asks the engine the same questions as the plan
 * before it (the lists of the stack's containers, networks, volumes, images and services, then
 * each container's inspect). The questions of the last plan of this stack file, on this engine,
 * are kept in moor's cache; the next plan sends them as soon as it starts, while it loads and
 * checks the stack, and observe takes each answer when it asks exactly that question
 * (EngineClient.readAhead). A question observe does not ask again is an answer thrown away; one it
 * asks that was not sent ahead is asked then. The answers are as fresh as the command: read in
 * this process, a few milliseconds before observe would have asked.
 *
 * `MOOR_READ_AHEAD=0` turns it off.
 *
 * Only commands that take no lock (`moor plan`): a read sent ahead of a lock could predate another
 * moor's apply. Only engine reads of moor's own kind (lists and inspects), never a registry.
 */
import { murmur128 } from '../hash.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EngineClient } from '../engine/client.js';
import { cacheDir, writeCacheFile } from '../stack/cache-dir.js';

/** The reads worth sending ahead: lists and inspects of containers, networks, volumes, images, services, tasks, secrets. */
const READS = /^\/(containers|networks|volumes|images|services|tasks|secrets)(\/json|\/[^/?]+(\/json)?)?(\?|$)|^\/info$/;

/** At most this many (a stack of hundreds of containers sends its first hundreds). */
const MAX_READS = 400;

export interface ReadAhead {
  /** Keep the reads of this plan for the next one (when they changed). */
  save(): Promise<void>;
}

function fileOf(stackFile: string, env: string | undefined, endpoint: string): string {
  const key = murmur128(`${path.resolve(stackFile)}\0${env ?? ''}\0${endpoint}`);
  return cacheDir('reads', `${key}.json`);
}

/** The reads saved by the last plan (none when there is no valid record). Read synchronously: the reads go out sooner. */
function lastReads(file: string): string[] {
  try {
    const reads = (JSON.parse(readFileSync(file, 'utf8')) as { reads?: unknown }).reads;
    return Array.isArray(reads) ? reads.filter((r): r is string => typeof r === 'string' && READS.test(r)).slice(0, MAX_READS) : [];
  } catch {
    return [];
  }
}

/** Send the last plan's reads of this stack file on this engine, and record this plan's. */
export function startReadAhead(client: EngineClient, stackFile: string, env: string | undefined): ReadAhead {
  // MOOR_READ_AHEAD=0: every read when observe asks for it (benchmarks compare both).
  if (process.env.MOOR_READ_AHEAD === '0') return { save: async () => undefined };
  const file = fileOf(stackFile, env, client.endpoint.display);
  client.recordReads();
  const last = lastReads(file);
  client.readAhead(last);
  return {
    async save() {
      // Sorted: the inspects go out in the order the lists gave the containers, which moves with
      // every recreation; the record is rewritten only when the reads themselves changed.
      const reads = client.recordedReads().filter((r) => READS.test(r)).slice(0, MAX_READS).sort();
      const before = [...last].sort();
      if (reads.length === before.length && reads.every((r, i) => r === before[i])) return;
      try {
        await writeCacheFile(file, JSON.stringify({ reads }));
      } catch {
        // A cache: a plan never fails for it.
      }
    },
  };
}
