/**
 * The volume migration benchmark: `moor apply --replace data --yes` on a `migrate: true` volume
 * of N MiB used by one container, against the raw floor doing the same safe work with plain
 * Engine API calls and busybox tar (bench/raw-migrate.mjs), interleaved in one run.
 * Run it with `npm run bench:migrate` (or `npm run bench -- migrate`).
 *
 * Environment:
 *   BENCH_MIGRATE_MIB=256      data in the volume: MiB−8 random files of 1 MiB + the small files
 *   BENCH_MIGRATE_SMALL=2000   small files (0–8 KiB, ≈ 8 MiB for 2,000) in nested directories
 *   BENCH_MIGRATE_REPS=5       timed migrations per tool
 *   BENCH_WARMUP=1             one untimed migration of each tool first (0 to skip)
 *
 * After every migration the volume is listed (modes, owners, sizes, links, the sha256 of every
 * file) and must list exactly as it did after the fill; the container must run again and the
 * volume must have been created anew. Every engine object is named mbench<hex>… and removed in
 * `finally`, on failure and on Ctrl-C too. Nothing else on the engine is touched (moor imports
 * its empty helper image moor-helper:1 when the engine lacks it, and it is left there, as moor
 * leaves it).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Engine } from '../lib/engine-http.mjs';
import { buildImage, finalSweep, harnessEngine, listOwned } from '../lib/engine.js';
import { childGone, failed, handleInterrupts, type HarnessRun, log, preflight, quietness, rel, repo, run, saveResults, secs, stampOf } from '../lib/harness.js';
import { distAtEnd, distFingerprint, machine, runHeader } from '../lib/machine.js';
import { renderMigration, type MigrationResult, type Tool } from '../lib/migrate-report.js';
import { migrateStack } from '../lib/stacks.js';
import { summarize } from '../lib/stats.js';
import { cloneVolume, fillVolume, listingDifferences, listingTotals, listVolume } from '../lib/volume-check.js';

// ---------------------------------------------------------------- configuration

function whole(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: expected a whole number ≥ ${min}, got "${raw}"`);
  return n;
}

const SMALL_MIB = 8;

// ---------------------------------------------------------------- the two tools

interface Subject {
  tool: Tool;
  /** What every engine object of this tool starts with. */
  objectPrefix: string;
  volume: string;
  container: string;
}

interface Sample {
  ms: number;
  /** CPU time of the whole machine during the command. */
  machineCpuMs: number;
  /**
   * The migration's two halves as the tool times them, in ms: stash (copy aside, verify, remove
   * the old volume) and restore (create the new volume, copy back, verify, remove the stash).
   */
  stash?: number;
  restore?: number;
  /**
   * moor's phases as it times them with MOOR_PHASE_TIMES=1 (`moor-phase: <name> <ms> <cpu ms>`):
   * wall ms by phase name, and `<name>.cpu` for the CPU time of moor's process in it. A copy's
   * phases (copy.stream, copy.read-back) are named after the half they belong to.
   */
  phases?: Record<string, number>;
}

type Steps = Pick<Sample, 'stash' | 'restore' | 'phases'>;

/** moor's `moor-phase:` lines; the copy phases before the stash step's own line are the stash's. */
export function moorPhases(stderr: string): Record<string, number> {
  const out: Record<string, number> = {};
  let half = 'stash';
  for (const m of stderr.matchAll(/^moor-phase: (\S+) (\d+) (\d+)$/gm)) {
    const [, name, ms, cpu] = m;
    const key = name!.startsWith('copy.') ? `${half}.${name}` : name!;
    out[key] = (out[key] ?? 0) + Number(ms);
    out[`${key}.cpu`] = (out[`${key}.cpu`] ?? 0) + Number(cpu);
    if (name === 'migrate.stash') half = 'restore';
  }
  return out;
}

/** moor's own step times, from its progress lines: `✓ volume data: data restored and verified in 1.23s`. */
function moorSteps(out: string): Steps {
  const step = (re: RegExp) => {
    const m = re.exec(out);
    return m ? Number(m[1]) * 1000 : undefined;
  };
  return {
    stash: step(/volume data: data (?:copied aside|stashed)[^\n]* in ([\d.]+)s/),
    restore: step(/volume data: data restored[^\n]* in ([\d.]+)s/),
  };
}

/** The raw floor's `raw: steps {…}` line (milliseconds). */
function rawSteps(stderr: string): Steps {
  const m = /raw: steps (\{.*\})/.exec(stderr);
  if (!m) return {};
  const s = JSON.parse(m[1]!) as Record<string, number>;
  return { stash: s.stash, restore: s.restore };
}

// ---------------------------------------------------------------- one run's context

interface Bench {
  engine: Engine;
  prefix: string;
  imageTag: string;
  stackFile: string;
  moorEnv: NodeJS.ProcessEnv;
  subjects: Record<Tool, Subject>;
  /** A name for one of the harness's own containers (fill, clone, list); no two alike. */
  helperName(what: string): string;
}

