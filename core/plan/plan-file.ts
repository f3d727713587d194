/**
 * Saved plans (`moor plan --out plan.json`, then `moor apply plan.json`): the plan, the desired
 * stack its operations come from, and the fingerprint of the engine state it was computed from.
 * Secrets are references and keyed hashes only; apply reads the values again. The format is
 * versioned (`moor_plan_file`) and documented in docs/plan-file.md.
 */
import { MoorError } from '../errors.js';
import { chmodSync, openSync, readSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import type { DesiredStack } from '../model/spec.js';
import type { Fingerprint } from './fingerprint.js';
import type { Plan } from './types.js';

export const PLAN_FILE_FORMAT = 2;

export interface PlanFile {
  moor_plan_file: typeof PLAN_FILE_FORMAT;
  moor_version: string;
  created_at: string;
  /** The engine the plan was computed against (as DOCKER_HOST names it). */
  engine: string;
  /** Whether the plan inspected every container (`--refresh`): apply observes the same way. */
  refresh: boolean;
  desired: DesiredStack;
  plan: Plan;
  fingerprint: Fingerprint;
}

export class PlanFileError extends MoorError {
  constructor(message: string) {
    super(message);
    this.name = 'PlanFileError';
  }
}

export function writePlanFile(file: string, content: PlanFile): void {
  // 0600: a plan names the stack's engine objects and its secrets' keyed hashes.
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // also when the file existed before with a wider mode
}

/** A saved plan is JSON; a stack file is TypeScript or JavaScript: the first non-blank byte tells them apart. */
export function isPlanFile(file: string): boolean {
  if (file.endsWith('.json')) return true;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(64);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString('utf8').trimStart().startsWith('{');
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function readPlanFile(file: string): PlanFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PlanFileError(`cannot read the saved plan ${file}: ${(e as Error).message}`);
  }
  const p = raw as Partial<PlanFile>;
  if (typeof p !== 'object' || p === null || !('moor_plan_file' in p)) throw new PlanFileError(`${file} is not a moor plan file (made by moor plan --out)`);
  if (p.moor_plan_file !== PLAN_FILE_FORMAT) {
    throw new PlanFileError(`${file} is a plan file of format ${String(p.moor_plan_file)}; this moor reads format ${PLAN_FILE_FORMAT}. Make the plan again with this version.`);
  }
  if (!p.plan || !p.desired || !p.fingerprint || p.plan.format !== 2) throw new PlanFileError(`${file} is incomplete or damaged; make the plan again`);
  // Files from before backup jobs existed have none.
  (p.desired as Partial<DesiredStack>).backups ??= [];
  return p as PlanFile;
}
