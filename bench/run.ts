/**
 * moor's benchmark: moor vs docker-compose vs the raw Engine API floor, on the same engine, for
 * stacks of N containers (one volume each, one network, `sleep 3600` from one local image).
 * Run it with `npm run bench` (scripts/bench.sh prepares the engine, busybox and dist/).
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
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Engine } from './lib/engine-http.mjs';
import { buildImage, engineFacts, harnessEngine, listOwned, ownedCount, sweepAll, type EngineFacts } from './lib/engine.js';
import { evaluateTargets, renderTable, renderTargets, type SizeResult } from './lib/report.js';
import { settle } from './lib/settle.js';
import { composeFile, moorStack } from './lib/stacks.js';
import { summarize } from './lib/stats.js';
import { CommandError, currentChild, timedOk, type TimedRun } from './lib/timed.js';

const repo = path.resolve(import.meta.dirname, '..');
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

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
const moorEnv = { ...process.env, MOOR_CACHE_DIR: path.join(tmp, 'moor-cache'), NO_COLOR: '1' };

// ---------------------------------------------------------------- interrupts

let interrupted: NodeJS.Signals | undefined;
class Interrupted extends Error {}
function onSignal(signal: NodeJS.Signals) {
  if (interrupted) {
    log(`${signal} again: still removing what the benchmark created, please wait`);
    return;
  }
  interrupted = signal;
  log(`${signal}: stopping, then removing everything named ${prefix}…`);
  currentChild()?.kill('SIGTERM');
}
const checkInterrupt = () => {
  if (interrupted) throw new Interrupted(`interrupted by ${interrupted}`);
};

// ---------------------------------------------------------------- one tool's steps

/** Timed commands that started on a machine that would not quiet down (see settle). */
const busyStarts: string[] = [];
let timedCommands = 0;

