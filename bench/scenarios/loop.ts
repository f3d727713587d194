/**
 * The speed of the edit-plan loop: moor's short commands against `node -e 0` (the floor of any
 * Node CLI) timed in the same rounds, interleaved, as whole processes with their CPU time.
 * `npm run bench:loop` (= npm run bench -- loop).
 *
 *   `moor version`, `moor --help`, `moor plan --help`        target ≤ 1.5× node -e 0
 *   `moor plan` of the applied demo stack, caches warm       target ≤ 3×
 *   `moor plan` right after an edit of the stack file        target ≤ 8× (TypeScript 7's native
 *     (type-check and compiled-stack caches miss)            compiler); also MOOR_TYPECHECK=ts-morph
 *
 * Environment:
 *   BENCH_ROUNDS=15    timed rounds (every command once per round)
 *   BENCH_WARMUP=1     one untimed round first (0 skips it)
 *
 * The demo stack (stacks/demo.ts, copied and renamed mbench<hex>) is applied once, untimed; every
 * engine object it makes is named mbench<hex>…; the stack is destroyed and everything with the
 * prefix swept in `finally`, on failure and on Ctrl-C too. Nothing else on the engine is touched.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { runWithCpu } from '../lib/cpu-time.js';
import { finalSweep, harnessEngine, listOwned } from '../lib/engine.js';
import { childGone, failed, handleInterrupts, log, preflight, quietness, rel, repo, run, saveResults, stampOf } from '../lib/harness.js';
import { evaluate, renderLoopTable, renderLoopTargets, type CommandSamples } from '../lib/loop-report.js';
import { editStack, writeDemoStack } from '../lib/loop-stack.js';
import { distAtEnd, distFingerprint, machine, runHeader } from '../lib/machine.js';
import { timed } from '../lib/timed.js';

// ---------------------------------------------------------------- configuration

function whole(name: string, fallback: number, min: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: expected a whole number ≥ ${min}, got "${v}"`);
  return n;
}

const rounds = whole('BENCH_ROUNDS', 15, 1);
const warmup = process.env.BENCH_WARMUP !== '0';

const prefix = `mbench${randomBytes(3).toString('hex')}`;
const tmp = path.join(repo, 'bench', '.tmp', prefix);
const cache = path.join(tmp, 'moor-cache');
const moorEnv: NodeJS.ProcessEnv = { ...process.env, MOOR_CACHE_DIR: cache, MOOR_LOCK_DIR: path.join(tmp, 'locks'), NO_COLOR: '1' };
delete moorEnv.MOOR_TYPECHECK;
/** The image moor builds for the demo (model/names.ts builtImageRef). */
const imageTag = `${prefix}-shop-tools:latest`;

// Three copies of one stack: planned unchanged, edited before each native-compiler plan, edited
// before each ts-morph plan. Separate files, so an edit of one never makes another plan cold.
const files = {
  warm: path.join(tmp, 'demo.ts'),
  edited: path.join(tmp, 'demo-edited.ts'),
  editedTsMorph: path.join(tmp, 'demo-edited-ts-morph.ts'),
};

// ---------------------------------------------------------------- cache evidence

/** What moor's caches hold: type-check records, and the compiled-stack manifests' modification times. */
async function cacheState(): Promise<{ records: number; manifests: string }> {
  const list = (dir: string) => readdir(dir).catch(() => [] as string[]);
  const records = (await list(path.join(cache, 'typecheck'))).filter((f) => f.endsWith('.json')).length;
  const manifests = (await list(path.join(cache, 'stacks'))).filter((f) => f.endsWith('.json')).sort();
  const times = await Promise.all(manifests.map(async (f) => `${f}@${(await stat(path.join(cache, 'stacks', f))).mtimeMs}`));
  return { records, manifests: times.join(',') };
}

