/**
 * Engine faults: the engine stopped and started again in the middle of an apply (a private
 * dockerd of the suite's own, never the machine's), a full disk under a volume during a migration
 * and under a backup target (a small tmpfs mounted on a host directory, grown afterwards), and a
 * host port already taken by a listener of the suite. After each: the failed command said so
 * without a stack trace, then the next apply (and backup run) converges and nothing is lost.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../e2e/helpers.js';
import { check, digestAll, spreadPoints, type Checked } from './lib/crash.js';
import { ChaosContext, type ChaosStack } from './lib/context.js';
import { fillVolume } from './lib/data.js';
import { PrivateDockerd } from './lib/dockerd.js';
import { notRunning } from './lib/engine-state.js';
import { tail, type MoorRun } from './lib/moor.js';
import { newRow, type Row } from './lib/report.js';

export interface EngineFault {
  slug: string;
  name: string;
  run(ctx: ChaosContext, log: (l: string) => void): Promise<Row>;
}

const CLEAN_FAILURE = (r: MoorRun): string | undefined => {
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.code === 0) return 'the failed command exited 0';
  if (/^\s+at .+:\d+:\d+\)?$/m.test(out) || /internal error/.test(out)) return `a stack trace / internal error: ${tail(r)}`;
  return undefined;
};

async function must(r: Promise<MoorRun>, what: string): Promise<MoorRun> {
  const x = await r;
  if (x.code !== 0) throw new Error(`${what}: ${x.command} exited ${x.code}\n${x.stdout}\n${x.stderr}`);
  return x;
}

/** Record one try: the failed command's output, then the checks after the recovery. */
async function judge(row: Row, s: ChaosStack, what: string, sc: Checked, before: Awaited<ReturnType<typeof digestAll>>, failed: MoorRun | undefined, recovered: MoorRun[], log: (l: string) => void): Promise<void> {
  row.tried++;
  const symptoms: string[] = [];
  const bad = failed ? CLEAN_FAILURE(failed) : undefined;
  if (bad) symptoms.push(bad);
  const r = await check(s, sc, 0, before, undefined, recovered);
  if (!r || r.converged) row.converged++;
  if (r) {
    row.orphans += r.orphans;
    row.bytesLost += r.lost;
    row.stopped += r.stopped;
    symptoms.push(r.symptom);
  }
  if (symptoms.length) row.failures.push({ what, symptom: symptoms.join('; ') });
  log(`    ${what}: ${symptoms.length ? `FAIL ${symptoms.join('; ')}` : 'ok'}`);
}

// ---------------------------------------------------------------------------------------------

function restartStack(s: ChaosStack, mode: string): void {
  s.write(`
  const backend = network('backend');
  const data = volume('data');
  const db = container('db', {
    image: img, command: ['sleep', '3600'], env: { MODE: ${JSON.stringify(mode)} }, networks: [backend],
    mounts: [{ volume: data, target: '/data' }], restart: 'unless-stopped', stopSignal: 'SIGKILL',
  });
  container('web', {
    image: img, command: ['sleep', '3600'], env: { MODE: ${JSON.stringify(mode)} }, networks: [backend],
    dependsOn: [db], stopSignal: 'SIGKILL',
  });
`);
}

const restartChecked: Checked = {
  declared: (s) => ({ stack: s.name, containers: [s.en('db'), s.en('web')], networks: [s.en('backend')], volumes: [s.en('data')] }),
  running: (s) => [s.en('db'), s.en('web')],
  volumes: (s) => [s.en('data')],
};