/** moor's stack applied (untimed); the raw floor's volume and container made by hand. */
async function setUp(b: Bench): Promise<void> {
  const { engine, subjects } = b;
  await writeFile(b.stackFile, migrateStack(`${b.prefix}m`, b.imageTag));
  await run('moor apply (untimed: creates the stack, warms the type-check cache)', 'node', ['bin/moor.js', 'apply', rel(b.stackFile), '--yes'], b.moorEnv);
  await engine.request('POST', '/volumes/create', { body: { Name: subjects.raw.volume, Driver: 'local' } });
  const { Id } = await engine.request<{ Id: string }>('POST', `/containers/create?name=${encodeURIComponent(subjects.raw.container)}`, {
    body: { Image: b.imageTag, Cmd: ['sleep', '3600'], HostConfig: { Mounts: [{ Type: 'volume', Source: subjects.raw.volume, Target: '/data' }] } },
  });
  await engine.request('POST', `/containers/${Id}/start`);
}

/** Fill moor's volume, clone it into the raw floor's, and return the listing both must keep. */
async function fillData(b: Bench, big: number, small: number): Promise<string> {
  const { engine, imageTag, subjects } = b;
  await fillVolume(engine, b.helperName('fill'), imageTag, subjects.moor.volume, big, small);
  await cloneVolume(engine, b.helperName('clone'), imageTag, subjects.moor.volume, subjects.raw.volume);
  const reference = await listVolume(engine, b.helperName('list'), imageTag, subjects.moor.volume);
  const cloned = await listVolume(engine, b.helperName('list'), imageTag, subjects.raw.volume);
  const diff = listingDifferences(reference, cloned);
  if (diff.length) throw new Error(`the raw floor's copy of the data does not list like the original:\n  ${diff.join('\n  ')}`);
  return reference;
}

/** One timed migration by one tool, then checked: a broken copy stops the run. */
async function migrateOnce(b: Bench, s: Subject, reference: string): Promise<Sample> {
  const { engine } = b;
  const label = s.tool === 'moor' ? 'moor apply --replace data' : 'raw migrate';
  const inspect = () => engine.request<{ Id: string; State: { Running: boolean } }>('GET', `/containers/${encodeURIComponent(s.container)}/json`);
  const before = await inspect();
  // Dirty pages the other tool left are written out now, not during this tool's run.
  execFileSync('sync');
  const startedWall = Date.now();
  let r: HarnessRun;
  let steps: Steps;
  if (s.tool === 'moor') {
    r = await run(label, 'node', ['bin/moor.js', 'apply', rel(b.stackFile), '--replace', 'data', '--yes'], b.moorEnv);
    if (!/\b1 migrated\b/.test(r.stdout + r.stderr)) throw new Error(`moor apply --replace data did not migrate the volume:\n${r.stdout}${r.stderr}`);
    steps = { ...moorSteps(r.stdout + r.stderr), phases: moorPhases(r.stderr) };
  } else {
    r = await run(label, 'node', ['bench/raw-migrate.mjs', `${b.prefix}r`, b.imageTag]);
    steps = rawSteps(r.stderr);
  }
  // Checked, not trusted: the container runs again (a new one), the volume is new, nothing
  // else of the tool's is left (stash, marker, helpers), and the data lists as it did.
  const after = await inspect();
  if (!after.State.Running) throw new Error(`after ${label}: ${s.container} is not running`);
  if (after.Id === before.Id) throw new Error(`after ${label}: ${s.container} was not recreated`);
  const vol = await engine.request<{ CreatedAt: string }>('GET', `/volumes/${encodeURIComponent(s.volume)}`);
  // CreatedAt has whole seconds.
  if (Date.parse(vol.CreatedAt) < Math.floor(startedWall / 1000) * 1000 - 1000) throw new Error(`after ${label}: ${s.volume} was created at ${vol.CreatedAt}, before the migration started`);
  const owned = await listOwned(engine, s.objectPrefix);
  const extra = [...owned.containers.map((c) => c.name).filter((n) => n !== s.container), ...owned.volumes.filter((v) => v !== s.volume), ...owned.networks.map((x) => x.name)];
  if (extra.length) throw new Error(`after ${label}: left behind: ${extra.join(', ')}`);
  const listing = await listVolume(engine, b.helperName('list'), b.imageTag, s.volume);
  const diff = listingDifferences(reference, listing);
  if (diff.length) throw new Error(`after ${label}: ${s.volume} does not hold the data it held before:\n  ${diff.join('\n  ')}`);
  return { ms: r.ms, machineCpuMs: r.machineCpuMs, ...steps };
}

/** A summary of one measure, or none when some run lacks it (a tool that did not report its steps). */
function summary(xs: Sample[], pick: (s: Sample) => number | undefined) {
  const v = xs.map(pick).filter((x): x is number => x !== undefined && Number.isFinite(x));
  return v.length === xs.length ? summarize(v) : undefined;
}

