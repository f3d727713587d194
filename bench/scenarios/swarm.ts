/**
 * Swarm services: moor against `docker stack deploy` of the equivalent compose file, on the same
 * single-node swarm, in the same rounds. `npm run bench -- swarm` (= npm run bench:swarm).
 *
 *   bring up 10 services from nothing, to converged   moor apply   vs  docker stack deploy + the wait until every
 *                                                     task runs (polled by the harness every 100 ms)
 *                                                     target: moor ≤ 1.1× stack deploy + its convergence wait
 *   (also shown: `docker stack deploy --detach=false`, the CLI's own wait, which watches the services one by one)
 *   no-op                                             moor plan    vs  docker stack deploy (again; it re-sends every service)
 *                                                     target: moor ≤ 0.5× stack deploy
 *
 * The swarm: inited (`docker swarm init --advertise-addr 127.0.0.1`) only when the engine is not
 * in one, and left in `finally` (docker_gwbridge removed) only then. Every object is named
 * mbench<hex>…; tear-downs are untimed and wait until the tasks are gone.
 * Environment: BENCH_REPS=5 timed rounds, BENCH_SERVICES=10.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildImage, harnessEngine } from '../lib/engine.js';
import { failed, log, preflight, repo, run, saveResults, secs, stampOf } from '../lib/harness.js';
import { pairedRatio, summarize } from '../lib/stats.js';

const sh = promisify(execFile);
const docker = async (...args: string[]) => (await sh('docker', args, { timeout: 120_000 })).stdout.trim();
const reps = Number(process.env.BENCH_REPS || 5);
const count = Number(process.env.BENCH_SERVICES || 10);
const prefix = `mbench${randomBytes(3).toString('hex')}`;
const tmp = path.join(repo, 'bench', '.tmp', prefix);
const tag = `${prefix}-img:latest`;
const moorEnv: NodeJS.ProcessEnv = { ...process.env, MOOR_CACHE_DIR: path.join(tmp, 'cache'), MOOR_LOCK_DIR: path.join(tmp, 'locks'), NO_COLOR: '1' };

const names = Array.from({ length: count }, (_, i) => `s${i + 1}`);

function moorStack(): string {
  return `import { stack } from 'moor';
export default stack('${prefix}-moor', ({ network, service }) => {
  const net = network('net', { driver: 'overlay' });
${names.map((n) => `  service('${n}', { image: '${tag}', command: ['sleep', '3600'], networks: [net], stopSignal: 'SIGKILL' });`).join('\n')}
});
`;
}

function composeFile(): string {
  return `version: "3.8"
services:
${names.map((n) => `  ${n}:\n    image: ${tag}\n    command: ["sleep", "3600"]\n    networks: [net]\n    stop_signal: SIGKILL\n    deploy:\n      replicas: 1`).join('\n')}
networks:
  net:
    driver: overlay
`;
}

/** Wait until every service of the stack has all its tasks running; the ms it took. */
async function converged(engine: ReturnType<typeof harnessEngine>, stackName: string): Promise<number> {
  const start = performance.now();
  const f = encodeURIComponent(JSON.stringify({ label: [`com.docker.stack.namespace=${stackName}`] }));
  for (;;) {
    const services = await engine.request<{ ID: string; Spec: { Mode: { Replicated?: { Replicas?: number } } } }[]>('GET', `/services?filters=${f}`);
    const tasks = await engine.request<{ ServiceID: string; DesiredState: string; Status: { State: string } }[]>('GET', `/tasks?filters=${encodeURIComponent(JSON.stringify({ 'desired-state': ['running'], label: [`com.docker.stack.namespace=${stackName}`] }))}`);
    const done = services.length === count && services.every((s) => tasks.filter((t) => t.ServiceID === s.ID && t.Status.State === 'running').length === (s.Spec.Mode.Replicated?.Replicas ?? 1));
    if (done) return performance.now() - start;
    if (performance.now() - start > 120_000) throw new Error(`${stackName} did not converge within 120 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Wait until no task container of the name prefix is left (a removed stack's tasks stop asynchronously). */
async function tasksGone(namePrefix: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (!(await docker('ps', '-aq', '--filter', `name=${namePrefix}`))) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`task containers of ${namePrefix} still there after 60 s`);
}

async function removeEverything(): Promise<void> {
  const services = await docker('service', 'ls', '-q', '--filter', `name=${prefix}`).catch(() => '');
  if (services) await docker('service', 'rm', ...services.split('\n')).catch(() => '');
  await tasksGone(prefix).catch(() => undefined);
  const nets = await docker('network', 'ls', '-q', '--filter', `name=${prefix}`).catch(() => '');
  if (nets) await docker('network', 'rm', ...nets.split('\n')).catch(() => '');
}

export async function main(): Promise<number> {
  if (!(await preflight(path.join(repo, 'bench/image')))) return 1;
  const engine = harnessEngine();
  let initedHere = false;
  try {
    if ((await docker('info', '--format', '{{.Swarm.LocalNodeState}}')) === 'inactive') {
      await docker('swarm', 'init', '--advertise-addr', '127.0.0.1');
      initedHere = true;
    }
    await mkdir(tmp, { recursive: true });
    const stackFile = path.join(tmp, 'stack.ts');
    const compose = path.join(tmp, 'compose.yml');
    await writeFile(stackFile, moorStack());
    await writeFile(compose, composeFile());
    await buildImage(engine, path.join(repo, 'bench/image'), tag);
    const moor = (...args: string[]) => ['bin/moor.js', ...args];
    const deploy = ['stack', 'deploy', '--resolve-image', 'never', '-c', compose];
    const t = { moorApply: [] as number[], moorPlan: [] as number[], deployConverged: [] as number[], deployNoop: [] as number[], deployCliWait: [] as number[] };
    // One untimed round first (type-check cache, engine caches), then the timed ones.
    for (let round = 0; round <= reps; round++) {
      const timedRound = round > 0;
      log(timedRound ? `round ${round}/${reps}` : 'warm-up round (untimed)');
      const a = await run('moor apply', 'node', moor('apply', stackFile, '--yes', '--concurrency', '4'), moorEnv);
      const p = await run('moor plan (no-op)', 'node', moor('plan', stackFile), moorEnv);
      if (!/No changes\./.test(p.stdout)) throw new Error(`moor's no-op plan has changes:\n${p.stdout}`);
      await run('moor destroy (untimed)', 'node', moor('destroy', stackFile, '--yes'), moorEnv);
      await tasksGone(`${prefix}-moor`);
      const d = await run('stack deploy', 'docker', [...deploy, '--detach=true', `${prefix}-stk`]);
      const wait = await converged(engine, `${prefix}-stk`);
      log(`  stack deploy's convergence wait: ${secs(wait)}`);
      const n = await run('stack deploy (no-op)', 'docker', [...deploy, '--detach=true', `${prefix}-stk`]);
      await docker('stack', 'rm', `${prefix}-stk`);
      await tasksGone(`${prefix}-stk`);
      // The CLI's own wait, in the first timed round only (not the target's measure: it watches the
      // services one at a time, about 5 s each).
      if (round === 1) {
        const cli = await run('stack deploy --detach=false', 'docker', [...deploy, '--detach=false', `${prefix}-cli`]);
        t.deployCliWait.push(cli.ms);
        await docker('stack', 'rm', `${prefix}-cli`);
        await tasksGone(`${prefix}-cli`);
      }
      if (timedRound) {
        t.moorApply.push(a.ms); t.moorPlan.push(p.ms); t.deployConverged.push(d.ms + wait); t.deployNoop.push(n.ms);
      }
    }
    const applyRatio = pairedRatio(t.moorApply, t.deployConverged);
    const noopRatio = pairedRatio(t.moorPlan, t.deployNoop);
    const row = (what: string, xs: number[]) => { const s = summarize(xs); return `| ${what} | ${secs(s.median)} | ${secs(s.min)}–${secs(s.max)} |`; };
    const md = [
      `Swarm services: ${count} services × 1 replica on one overlay network, ${reps} rounds (${new Date().toISOString()}).`,
      '',
      '| command | median | range |',
      '|---|---|---|',
      row('moor apply (to converged)', t.moorApply),
      row('docker stack deploy + convergence wait', t.deployConverged),
      row('docker stack deploy --detach=false (the CLI\'s own wait)', t.deployCliWait),
      row('moor plan (no-op)', t.moorPlan),
      row('docker stack deploy (no-op, re-sends every service)', t.deployNoop),
      '',
      `apply / stack deploy to converged: ${applyRatio.toFixed(2)}× (target ≤ 1.1×) — ${applyRatio <= 1.1 ? 'met' : 'MISSED'}`,
      `no-op plan / stack deploy: ${noopRatio.toFixed(2)}× (target ≤ 0.5×) — ${noopRatio <= 0.5 ? 'met' : 'MISSED'}`,
      '',
    ].join('\n');
    process.stdout.write(md);
    await saveResults(`swarm-${stampOf(new Date())}`, { count, reps, samples: t, applyRatio, noopRatio }, md);
    return 0;
  } catch (e) {
    return failed(e);
  } finally {
    await removeEverything().catch((e) => log(`cleanup: ${(e as Error).message}`));
    await engine.request('DELETE', `/images/${encodeURIComponent(tag)}`).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
    if (initedHere) {
      await docker('swarm', 'leave', '--force').catch((e) => log(`swarm leave: ${(e as Error).message}`));
      // Right after leaving, the bridge may still hold the ingress sandbox for a moment: retry.
      for (let i = 0; i < 30; i++) {
        const gone = await docker('network', 'rm', 'docker_gwbridge').then(() => true, (e: Error) => /No such network|not found/i.test(e.message));
        if (gone) break;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    engine.close();
  }
}