const engineRestart: EngineFault = {
  slug: 'restart',
  name: 'engine stopped and restarted mid-apply (private dockerd)',
  async run(main, log) {
    const dockerd = new PrivateDockerd(path.join(main.tmp, 'dockerd'));
    const row = newRow('engine-faults', this.name);
    let ctx: ChaosContext | undefined;
    try {
      await dockerd.start();
      ctx = new ChaosContext({ prefix: main.prefix, upstream: dockerd.socket });
      await ctx.open();
      const s = ctx.stack('restart');
      restartStack(s, 'm0');
      await must(s.apply(), 'setup');
      await fillVolume(ctx.client, ctx.checkerImage, s.en('data'), 'seed', 100, ctx.prefix);
      restartStack(s, 'm1');
      const clean = await must(s.apply(), 'clean run');
      const points = spreadPoints(clean.mutations, clean.firstMs, clean.lastMs, Number(process.env.CHAOS_RESTARTS ?? 6), 0).filter((p) => p.k !== undefined);
      row.note = `clean run: ${clean.mutations} mutating requests`;
      for (const [j, p] of points.entries()) {
        restartStack(s, `m${j + 2}`);
        const before = await digestAll(s, restartChecked);
        let restarting: Promise<void> | undefined;
        const failed = await s.run(['apply', '--yes'], {
          signal: 'SIGKILL', k: p.k, when: p.when,
          // Not a kill: the trap stops the engine and starts it again while moor keeps running.
          onTrap: () => { restarting = dockerd.stop().then(() => dockerd.start()); },
        });
        await restarting;
        // The engine came back: a fresh client of the suite's own, then the next apply.
        ctx.reconnect();
        const recovered = [await s.apply()];
        await judge(row, s, `engine restarted ${p.when} mutation ${p.k} (apply said: ${tail(failed, 1)})`, restartChecked, before, failed.code === 0 ? undefined : failed, recovered, log);
      }
      await s.cleanup();
    } finally {
      if (ctx) await ctx.close().catch((e: Error) => log(`  cleanup: ${e.message}`));
      await dockerd.destroy();
    }
    return row;
  },
};

// ---------------------------------------------------------------------------------------------

/** A host directory with a tmpfs of `size` mounted on it (the suite unmounts it). */
function smallDisk(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
}
const growDisk = (dir: string, size: string) => execFileSync('mount', ['-o', `remount,size=${size}`, dir]);
const unmount = (dir: string) => { try { execFileSync('umount', [dir]); } catch { /* not mounted */ } };

const fullDisk: EngineFault = {
  slug: 'disk',
  name: 'full disk under a migration target and a backup target',
  async run(ctx, log) {
    const row = newRow('engine-faults', this.name);
    const small = path.join(ctx.tmp, 'small');
    const smallBk = path.join(ctx.tmp, 'small-bk');
    try {
      // A migration from the engine's disk into a bind volume on a 512 KiB file system.
      const s = ctx.stack('disk');
      const write = (bindPath?: string) => s.write(`
  const data = volume('data', { migrate: true${bindPath ? `, provider: bind({ path: ${JSON.stringify(bindPath)} })` : ''} });
  const backups = volume('backups', { provider: bind({ path: ${JSON.stringify(smallBk)} }) });
  const app = container('app', {
    image: img, command: ['sleep', '3600'], mounts: [{ volume: data, target: '/data' }],
    restart: 'unless-stopped', stopSignal: 'SIGKILL',
  });
  backup('nightly', { volumes: [data], target: backups, schedule: '@daily', stop: [app], image: img, keep: { last: 100 } });
`, 'bind');
      smallDisk(smallBk, '64k');
      write();
      await must(s.apply(), 'setup');
      await fillVolume(ctx.client, ctx.checkerImage, s.en('data'), 'seed', 150, ctx.prefix);
      const checked: Checked = {
        declared: (x) => ({ stack: x.name, containers: [x.en('app')], networks: [], volumes: [x.en('data'), x.en('backups')], jobs: ['nightly'] }),
        running: (x) => [x.en('app')],
        volumes: (x) => [x.en('data')],
      };
      // 1. The backup target is full: the run fails, app is started again, nothing lost;
      //    the disk is grown, the next apply and backup run succeed.
      let before = await digestAll(s, checked);
      const bk = await s.run(['backup', 'run', 'nightly']);
      const stoppedAfterBk = await notRunning(ctx.client, [s.en('app')]);
      growDisk(smallBk, '64m');
      await judge(row, s, `backup into a full target (backup said: ${tail(bk, 1)})${stoppedAfterBk.length ? ` — right after the failure not running: ${stoppedAfterBk.join(', ')}` : ''}`, checked, before, bk, [await s.apply(), await s.run(['backup', 'run', 'nightly'])], log);
      if (stoppedAfterBk.length) {
        row.stopped += stoppedAfterBk.length;
        row.failures.push({ what: 'backup into a full target', symptom: `the failed run left ${stoppedAfterBk.join(', ')} not running until the next apply` });
      }
      // 2. The migration's new volume is full: the apply fails, the data stays safe; the disk is
      //    grown, the next apply finishes the migration.
      smallDisk(small, '512k');
      write(small);
      before = await digestAll(s, checked);
      const mig = await s.apply();
      const afterFail = await digestAll(s, checked);
      growDisk(small, '64m');
      await judge(row, s, `migration into a full volume (apply said: ${tail(mig, 1)}; volume after the failure: ${afterFail[s.en('data')]?.entries ?? 'gone'} entries of ${before[s.en('data')]?.entries})`, checked, before, mig, [await s.apply()], log);
      await s.cleanup();
    } finally {
      unmount(small);
      unmount(smallBk);
    }
    return row;
  },
};

