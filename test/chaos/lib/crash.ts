/**
 * The crash-injection driver. A scenario is an operation that is run again and again from a
 * converged stack (each run changes something, so each run does real work: a replacement, a
 * rebuild, a migration, an archive…). The first run is clean: it counts the operation's
 * mutating engine requests (N) and its duration. Then the points are spread over that run:
 * "before request k is forwarded" and "after the engine answered request k", for k = 1…N, evenly
 * picked, topped up with kills at fractions of the duration when 2N is too few; SIGKILL at every
 * point, SIGINT at a few more. After each kill the scenario's recovery commands run (apply, and for
 * backups the next `backup run`), then the checks: the recovery exited 0, `plan
 * --detailed-exitcode` exits 0, no orphan object, every declared container runs, every checked
 * volume holds what it held before (or, for a restore, one of the two states it may hold).
 */
import { bytesLost, describeDifference, digestVolumes, notRunning, orphans, type Declared, type VolumeDigest } from './engine-state.js';
import type { Kill, MoorRun } from './moor.js';
import { tail } from './moor.js';
import { newRow, type Row } from './report.js';
import type { ChaosStack } from './context.js';

export interface CrashScenario {
  name: string;
  slug: string;
  /** Write the stack, apply it, put data in its volumes. */
  setup(s: ChaosStack): Promise<void>;
  /** Change what run `i` changes (i = 0 is the clean run) and return the operation's command line. */
  prepare(s: ChaosStack, i: number): Promise<string[]>;
  /** The commands after a kill; all must exit 0. Default: apply. */
  recover?(s: ChaosStack, i: number): Promise<MoorRun[]>;
  declared(s: ChaosStack): Declared;
  /** Engine names of the containers that must run after the recovery. */
  running(s: ChaosStack): string[];
  /** Engine names of the volumes whose data must survive. */
  volumes(s: ChaosStack): string[];
  /** Volumes that only grow (backup targets): every entry before must still be there, new ones are fine. */
  growing?(s: ChaosStack): string[];
  /** Remove what a failed point left inside the scenario's volumes (after it was recorded). */
  tidy?(s: ChaosStack): Promise<void>;
  /** Besides the state before the run, another state a volume may rightly hold after it (a restore's). */
  alternative?(s: ChaosStack, i: number): Promise<Record<string, VolumeDigest | undefined>>;
}

/**
 * The kills for an operation of `n` mutating requests, the first `first` ms and the last `last` ms
 * after the command started (time points fall between them).
 */
export function spreadPoints(n: number, first: number, last: number, want: number, sigint: number): Kill[] {
  const all: Kill[] = [];
  for (let k = 1; k <= n; k++) all.push({ signal: 'SIGKILL', k, when: 'before' }, { signal: 'SIGKILL', k, when: 'after' });
  const pick = <T>(xs: T[], m: number): T[] => {
    if (xs.length <= m) return [...xs];
    const idx = new Set<number>();
    for (let j = 0; j < m; j++) idx.add(Math.round((j * (xs.length - 1)) / Math.max(1, m - 1)));
    return [...idx].map((i) => xs[i]!);
  };
  const kills = pick(all, want);
  const extra = want - kills.length;
  for (let j = 1; j <= extra; j++) kills.push({ signal: 'SIGKILL', afterMs: Math.round(first + ((last - first) * j) / (extra + 1)) });
  // SIGINT at points between the SIGKILL ones (odd k, the other side of the request).
  const ints = pick(all.filter((_, i) => i % 2 === 1), sigint).map((p) => ({ ...p, signal: 'SIGINT' as const, when: p.when === 'after' ? 'before' as const : 'after' as const }));
  return [...kills, ...ints];
}

export function describeKill(k: Kill): string {
  return k.k !== undefined ? `${k.signal} ${k.when} mutation ${k.k}` : `${k.signal} at ${k.afterMs}ms`;
}

async function defaultRecover(s: ChaosStack): Promise<MoorRun[]> {
  return [await s.apply()];
}

/** Run every point of `sc`; one row of results. */
export async function runCrashScenario(s: ChaosStack, sc: CrashScenario, family: string, want: number, sigint: number, log: (l: string) => void): Promise<Row> {
  await sc.setup(s);
  const recover = sc.recover ?? defaultRecover;
  // The clean run: counted, then checked like any other.
  const cleanArgs = await sc.prepare(s, 0);
  const clean = await s.run(cleanArgs);
  const cleanMutations = clean.mutations;
  const row = newRow(family, sc.name, `clean run: ${cleanMutations} mutating requests, ${(clean.ms / 1000).toFixed(1)} s`);
  if (clean.code !== 0) {
    row.failures.push({ what: 'clean run', symptom: `moor ${cleanArgs.join(' ')} exited ${clean.code}: ${tail(clean)}` });
    return row;
  }
  if (process.env.CHAOS_VERBOSE) log(`    clean run: ${clean.requests.map((r, i) => `${i + 1} ${r}`).join(', ')}`);
  const cleanCheck = await check(s, sc, 0, await digestAll(s, sc), undefined, await recover(s, 0));
  if (cleanCheck) row.failures.push({ what: 'clean run', symptom: cleanCheck.symptom });
  const points = spreadPoints(cleanMutations, clean.firstMs, clean.lastMs, want, sigint);
  log(`  ${sc.name}: ${cleanMutations} mutating requests in the clean run; ${points.length} crash points`);
  for (const [j, kill] of points.entries()) {
    const i = j + 1;
    const args = await sc.prepare(s, i);
    const before = await digestAll(s, sc);
    const alt = sc.alternative ? await sc.alternative(s, i) : undefined;
    const crashed = await s.run(args, kill);
    row.tried++;
    const what = `${describeKill(kill)}${crashed.killed ? '' : ' (not reached: the run finished first)'}`;
    const recovered = await recover(s, i);
    const result = await check(s, sc, i, before, alt, recovered);
    if (!result) row.converged++;
    else {
      if (result.converged) row.converged++;
      row.orphans += result.orphans;
      row.bytesLost += result.lost;
      row.stopped += result.stopped;
      row.failures.push({ what, symptom: result.symptom });
    }
    log(`    ${String(i).padStart(2)} ${what}: ${result ? `FAIL ${result.symptom}` : 'ok'}`);
    // Each point starts clean: what this one left behind is recorded above, then removed.
    if (result) await tidy(s, sc);
  }
  return row;
}