/** A warm plan must leave the caches as they were; an edited one must add a type-check record and rewrite a bundle manifest. */
function checkCaches(before: Awaited<ReturnType<typeof cacheState>>, after: typeof before, expectMiss: boolean, what: string): void {
  const missed = after.records === before.records + 1 && after.manifests !== before.manifests;
  const untouched = after.records === before.records && after.manifests === before.manifests;
  if (expectMiss ? !missed : !untouched) {
    throw new Error(`${what}: expected the type-check and compiled-stack caches to ${expectMiss ? 'miss' : 'hit'} (records ${before.records} → ${after.records}, manifests ${after.manifests === before.manifests ? 'unchanged' : 'rewritten'})`);
  }
}

// ---------------------------------------------------------------- the commands

interface Command {
  id: string;
  label: string;
  target?: number;
  /** Untimed preparation before each timed run (the edit). */
  before?: (tag: string) => Promise<void>;
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** The output must show the command did its job; and the caches must have hit or missed as intended. */
  check: (stdout: string) => boolean;
  expectMiss?: boolean;
}

const noChanges = (out: string) => /No changes/.test(out);
const moor = (...args: string[]) => ['bin/moor.js', ...args];

const COMMANDS: Command[] = [
  { id: 'node', label: '`node -e 0`', cmd: 'node', args: ['-e', '0'], check: () => true },
  { id: 'version', label: '`moor version`', target: 1.5, cmd: 'node', args: moor('version'), env: moorEnv, check: (o) => /^moor \d/.test(o) },
  { id: 'help', label: '`moor --help`', target: 1.5, cmd: 'node', args: moor('--help'), env: moorEnv, check: (o) => /Usage: moor/.test(o) },
  { id: 'planHelp', label: '`moor plan --help`', target: 1.5, cmd: 'node', args: moor('plan', '--help'), env: moorEnv, check: (o) => /moor plan/.test(o) },
  { id: 'planWarm', label: '`moor plan` of the applied demo, caches warm', target: 3, cmd: 'node', args: moor('plan', rel(files.warm)), env: moorEnv, check: noChanges, expectMiss: false },
  {
    id: 'planEdited', label: '`moor plan` after an edit (TypeScript 7 native type-check, cold caches)', target: 8,
    before: (tag) => editStack(files.edited, tag),
    cmd: 'node', args: moor('plan', rel(files.edited)), env: moorEnv, check: noChanges, expectMiss: true,
  },
  {
    id: 'planEditedTsMorph', label: '`moor plan` after an edit, `MOOR_TYPECHECK=ts-morph` (the old path)',
    before: (tag) => editStack(files.editedTsMorph, tag),
    cmd: 'node', args: moor('plan', rel(files.editedTsMorph)), env: { ...moorEnv, MOOR_TYPECHECK: 'ts-morph' }, check: noChanges, expectMiss: true,
  },
];

/** Round r runs the commands rotated by r, backwards in odd rounds: no command always follows the same one. */
function orderOf(r: number): Command[] {
  const k = COMMANDS.length;
  const rotated = COMMANDS.map((_, i) => COMMANDS[(i + r) % k]!);
  return r % 2 ? rotated.reverse() : rotated;
}

async function runCommand(c: Command, tag: string) {
  await c.before?.(tag);
  const cachesBefore = c.expectMiss === undefined ? undefined : await cacheState();
  const r = await runWithCpu(`${c.id} (${tag})`, tmp, c.cmd, c.args, c.env);
  if (!c.check(r.stdout)) throw new Error(`${[c.cmd, ...c.args].join(' ')}: unexpected output:\n${(r.stdout + r.stderr).trim().split('\n').slice(-15).join('\n')}`);
  if (cachesBefore) checkCaches(cachesBefore, await cacheState(), c.expectMiss!, `${c.id} (${tag})`);
  return r;
}

// ---------------------------------------------------------------- main

