/**
 * moor's benchmark: moor vs docker-compose vs the raw Engine API floor, on the same engine, for
 * stacks of N containers (one volume each, one network, `sleep 3600` from one local image).
 * Run it with `npm run bench` (scripts/bench.sh prepares the engine, busybox and dist/; bench/run.ts
 * calls main()).
 *
 * Environment:
 *   BENCH_SIZES=10,50       container counts
 *   BENCH_REPS=7,5          runs per size (one number for all sizes, or one per size)
 *   BENCH_CONCURRENCY=4     moor's --concurrency and the raw floor's pool size
 *   BENCH_WARMUP=1          one untimed round of every tool before timing (0 to skip)
 *
 * Every engine object it creates is named mbench<hex>…, and all of them are removed in `finally`,
 * on failure and on Ctrl-C too. Nothing else on the engine is touched.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Engine } from '../lib/engine-http.mjs';
import { buildImage, finalSweep, harnessEngine, listOwned, ownedCount, sweepAll } from '../lib/engine.js';
import { checkInterrupt, childGone, failed, handleInterrupts, log, preflight, quietness, rel, repo, run, saveResults, secs, stampOf } from '../lib/harness.js';
import { distAtEnd, distFingerprint, machine, runHeader } from '../lib/machine.js';
import { evaluateTargets, renderTable, renderTargets, type SizeResult } from '../lib/report.js';
import { composeFile, moorStack } from '../lib/stacks.js';
import { summarize } from '../lib/stats.js';
import { CommandError, type TimedRun } from '../lib/timed.js';

// ---------------------------------------------------------------- configuration

function numbers(value: string | undefined, fallback: number[]): number[] {
  if (!value) return fallback;
  const xs = value.split(',').map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isInteger(x) || x < 1)) throw new Error(`expected positive whole numbers separated by commas, got "${value}"`);
  return xs;
}

const sizes = numbers(process.env.BENCH_SIZES, [10, 50]);
if (sizes.some((n) => n > 100)) throw new Error('BENCH_SIZES: at most 100 containers (names are numbered c00…c99)');
const repsList = numbers(process.env.BENCH_REPS, sizes.map((n) => (n <= 10 ? 7 : 5)));
const repsFor = (i: number) => repsList[Math.min(i, repsList.length - 1)]!;
const concurrency = numbers(process.env.BENCH_CONCURRENCY, [4])[0]!;
const warmup = process.env.BENCH_WARMUP !== '0';

const prefix = `mbench${randomBytes(3).toString('hex')}`;
const imageTag = `${prefix}-img:latest`;
const tmp = path.join(repo, 'bench', '.tmp', prefix);
// moor's caches and apply locks stay in our own directory, removed at the end.
const moorEnv = { ...process.env, MOOR_CACHE_DIR: path.join(tmp, 'moor-cache'), MOOR_LOCK_DIR: path.join(tmp, 'locks'), NO_COLOR: '1' };

// ---------------------------------------------------------------- one tool's steps

async function expectRunning(engine: Engine, toolPrefix: string, n: number, what: string): Promise<void> {
  const owned = await listOwned(engine, toolPrefix);
  const running = owned.containers.filter((c) => c.state === 'running').length;
  if (running !== n) throw new Error(`after ${what}: ${running} of ${n} containers named ${toolPrefix}… are running`);
}

/** After a tear-down nothing may be left. If something is, say so in the results and sweep it; false if it stays. */
async function expectGone(engine: Engine, toolPrefix: string, what: string, notes: string[]): Promise<boolean> {
  const owned = await listOwned(engine, toolPrefix);
  if (ownedCount(owned) === 0) return true;
  const left = [...owned.containers.map((c) => c.name), ...owned.volumes, ...owned.networks.map((x) => x.name)];
  note(notes, `${what} left ${left.length} object(s) behind: ${left.slice(0, 5).join(', ')}${left.length > 5 ? '…' : ''}`);
  await sweepAll(engine, toolPrefix);
  return ownedCount(await listOwned(engine, toolPrefix)) === 0;
}

