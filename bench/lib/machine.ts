/**
 * What a result needs to be read later: the machine, the engine, the tools' versions, which moor
 * was measured, and whether dist/ (what bin/moor.js runs) changed during the run.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Engine } from './engine-http.mjs';
import { engineFacts, type EngineFacts } from './engine.js';
import { log, quietnessLine, repo } from './harness.js';

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
 * A content hash of the bundles bin/moor.js runs and stacks import (dist/cli.cjs, dist/*.mjs, dist/chunks/*.mjs). If it changes
 * during a run, the run mixed two builds of moor; a rebuild of the same sources does not count.
 */
export function distFingerprint(): string {
  const hash = createHash('sha256');
  for (const dir of [path.join(repo, 'dist'), path.join(repo, 'dist', 'chunks')]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((x) => /\.[cm]?js$/.test(x)).sort()) {
      hash.update(`${path.relative(repo, path.join(dir, f))}\0`).update(readFileSync(path.join(dir, f)));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

/** What bin/moor.js runs: dist/cli.cjs (bundled by `npm run build`). */
function distState(): string {
  const cli = path.join(repo, 'dist', 'cli.cjs');
  if (!existsSync(cli)) return 'unknown';
  return statSync(cli).mtimeMs >= newestSource(['core', 'providers']) ? 'built from the current sources' : 'OLDER than core/ or providers/ sources (run npm run build)';
}

export interface Machine {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  engine: EngineFacts;
  node: string;
  /** Only for the scenarios that run docker-compose. */
  compose?: string;
  composeParallelLimit?: string;
  moorCommit: string;
  moorDist: string;
}

export async function machine(engine: Engine, opts: { compose: boolean }): Promise<Machine> {
  return {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    engine: await engineFacts(engine),
    node: process.version,
    ...(opts.compose ? { compose: quiet('docker-compose', ['version', '--short']) ?? 'unknown', composeParallelLimit: composeParallelLimit() } : {}),
    moorCommit: `${quiet('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown'}${quiet('git', ['status', '--porcelain', '--', 'core', 'providers', 'bin']) ? ' (with uncommitted changes in core/, providers/ or bin/)' : ''}`,
    moorDist: distState(),
  };
}

/** The report's line about the machine. */
export function machineLine(m: Machine): string {
  const e = m.engine;
  return `Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB; Docker Engine ${e.version} (API ${e.apiVersion}), ${e.storageDriver}, cgroup ${e.cgroup}, ${e.os}, kernel ${e.kernel}; node ${m.node}${m.compose ? `; docker-compose ${m.compose}` : ''}.`;
}

/** dist/ at the end of a run against its start; a warning when it changed (the results then mix two builds). */
export function distAtEnd(atStart: string): { atEnd: string; changed: boolean } {
  const atEnd = distFingerprint();
  const changed = atEnd !== atStart;
  if (changed) log('WARNING: dist/ changed during the run (someone rebuilt moor from other sources): the results mix two builds of moor; run again');
  return { atEnd, changed };
}

/** The first lines of a result: when and how long, which moor, the dist/ warning, how quiet the machine was, the machine. */
export function runHeader(startedAt: Date, finishedAt: Date, m: Machine, distChanged: boolean): string {
  return [
    `Run ${startedAt.toISOString()} (${Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000)} s), moor ${m.moorCommit}, dist/ ${m.moorDist}.`,
    ...(distChanged ? ['**WARNING: dist/ changed during this run, so its moor numbers mix two builds. Run again.**', ''] : []),
    quietnessLine(),
    machineLine(m),
    '',
  ].join('\n');
}