export async function main(): Promise<number> {
  if (!(await preflight(path.join(repo, 'bench', 'image')))) return 1;
  handleInterrupts(prefix);
  const engine = harnessEngine();
  const startedAt = new Date();
  const distAtStart = distFingerprint();
  let applied = false;
  try {
    await mkdir(tmp, { recursive: true });
    const m = await machine(engine, { compose: false });
    log(`prefix ${prefix}; engine ${m.engine.version} (API ${m.engine.apiVersion}); ${m.nproc} CPUs; moor ${m.moorCommit}; dist/ ${m.moorDist}`);
    log(`rounds ${rounds}${warmup ? ' after one untimed warm-up round' : ''}; ${COMMANDS.length} commands each`);

    const { port } = await writeDemoStack(repo, tmp, prefix, Object.values(files));
    log(`demo stack ${prefix} (web on 127.0.0.1:${port}): apply, untimed`);
    applied = true;
    await run('moor apply (untimed)', 'node', moor('apply', rel(files.warm), '--yes'), moorEnv);
    const owned = await listOwned(engine, `${prefix}-`);
    if (owned.containers.filter((c) => c.state === 'running').length !== 2) throw new Error(`after moor apply: expected the demo's 2 containers running, found ${owned.containers.map((c) => `${c.name} (${c.state})`).join(', ') || 'none'}`);

    const samples = new Map<string, CommandSamples>(COMMANDS.map((c) => [c.id, { id: c.id, label: c.label, ...(c.target !== undefined ? { target: c.target } : {}), wallMs: [], userMs: [], sysMs: [], machineCpuMs: [] }]));
    const total = (warmup ? 1 : 0) + rounds;
    for (let round = 0; round < total; round++) {
      const counted = !(warmup && round === 0);
      const n = warmup ? round : round + 1;
      const tag = counted ? `round ${n}` : 'warm-up';
      log(counted ? `round ${n}/${rounds}` : 'warm-up round (not counted)');
      for (const c of orderOf(round)) {
        const r = await runCommand(c, `${tag} ${randomBytes(3).toString('hex')}`);
        if (!counted) continue;
        const s = samples.get(c.id)!;
        s.wallMs.push(r.ms); s.userMs.push(r.userMs); s.sysMs.push(r.sysMs); s.machineCpuMs!.push(r.machineCpuMs);
      }
    }

    const { atEnd, changed } = distAtEnd(distAtStart);
    const [baseline, ...rest] = COMMANDS.map((c) => samples.get(c.id)!);
    const results = evaluate(baseline!, rest);
    const finishedAt = new Date();
    const header = runHeader(startedAt, finishedAt, m, changed);
    const method = 'Each command runs under bash\'s `time` (CPU: user + system of the process and everything it waited for); the wall time is spawn to exit of that wrapper, the same ≈ 2–3 ms for every command. Edited plans get a new comment at the end of their stack file before each run: the type-check and compiled-stack caches miss (checked after every run).\n';
    const md = `${header}\n${renderLoopTable(results, rounds)}\n${method}\n${renderLoopTargets(results)}`;
    process.stdout.write(`\n${md}`);
    const json = { scenario: 'loop', startedAt, finishedAt, prefix, config: { rounds, warmup }, machine: m, dist: { atStart: distAtStart, atEnd }, ...quietness, results, samples: [...samples.values()] };
    await saveResults(`loop-${stampOf(startedAt)}`, json, md);
    return 0;
  } catch (e) {
    return failed(e);
  } finally {
    await childGone();
    if (applied) {
      // Not run(): it refuses to start after an interrupt, and this must run then too.
      const d = await timed('node', moor('destroy', rel(files.warm), '--yes', '--volumes'), { cwd: repo, env: moorEnv }).catch((e: Error) => e);
      if (d instanceof Error || d.code !== 0) log(`moor destroy failed (the sweep removes what is left): ${d instanceof Error ? d.message : d.stderr.trim().split('\n').slice(-3).join(' ')}`);
    }
    await finalSweep(engine, prefix, imageTag, log);
    engine.close();
    await rm(tmp, { recursive: true, force: true });
  }
}