function note(notes: string[], text: string) {
  notes.push(text);
  log(`  ! ${text}`);
}

const moorCli = (...args: string[]) => ['bin/moor.js', ...args];
const conc = ['--concurrency', String(concurrency)];

/**
 * One tool at one size. Its engine objects are named `<prefix><m|c|r><n>`; after a failed round,
 * or when the engine will not let go of something (the stale-endpoint bug: "network … has active
 * endpoints" with no container attached), the next round moves to a fresh name (…g1, …g2) so it
 * still starts from nothing.
 */
class Subject {
  private generation = 0;
  constructor(readonly tool: 'moor' | 'compose' | 'raw', readonly n: number) {}

  get name(): string {
    return `${prefix}${this.tool[0]}${this.n}${this.generation ? `g${this.generation}` : ''}`;
  }
  /** What every engine object of the current generation starts with. */
  get objectPrefix(): string {
    return `${this.name}${this.tool === 'compose' ? '_' : '-'}`;
  }
  get file(): string {
    const g = this.generation ? `-g${this.generation}` : '';
    return path.join(tmp, this.tool === 'moor' ? `moor-n${this.n}${g}.ts` : `compose-n${this.n}${g}.yml`);
  }

  /** Write the stack file; for moor, also plan once untimed so its type-check cache is warm. */
  async prepare(): Promise<void> {
    if (this.tool === 'moor') {
      await writeFile(this.file, moorStack(this.name, this.n, imageTag));
      await run('moor plan (untimed, warms the type-check cache)', 'node', moorCli('plan', rel(this.file)), moorEnv);
    } else if (this.tool === 'compose') {
      await writeFile(this.file, composeFile(this.n, imageTag));
    }
  }

  async next(): Promise<void> {
    this.generation++;
    await this.prepare();
  }
}

async function moorRound(engine: Engine, s: Subject, notes: string[]) {
  const file = rel(s.file);
  const apply = await run('moor apply', 'node', moorCli('apply', file, '--yes', ...conc), moorEnv);
  await expectRunning(engine, s.objectPrefix, s.n, 'moor apply');
  const plan = await run('moor plan (no-op, deep drift read)', 'node', moorCli('plan', file), { ...moorEnv, MOOR_COUNT_REQUESTS: '1' });
  if (!/No changes/.test(plan.stdout)) throw new Error(`moor plan after apply is not empty:\n${plan.stdout}`);
  const m = /moor: (\d+) engine requests/.exec(plan.stderr);
  if (!m) throw new Error(`moor plan did not report its request count (MOOR_COUNT_REQUESTS=1):\n${plan.stderr}`);
  // The target is judged with the deep drift read on (moor's default): every container inspected.
  if (Number(m[1]) < s.n) throw new Error(`moor plan made ${m[1]} engine requests for ${s.n} containers: the deep drift read (one inspect each) did not happen`);
  const destroy = await run('moor destroy', 'node', moorCli('destroy', file, '--yes', '--volumes', ...conc), moorEnv);
  if (!(await expectGone(engine, s.objectPrefix, 'moor destroy', notes))) await s.next();
  return { apply: apply.ms, plan: plan.ms, destroy: destroy.ms, requests: Number(m[1]) };
}

async function composeRound(engine: Engine, s: Subject, notes: string[]) {
  const dc = (...args: string[]) => ['-p', s.name, '-f', rel(s.file), ...args];
  const up = await run('compose up -d', 'docker-compose', dc('up', '-d'));
  await expectRunning(engine, s.objectPrefix, s.n, 'docker-compose up');
  const noop = await run('compose up -d (no-op)', 'docker-compose', dc('up', '-d'));
  if (/Creating|Recreating|Starting/.test(noop.stderr + noop.stdout)) throw new Error(`the second docker-compose up changed something:\n${noop.stderr}`);
  const down = await run('compose down -v -t 0', 'docker-compose', dc('down', '-v', '-t', '0'));
  if (!(await expectGone(engine, s.objectPrefix, 'docker-compose down', notes))) await s.next();
  return { up: up.ms, noopUp: noop.ms, down: down.ms };
}