// ---------------------------------------------------------------------------------------------

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((c) => c.destroy());
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

const portTaken: EngineFault = {
  slug: 'port',
  name: 'host port already taken (create, and a replacement onto it)',
  async run(ctx, log) {
    const row = newRow('engine-faults', this.name);
    const s = ctx.stack('port');
    const write = (port: number) => s.write(`
  const data = volume('data');
  container('web', {
    image: img, command: ['httpd', '-f', '-p', '80', '-h', '/www'], ports: [{ container: 80, host: ${port}, hostIp: '127.0.0.1' }],
    mounts: [{ volume: data, target: '/data' }], restart: 'unless-stopped', stopSignal: 'SIGKILL',
  });
  container('side', { image: img, command: ['sleep', '3600'], stopSignal: 'SIGKILL' });
`);
    const checked: Checked = {
      declared: (x) => ({ stack: x.name, containers: [x.en('web'), x.en('side')], networks: [], volumes: [x.en('data')] }),
      running: (x) => [x.en('web'), x.en('side')],
      volumes: (x) => [x.en('data')],
    };
    // 1. A new stack whose port is taken.
    const p1 = await freePort();
    let srv = await listen(p1);
    write(p1);
    const first = await s.apply();
    srv.close();
    await judge(row, s, `create onto a taken port (apply said: ${tail(first, 1)})`, checked, {}, first, [await s.apply()], log);
    // 2. A running stack moved onto a taken port: the old container must keep serving until then.
    await fillVolume(ctx.client, ctx.checkerImage, s.en('data'), 'seed', 50, ctx.prefix);
    const p2 = await freePort();
    srv = await listen(p2);
    write(p2);
    const before = await digestAll(s, checked);
    const moved = await s.apply();
    const stopped = await notRunning(ctx.client, [s.en('web'), s.en('side')]);
    srv.close();
    await judge(row, s, `replacement onto a taken port (apply said: ${tail(moved, 1)})${stopped.length ? ` — right after the failure not running: ${stopped.join(', ')}` : ''}`, checked, before, moved, [await s.apply()], log);
    if (stopped.length) {
      row.stopped += stopped.length;
      row.failures.push({ what: 'replacement onto a taken port', symptom: `the failed apply left ${stopped.join(', ')} not running until the next apply` });
    }
    await s.cleanup();
    return row;
  },
};

export const ENGINE_FAULTS: EngineFault[] = [engineRestart, fullDisk, portTaken];