export type Checked = Pick<CrashScenario, 'declared' | 'running' | 'volumes' | 'growing'>;

export async function digestAll(s: ChaosStack, sc: Checked): Promise<Record<string, VolumeDigest | undefined>> {
  return digestVolumes(s.ctx.client, s.ctx.checkerImage, [...sc.volumes(s), ...(sc.growing?.(s) ?? [])], s.ctx.prefix);
}

export interface CheckFailure { converged: boolean; orphans: number; lost: number; stopped: number; symptom: string }

/** The checks after a recovery: its commands exited 0, the plan is empty, no orphan, all running, no data lost. */
export async function check(
  s: ChaosStack,
  sc: Checked,
  i: number,
  before: Record<string, VolumeDigest | undefined>,
  alt: Record<string, VolumeDigest | undefined> | undefined,
  recovered: MoorRun[],
): Promise<CheckFailure | undefined> {
  const symptoms: string[] = [];
  let converged = true;
  for (const r of recovered) {
    if (r.code !== 0) {
      converged = false;
      symptoms.push(`next \`${r.command.replace(s.relFile, '<stack>')}\` exited ${r.code}: ${tail(r)}`);
    }
  }
  const plan = await s.plan('--detailed-exitcode');
  if (plan.code !== 0) {
    converged = false;
    const lines = plan.stdout.split('\n').filter((l) => /^\s{2}\S/.test(l)).slice(0, 4).join(' / ');
    symptoms.push(`plan --detailed-exitcode exited ${plan.code}: ${lines || tail(plan)}`);
  }
  const left = await orphans(s.ctx.client, sc.declared(s));
  if (left.length) symptoms.push(`orphans: ${left.join(', ')}`);
  const stopped = await notRunning(s.ctx.client, sc.running(s));
  if (stopped.length) symptoms.push(`not running: ${stopped.join(', ')}`);
  const after = await digestAll(s, sc);
  let lost = 0;
  const growing = new Set(sc.growing?.(s) ?? []);
  for (const [v, b] of Object.entries(before)) {
    if (!b) continue;
    const a = after[v];
    if (growing.has(v)) {
      const l = bytesLost(b, a);
      if (l > 0 || !a || b.lines.some((x) => !a.lines.includes(x))) {
        lost += l;
        symptoms.push(`volume ${v} lost entries it held: ${describeDifference(b, a)}`);
      }
      continue;
    }
    if (a?.digest === b.digest) continue;
    const other = alt?.[v];
    if (other && a?.digest === other.digest) continue;
    const l = Math.min(bytesLost(b, a), other ? bytesLost(other, a) : Infinity);
    if (l > 0 && (await inStash(s, v, b))) {
      symptoms.push(`volume ${v} lacks ${l} B of its files (${describeDifference(b, a)}), but a complete copy is in ${v}.moor-stash`);
      continue;
    }
    lost += l;
    symptoms.push(`volume ${v} differs (${l} B lost): ${describeDifference(b, a)}`);
  }
  void i;
  if (!symptoms.length) return undefined;
  return { converged, orphans: left.length, lost, stopped: stopped.length, symptom: symptoms.join('; ') };
}

/**
 * Remove the orphan containers and networks of a failed point (recorded already), so the next
 * point is judged on its own. Volumes stay: an orphan volume may be the only copy of the data (a
 * migration's stash), and the next run of moor is expected to deal with it.
 */
async function tidy(s: ChaosStack, sc: CrashScenario): Promise<void> {
  for (const o of await orphans(s.ctx.client, sc.declared(s))) {
    const [kind, name] = o.split(' ') as [string, string];
    if (kind === 'volume') continue;
    const path = kind === 'container' ? `/containers/${encodeURIComponent(name)}` : `/networks/${encodeURIComponent(name)}`;
    await s.ctx.client.request('DELETE', path, { query: kind === 'container' ? { force: true, v: true } : {} }).catch(() => undefined);
  }
  await sc.tidy?.(s);
}

/** Whether `<volume>.moor-stash` holds every entry of `before` under payload/ (a migration's copy). */
async function inStash(s: ChaosStack, volume: string, before: VolumeDigest): Promise<boolean> {
  const name = `${volume}.moor-stash`;
  const stash = (await digestVolumes(s.ctx.client, s.ctx.checkerImage, [name], s.ctx.prefix))[name];
  if (!stash) return false;
  const copy = new Set(stash.lines.filter((l) => l.startsWith('payload/')).map((l) => l.slice('payload/'.length)));
  return before.lines.every((l) => copy.has(l));
}