async function rawRound(engine: Engine, s: Subject, notes: string[]) {
  const env = { ...process.env, MOOR_COUNT_REQUESTS: '1' };
  const count = (r: TimedRun) => Number(/raw: (\d+) engine requests/.exec(r.stderr)?.[1] ?? NaN);
  const up = await run('raw up', 'node', ['bench/raw.mjs', 'up', s.name, String(s.n), imageTag, String(concurrency)], env);
  await expectRunning(engine, s.objectPrefix, s.n, 'raw up');
  const down = await run('raw down', 'node', ['bench/raw.mjs', 'down', s.name, String(s.n), String(concurrency)], env);
  if (!(await expectGone(engine, s.objectPrefix, 'raw down', notes))) await s.next();
  return { up: up.ms, down: down.ms, upRequests: count(up), downRequests: count(down) };
}

/**
 * A round whose command fails (an engine hiccup, most often the stale-endpoint bug) is recorded in
 * the notes, swept, and run again under a fresh name; its times are not used. Twice is enough.
 */
const RETRIES = 2;
async function withRetry<T>(engine: Engine, s: Subject, notes: string[], round: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await round();
    } catch (e) {
      checkInterrupt();
      if (!(e instanceof CommandError) || attempt >= RETRIES) throw e;
      const lines = e.message.split('\n').filter((l) => l.trim());
      note(notes, `${s.tool} failed and was run again under a fresh name (its times discarded): ${lines.length > 1 ? `${lines[0]} … ${lines.at(-1)}` : lines[0]}`);
      await sweepAll(engine, s.objectPrefix);
      await s.next();
    }
  }
}

// ---------------------------------------------------------------- one size

const TOOLS = ['moor', 'compose', 'raw'] as const;
/** Every order of the three tools, so over six runs each one follows each other one equally often. */
const ORDERS: (typeof TOOLS)[number][][] = [
  ['moor', 'compose', 'raw'], ['compose', 'raw', 'moor'], ['raw', 'moor', 'compose'],
  ['moor', 'raw', 'compose'], ['raw', 'compose', 'moor'], ['compose', 'moor', 'raw'],
];