async function run(label: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<TimedRun> {
  checkInterrupt();
  const quiet = await settle();
  timedCommands++;
  if (!quiet.quiet) busyStarts.push(`${label} (CPUs ${Math.round(quiet.idle * 100)}% idle)`);
  checkInterrupt();
  const r = await timedOk(cmd, args, { cwd: repo, ...(env ? { env } : {}) }).catch((e: Error) => {
    checkInterrupt();
    throw e;
  });
  log(`  ${label}: ${secs(r.ms)}${quiet.quiet ? '' : ` (started on a busy machine: CPUs ${Math.round(quiet.idle * 100)}% idle after ${secs(quiet.ms)})`}`);
  return r;
}

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
const rel = (p: string) => path.relative(repo, p);

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
  const plan = await run('moor plan (no-op)', 'node', moorCli('plan', file), { ...moorEnv, MOOR_COUNT_REQUESTS: '1' });
  if (!/No changes/.test(plan.stdout)) throw new Error(`moor plan after apply is not empty:\n${plan.stdout}`);
  const m = /moor: (\d+) engine requests/.exec(plan.stderr);
  if (!m) throw new Error(`moor plan did not report its request count (MOOR_COUNT_REQUESTS=1):\n${plan.stderr}`);
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

// ---------------------------------------------------------------- the machine

function quiet(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** COMPOSE_PARALLEL_LIMIT, or compose 1.x's built-in default read with compose's own interpreter. */
function composeParallelLimit(): string {
  if (process.env.COMPOSE_PARALLEL_LIMIT) return `${process.env.COMPOSE_PARALLEL_LIMIT} (COMPOSE_PARALLEL_LIMIT)`;
  const script = quiet('sh', ['-c', 'command -v docker-compose']);
  let python = 'python3';
  try {
    const shebang = /^#!\s*(\S*python\S*)/.exec(readFileSync(script ?? '', 'utf8').split('\n', 1)[0] ?? '');
    if (shebang) python = shebang[1]!;
  } catch { /* not a script: try python3 */ }
  const dflt = quiet(python, ['-c', 'from compose.const import PARALLEL_LIMIT; print(PARALLEL_LIMIT)']);
  return dflt ? `${dflt} (default)` : 'unknown (default)';
}

/** Newest modification time of the sources under `dirs`, to tell whether dist/ was built from them. */
function newestSource(dirs: string[]): number {
  let newest = 0;
  const visit = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (p.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of dirs) if (existsSync(path.join(repo, d))) visit(path.join(repo, d));
  return newest;
}

/**
 * A content hash of the bundles bin/moor.js runs (dist/*.mjs, dist/chunks/*.mjs). If it changes
 * during a run, the run mixed two builds of moor; a rebuild of the same sources does not count.
 */
function distFingerprint(): string {
  const hash = createHash('sha256');
  for (const dir of [path.join(repo, 'dist'), path.join(repo, 'dist', 'chunks')]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.mjs') || x.endsWith('.js')).sort()) {
      hash.update(`${path.relative(repo, path.join(dir, f))}\0`).update(readFileSync(path.join(dir, f)));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

/** What bin/moor.js runs: dist/cli.mjs (bundled by `npm run build`). */
function distState(): string {
  const cli = path.join(repo, 'dist', 'cli.mjs');
  if (!existsSync(cli)) return 'unknown';
  return statSync(cli).mtimeMs >= newestSource(['core', 'providers']) ? 'built from the current sources' : 'OLDER than core/ or providers/ sources (run npm run build)';
}

interface Machine {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  engine: EngineFacts;
  node: string;
  compose: string;
  composeParallelLimit: string;
  moorCommit: string;
  moorDist: string;
}

async function machine(engine: Engine): Promise<Machine> {
  return {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    engine: await engineFacts(engine),
    node: process.version,
    compose: quiet('docker-compose', ['version', '--short']) ?? 'unknown',
    composeParallelLimit: composeParallelLimit(),
    moorCommit: `${quiet('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown'}${quiet('git', ['status', '--porcelain', '--', 'core', 'providers', 'bin']) ? ' (with uncommitted changes in core/, providers/ or bin/)' : ''}`,
    moorDist: distState(),
  };
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const context = path.join(repo, 'bench', 'image');
  if (!existsSync(path.join(context, 'busybox'))) {
    log('bench/image/busybox is missing: run `npm run bench` (scripts/bench.sh copies the static busybox there)');
    return 1;
  }
  const version = await timedOk('node', ['bin/moor.js', 'help'], { cwd: repo }).catch((e: Error) => e);
  if (version instanceof Error) {
    log(`moor does not run (is dist/ built? \`npm run build\`): ${version.message}`);
    return 1;
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const engine = harnessEngine();
  const startedAt = new Date();
  const distAtStart = distFingerprint();
  try {
    await mkdir(tmp, { recursive: true });
    const m = await machine(engine);
    log(`prefix ${prefix}; engine ${m.engine.version} (API ${m.engine.apiVersion}); ${m.nproc} CPUs; docker-compose ${m.compose}, parallel limit ${m.composeParallelLimit}`);
    log(`sizes ${sizes.join(', ')}; runs ${sizes.map((_, i) => repsFor(i)).join(', ')}; concurrency ${concurrency}`);
    log(`moor ${m.moorCommit}; dist/ ${m.moorDist}`);

    const t0 = performance.now();
    await buildImage(engine, context, imageTag);
    log(`built ${imageTag} in ${secs(performance.now() - t0)} (not counted)`);

    const results: SizeResult[] = [];
    for (const [i, n] of sizes.entries()) results.push(await benchSize(engine, n, repsFor(i), warmup && i === 0));

    const distAtEnd = distFingerprint();
    const distChanged = distAtEnd !== distAtStart;
    if (distChanged) log('WARNING: dist/ changed during the run (someone rebuilt moor from other sources): the results mix two builds of moor; run again');
    const targets = evaluateTargets(results);
    const table = renderTable(results, concurrency, m.composeParallelLimit);
    const reading = renderTargets(targets);
    const finishedAt = new Date();
    const header = [
      `Run ${startedAt.toISOString()} (${Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000)} s), moor ${m.moorCommit}, dist/ ${m.moorDist}.`,
      ...(distChanged ? ['**WARNING: dist/ changed during this run, so its moor numbers mix two builds. Run again.**', ''] : []),
      `Every timed command started once the CPUs were ≥ 85% idle (waiting up to 5 s); ${busyStarts.length} of ${timedCommands} started on a busy machine${busyStarts.length ? ` (${busyStarts.slice(0, 4).join('; ')}${busyStarts.length > 4 ? '; …' : ''})` : ''}.`,
      `Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB; Docker Engine ${m.engine.version} (API ${m.engine.apiVersion}), ${m.engine.storageDriver}, cgroup ${m.engine.cgroup}, ${m.engine.os}, kernel ${m.engine.kernel}; node ${m.node}; docker-compose ${m.compose}.`,
      '',
    ].join('\n');
    process.stdout.write(`\n${header}\n${table}\n${reading}`);

    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    const dir = path.join(repo, 'bench', 'results');
    await mkdir(dir, { recursive: true });
    const json = { startedAt, finishedAt, prefix, config: { sizes, reps: sizes.map((_, i) => repsFor(i)), concurrency, warmup }, machine: m, dist: { atStart: distAtStart, atEnd: distAtEnd }, busyStarts, timedCommands, results, targets };
    await writeFile(path.join(dir, `${stamp}.json`), JSON.stringify(json, null, 2) + '\n');
    await writeFile(path.join(dir, `${stamp}.md`), `${header}\n${table}\n${reading}`);
    log(`results: bench/results/${stamp}.json (and .md)`);
    return 0;
  } catch (e) {
    if (e instanceof Interrupted) log(e.message);
    else log(`failed: ${(e as Error)?.stack ?? String(e)}`);
    return interrupted ? 130 : 1;
  } finally {
    // Let a child that was told to stop finish dying, so its last request cannot land after the sweep.
    const child = currentChild();
    if (child) await new Promise((r) => child.once('close', r));
    await sweepAll(engine, prefix, imageTag).catch((e: Error) => log(`cleanup: ${e.message}`));
    const left = ownedCount(await listOwned(engine, prefix).catch(() => ({ containers: [], volumes: [], networks: [] })));
    if (left) log(`cleanup: ${left} object(s) named ${prefix}… could not be removed; remove them by hand`);
    else log(`cleanup: nothing named ${prefix}… is left on the engine`);
    engine.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

process.exitCode = await main();