const toolResult = (xs: Sample[]) => ({
  total: summarize(xs.map((s) => s.ms)),
  machineCpu: summary(xs, (s) => s.machineCpuMs),
  stash: summary(xs, (s) => s.stash),
  restore: summary(xs, (s) => s.restore),
  phases: Object.fromEntries([...new Set(xs.flatMap((s) => Object.keys(s.phases ?? {})))].map((k) => [k, summary(xs, (s) => s.phases?.[k])])),
});

// ---------------------------------------------------------------- main

export async function main(): Promise<number> {
  const mib = whole('BENCH_MIGRATE_MIB', 256, SMALL_MIB + 8);
  const small = whole('BENCH_MIGRATE_SMALL', 2000, 0);
  const reps = whole('BENCH_MIGRATE_REPS', 5, 1);
  const warmup = process.env.BENCH_WARMUP !== '0';
  const big = mib - SMALL_MIB;

  const context = path.join(repo, 'bench', 'image');
  if (!(await preflight(context))) return 1;
  const prefix = `mbench${randomBytes(3).toString('hex')}`;
  const imageTag = `${prefix}-img:latest`;
  const tmp = path.join(repo, 'bench', '.tmp', prefix);
  let helpers = 0;
  const b: Bench = {
    engine: harnessEngine(),
    prefix,
    imageTag,
    stackFile: path.join(tmp, 'migrate.ts'),
    // moor's caches and apply locks stay in our own directory, removed at the end.
    moorEnv: { ...process.env, MOOR_PHASE_TIMES: '1', MOOR_CACHE_DIR: path.join(tmp, 'moor-cache'), MOOR_LOCK_DIR: path.join(tmp, 'locks'), NO_COLOR: '1' },
    subjects: {
      moor: { tool: 'moor', objectPrefix: `${prefix}m-`, volume: `${prefix}m-data`, container: `${prefix}m-app` },
      raw: { tool: 'raw', objectPrefix: `${prefix}r-`, volume: `${prefix}r-data`, container: `${prefix}r-app` },
    },
    helperName: (what) => `${prefix}-${what}-${++helpers}`,
  };
  const { engine } = b;
  handleInterrupts(prefix);
  const startedAt = new Date();
  const distAtStart = distFingerprint();

  try {
    await mkdir(tmp, { recursive: true });
    const m = await machine(engine, { compose: false });
    log(`prefix ${prefix}; engine ${m.engine.version} (API ${m.engine.apiVersion}); ${m.nproc} CPUs`);
    log(`${mib} MiB (${big} × 1 MiB + ${small} small files); ${reps} runs per tool${warmup ? ' after one warm-up' : ''}`);
    log(`moor ${m.moorCommit}; dist/ ${m.moorDist}`);

    let t0 = performance.now();
    await buildImage(engine, context, imageTag);
    log(`built ${imageTag} in ${secs(performance.now() - t0)} (not counted)`);
    await setUp(b);
    t0 = performance.now();
    const reference = await fillData(b, big, small);
    const totals = listingTotals(reference);
    log(`filled: ${(totals.bytes / 2 ** 20).toFixed(1)} MiB in ${totals.files} files, ${totals.directories} directories, ${totals.entries} entries, in ${secs(performance.now() - t0)} (not counted)`);

    // Interleaved: the tools take turns going first (moor in runs 1, 3, 5…).
    const samples: Record<Tool, Sample[]> = { moor: [], raw: [] };
    const rounds = (warmup ? 1 : 0) + reps;
    for (let round = 0; round < rounds; round++) {
      const counted = !(warmup && round === 0);
      const rep = warmup ? round - 1 : round;
      const order: Tool[] = counted && rep % 2 === 1 ? ['raw', 'moor'] : ['moor', 'raw'];
      log(counted ? `run ${rep + 1}/${reps} (${order.join(', ')})` : 'warm-up round (not counted)');
      for (const tool of order) {
        const sample = await migrateOnce(b, b.subjects[tool], reference);
        if (counted) samples[tool].push(sample);
      }
    }

    const { atEnd: distEnd, changed: distChanged } = distAtEnd(distAtStart);
    const result: MigrationResult = { mib, small, reps, totals, tools: { moor: toolResult(samples.moor), raw: toolResult(samples.raw) } };
    const table = renderMigration(result);
    const finishedAt = new Date();
    const header = runHeader(startedAt, finishedAt, m, distChanged);
    process.stdout.write(`\n${header}\n${table}`);

    const json = { scenario: 'migrate', startedAt, finishedAt, prefix, config: { mib, small, reps, warmup }, machine: m, dist: { atStart: distAtStart, atEnd: distEnd }, ...quietness, samples, result };
    await saveResults(`migrate-${stampOf(startedAt)}`, json, `${header}\n${table}`);
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