async function benchSize(engine: Engine, n: number, reps: number, doWarmup: boolean): Promise<SizeResult> {
  const notes: string[] = [];
  const extra: SizeResult['extra'] = {};
  const subjects = { moor: new Subject('moor', n), compose: new Subject('compose', n), raw: new Subject('raw', n) };

  // The type-check cache starts empty (MOOR_CACHE_DIR is ours): the first plan pays for ts-morph.
  log(`N=${n}: first moor plan, empty type-check cache`);
  const moorFile = subjects.moor.file;
  await writeFile(moorFile, moorStack(subjects.moor.name, n, imageTag));
  extra.coldPlanMs = (await run('moor plan (cold cache)', 'node', moorCli('plan', rel(moorFile)), moorEnv)).ms;
  extra.warmPlanMs = (await run('moor plan (warm cache)', 'node', moorCli('plan', rel(moorFile)), moorEnv)).ms;
  await subjects.compose.prepare();

  const samples = {
    moorApply: [] as number[], moorPlan: [] as number[], moorDestroy: [] as number[], planRequests: [] as number[],
    composeUp: [] as number[], composeNoop: [] as number[], composeDown: [] as number[],
    rawUp: [] as number[], rawDown: [] as number[], rawUpRequests: [] as number[], rawDownRequests: [] as number[],
  };
  const rounds = (doWarmup ? 1 : 0) + reps;
  for (let round = 0; round < rounds; round++) {
    const counted = !(doWarmup && round === 0);
    const rep = doWarmup ? round - 1 : round;
    // Vary the order so no tool always runs right after another's tear-down.
    const order = ORDERS[counted ? rep % ORDERS.length : 0]!;
    log(counted ? `N=${n}: run ${rep + 1}/${reps} (${order.join(', ')})` : `N=${n}: warm-up round (not counted)`);
    for (const tool of order) {
      const s = subjects[tool];
      switch (tool) {
        case 'moor': {
          const r = await withRetry(engine, s, notes, () => moorRound(engine, s, notes));
          if (!counted) break;
          samples.moorApply.push(r.apply); samples.moorPlan.push(r.plan); samples.moorDestroy.push(r.destroy); samples.planRequests.push(r.requests);
          break;
        }
        case 'compose': {
          const r = await withRetry(engine, s, notes, () => composeRound(engine, s, notes));
          if (!counted) break;
          samples.composeUp.push(r.up); samples.composeNoop.push(r.noopUp); samples.composeDown.push(r.down);
          break;
        }
        case 'raw': {
          const r = await withRetry(engine, s, notes, () => rawRound(engine, s, notes));
          if (!counted) break;
          samples.rawUp.push(r.up); samples.rawDown.push(r.down); samples.rawUpRequests.push(r.upRequests); samples.rawDownRequests.push(r.downRequests);
          break;
        }
      }
    }
  }

  return {
    n, reps,
    moor: { apply: summarize(samples.moorApply), plan: summarize(samples.moorPlan), destroy: summarize(samples.moorDestroy), planRequests: samples.planRequests },
    compose: { up: summarize(samples.composeUp), noopUp: summarize(samples.composeNoop), down: summarize(samples.composeDown) },
    raw: { up: summarize(samples.rawUp), down: summarize(samples.rawDown), upRequests: samples.rawUpRequests, downRequests: samples.rawDownRequests },
    extra, notes,
  };
}

// ---------------------------------------------------------------- main

export async function main(): Promise<number> {
  const context = path.join(repo, 'bench', 'image');
  if (!(await preflight(context))) return 1;
  handleInterrupts(prefix);

  const engine = harnessEngine();
  const startedAt = new Date();
  const distAtStart = distFingerprint();
  try {
    await mkdir(tmp, { recursive: true });
    const m = await machine(engine, { compose: true });
    log(`prefix ${prefix}; engine ${m.engine.version} (API ${m.engine.apiVersion}); ${m.nproc} CPUs; docker-compose ${m.compose}, parallel limit ${m.composeParallelLimit}`);
    log(`sizes ${sizes.join(', ')}; runs ${sizes.map((_, i) => repsFor(i)).join(', ')}; concurrency ${concurrency}`);
    log(`moor ${m.moorCommit}; dist/ ${m.moorDist}`);

    const t0 = performance.now();
    await buildImage(engine, context, imageTag);
    log(`built ${imageTag} in ${secs(performance.now() - t0)} (not counted)`);

    const results: SizeResult[] = [];
    for (const [i, n] of sizes.entries()) results.push(await benchSize(engine, n, repsFor(i), warmup && i === 0));

    const { atEnd: distEnd, changed: distChanged } = distAtEnd(distAtStart);
    const targets = evaluateTargets(results);
    const table = renderTable(results, concurrency, m.composeParallelLimit ?? 'unknown');
    const reading = renderTargets(targets);
    const finishedAt = new Date();
    const header = runHeader(startedAt, finishedAt, m, distChanged);
    process.stdout.write(`\n${header}\n${table}\n${reading}`);

    const json = { startedAt, finishedAt, prefix, config: { sizes, reps: sizes.map((_, i) => repsFor(i)), concurrency, warmup }, machine: m, dist: { atStart: distAtStart, atEnd: distEnd }, ...quietness, results, targets };
    await saveResults(stampOf(startedAt), json, `${header}\n${table}\n${reading}`);
    return 0;
  } catch (e) {
    return failed(e);
  } finally {
    await childGone();
    await finalSweep(engine, prefix, imageTag, log);
    engine.close();
    await rm(tmp, { recursive: true, force: true });
  }
}
