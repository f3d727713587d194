/**
 * The backup benchmark: `moor backup run` and `moor backup restore --yes` of one volume of about
 * 1 GiB, against the raw floor of busybox `tar` in a container of the same image (no verification
 * at all), interleaved in one run. Run it with `npm run bench:backup` (or `npm run bench -- backup`).
 *
 * Environment:
 *   BENCH_BACKUP_MIB=1024     data in the volume (see `layout`): random files of 256 KiB–128 MiB,
 *                             compressible text (1/16), and the small files
 *   BENCH_BACKUP_SMALL=16000  small random files (0–8 KiB, ≈ 62.5 MiB for 16,000) in 200 directories
 *   BENCH_BACKUP_REPS=3       timed backups and restores per tool
 *   BENCH_BACKUP_NONE=1       then backups and restores without compression (0 skips them): this many
 *                             interleaved rounds (1: one backup and one restore per tool)
 *   BENCH_BACKUP_GZIP=1       the gzip rounds (0 skips them and the warm-up round is uncompressed)
 *   BENCH_WARMUP=1            one untimed backup and restore of each tool first (0 skips it)
 *
 * Checked, not trusted: after every moor backup, `moor backup list --json` must show the new
 * archive verified (and the previous one pruned); after every restore (moor's and the floor's) the
 * volume is listed with busybox (modes, owners, sizes, links, the sha256 of every file) and must
 * list exactly as right after the fill. Every engine object is named mbench<hex>… and removed in
 * `finally`, on failure and on Ctrl-C too; nothing else on the engine is touched.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Engine } from '../lib/engine-http.mjs';
import { buildImage, finalSweep, harnessEngine, listOwned } from '../lib/engine.js';
import { checkInterrupt, failed, handleInterrupts, log, preflight, quietness, rel, repo, saveResults, secs, stampOf } from '../lib/harness.js';
import { distAtEnd, distFingerprint, machine, runHeader } from '../lib/machine.js';
import { busyCpuMs, settle } from '../lib/settle.js';
import { median, pairedRatio, ratio, summarize, type Summary } from '../lib/stats.js';
import { listingDifferences, listingTotals, listVolume, type ListingTotals } from '../lib/volume-check.js';
import { unitCosts, type UnitCosts } from '../lib/unit-costs.js';
import { sh } from '../lib/volume-scripts.mjs';

// ---------------------------------------------------------------- configuration

function whole(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: expected a whole number ≥ ${min}, got "${raw}"`);
  return n;
}

interface Layout {
  /** Random (incompressible) files: how many of each size. */
  random: { count: number; kib: number }[];
  /** Four text files (two hex dumps, two lists of numbers) of this many bytes each. */
  textBytes: number;
  small: number;
}

/**
 * Where the volume's `mib` go: 1/16 compressible text, the small files (≈ 4 KiB each on
 * average), and the rest random in files of 128 MiB (2/7 of it), 32 MiB (3/14), 8 MiB (3/14),
 * 1 MiB (1/7) and 256 KiB (1/7). At 1024 MiB: 2 + 6 + 24 + 129 + 512 random files (897 MiB),
 * 64 MiB of text, 16,000 small files (62.5 MiB).
 */
export function layout(mib: number, small: number): Layout {
  const totalKiB = mib * 1024;
  const textKiB = totalKiB / 16;
  const randomKiB = totalKiB - textKiB - Math.round((small * 4095.5) / 1024);
  const tiers: [number, number][] = [[131072, 2 / 7], [32768, 3 / 14], [8192, 3 / 14], [1024, 1 / 7], [256, 1 / 7]];
  const random = tiers.map(([kib, share]) => ({ kib, count: Math.floor((randomKiB * share) / kib) }));
  const used = random.reduce((a, t) => a + t.count * t.kib, 0);
  random[3]!.count += Math.max(0, Math.floor((randomKiB - used) / 1024));
  return { random: random.filter((t) => t.count > 0), textBytes: Math.floor((textKiB * 1024) / 4), small };
}

/**
 * The fill, run once by busybox in a container mounting the volume at /data. Besides the data:
 * owners (ten uids, three gids, a tree owned by 999:999) and modes varied, a setgid and a sticky
 * directory, a setuid file and a hardlink to it, a symlink and a dangling one, empty directories,
 * and the volume's root owned by 999:999 with mode 750. Names have no blanks (the listing uses xargs).
 */
export function fillScript(l: Layout): string[] {
  const random = l.random.map((t) => `i=0
while [ $i -lt ${t.count} ]; do
  d=random/s${t.kib}k/d$((i % 16)); [ -d $d ] || mkdir -p $d
  head -c ${t.kib * 1024} /dev/urandom > $d/f$i.bin
  i=$((i + 1))
done`);
  const t = l.textBytes;
  // `|| true`: the writer dies of SIGPIPE once head has enough, which pipefail would count.
  return sh(`cd /data
${random.join('\n')}
mkdir -p text/logs
k=0
while [ $k -lt 2 ]; do
  (head -c ${Math.ceil(t / 3) + 65536} /dev/urandom | od -A d -t x1 || true) | head -c ${t} > text/logs/dump$k.txt
  (seq 1 ${Math.ceil(t / 4)} || true) | head -c ${t} > text/numbers$k.txt
  k=$((k + 1))
done
i=0
while [ $i -lt ${l.small} ]; do
  d=small/d$((i % 20))/e$((i / 20 % 10)); [ -d $d ] || mkdir -p $d
  head -c $(( (i * 131) % 8192 )) /dev/urandom > $d/s$i.txt
  i=$((i + 1))
done
k=0
while [ $k -lt 10 ]; do
  [ -d small/d$k ] && chown -R $((1000 + k)):$((100 + k % 3)) small/d$k
  k=$((k + 1))
done
[ -d random/s8192k ] && chown -R 999:999 random/s8192k
find small -type f -name '*1.txt' -exec chmod 600 {} +
find small -type f -name '*3.txt' -exec chmod 755 {} +
find small -type f -name '*7.txt' -exec chmod 444 {} +
[ -d small/d3 ] && chmod 700 small/d3
[ -d small/d5 ] && chmod 2775 small/d5
[ -d small/d6 ] && chmod 1777 small/d6
mkdir -p bin empty/nested/deeper
head -c 4096 /dev/urandom > bin/tool && chmod 4755 bin/tool
ln -s ../text/numbers0.txt bin/numbers
ln -s does-not-exist bin/dangling
ln bin/tool bin/tool-hardlink
chown 999:999 . && chmod 750 .`);
}

/** The moor stack: the volume, the archives' volume, and two jobs (gzip, the default; and none). */
function backupStack(stackName: string, image: string): string {
  return `// Generated by bench/scenarios/backup.ts: one volume, backed up into another by two jobs.
import { stack } from 'moor';

export default stack('${stackName}', ({ volume, backup }) => {
  const data = volume('data');
  const archives = volume('archives');
  const job = { volumes: [data], target: archives, schedule: '0 3 * * *', keep: { last: 1 }, image: '${image}' };
  backup('gz', job);
  backup('plain', { ...job, compression: 'none' });
});
`;
}

// ---------------------------------------------------------------- measuring

type Tool = 'moor' | 'floor';
type Op = 'backup' | 'restore';
type Compression = 'gzip' | 'none';

interface Sample {
  ms: number;
  /** CPU time of the whole machine, of dockerd (its waited-for children included) and of moor's process. */
  machineCpuMs: number;
  dockerdCpuMs: number;
  moorCpuMs?: number;
  /** Bytes moor's process passed through read and write calls (files, sockets, pipes; /proc/PID/io rchar and wchar). */
  moorReadBytes?: number;
  moorWrittenBytes?: number;
  /** moor's phases, from the arrival times of its progress lines (ms). */
  phases?: Record<string, number>;
  /** Size of the archive written (backups). */
  archiveBytes?: number;
  /** moor's output lines with their arrival times (ms after spawn), kept in the results' JSON. */
  progress?: { ms: number; text: string }[];
}

const USER_HZ = 100;

/** utime+stime (+ the waited-for children's) of a process, in ms; NaN when it cannot be read. */
function processCpuMs(pid: number | undefined, children: boolean): number {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    // Fields 14–17 of proc(5) (utime, stime, cutime, cstime); index 0 here is field 3.
    return ((f[11]! + f[12]! + (children ? f[13]! + f[14]! : 0)) * 1000) / USER_HZ;
  } catch {
    return NaN;
  }
}

/** rchar and wchar of a process (every thread's reads and writes, page cache or not); NaN when they cannot be read. */
function processIo(pid: number | undefined): { read: number; written: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    return { read: Number(/^rchar: (\d+)/m.exec(io)?.[1] ?? NaN), written: Number(/^wchar: (\d+)/m.exec(io)?.[1] ?? NaN) };
  } catch {
    return { read: NaN, written: NaN };
  }
}

function dockerdPid(): number | undefined {
  try {
    return Number(execFileSync('pidof', ['dockerd'], { encoding: 'utf8' }).trim().split(/\s+/)[0]) || undefined;
  } catch {
    return undefined;
  }
}

/** What an interrupt must stop: moor's process, or the floor's container. */
const running: { child?: ChildProcess; container?: string } = {};

/** What each timed command starts with read into the page cache (warmInputs), set once the volumes exist. */
let warmBefore: (() => Promise<void>) | undefined;

/**
 * Before each timed command: its inputs in the page cache (warmBefore), what the previous one
 * dirtied written back, then quiet CPUs.
 */
async function quietStart(label: string): Promise<void> {
  checkInterrupt();
  await warmBefore?.();
  execFileSync('sync');
  const quiet = await settle();
  quietness.timedCommands++;
  if (!quiet.quiet) quietness.busyStarts.push(`${label} (CPUs ${Math.round(quiet.idle * 100)}% idle)`);
  checkInterrupt();
}

interface MoorRun {
  ms: number;
  machineCpuMs: number;
  dockerdCpuMs: number;
  moorCpuMs: number;
  moorReadBytes: number;
  moorWrittenBytes: number;
  /** Every output line with the time it arrived, ms after spawn. */
  lines: { ms: number; text: string }[];
  stdout: string;
  stderr: string;
}

/** Run moor as a whole process, spawn to exit, noting when each progress line arrives. */
async function runMoor(label: string, args: string[], env: NodeJS.ProcessEnv, dockerd: number | undefined, timed = true): Promise<MoorRun> {
  if (timed) await quietStart(label);
  else checkInterrupt();
  const cpu0 = await busyCpuMs();
  const d0 = processCpuMs(dockerd, true);
  const r = await new Promise<Omit<MoorRun, 'machineCpuMs' | 'dockerdCpuMs'>>((resolve, reject) => {
    const start = performance.now();
    const child = spawn('node', ['bin/moor.js', ...args], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.child = child;
    const lines: MoorRun['lines'] = [];
    const text = { out: '', err: '' };
    let cpu = 0;
    let io = { read: NaN, written: NaN };
    // moor's own CPU and I/O, read until it exits (the last ≤ 50 ms are missed).
    const poll = setInterval(() => {
      const c = processCpuMs(child.pid, false);
      if (Number.isFinite(c)) cpu = c;
      const i = processIo(child.pid);
      if (Number.isFinite(i.read)) io = i;
    }, 50);
    const collect = (which: 'out' | 'err') => {
      let partial = '';
      return (chunk: Buffer) => {
        const ms = performance.now() - start;
        text[which] += chunk.toString();
        const parts = (partial + chunk.toString()).split('\n');
        partial = parts.pop()!;
        for (const p of parts) lines.push({ ms, text: p });
      };
    };
    child.stdout.on('data', collect('out'));
    child.stderr.on('data', collect('err'));
    child.on('error', (e) => {
      clearInterval(poll);
      running.child = undefined;
      reject(e);
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - start;
      clearInterval(poll);
      running.child = undefined;
      if (code !== 0) {
        try {
          checkInterrupt();
        } catch (e) {
          reject(e);
          return;
        }
        reject(new Error(`\`moor ${args.join(' ')}\` exited with ${signal ?? code}:\n${(text.err + text.out).trim().split('\n').slice(-15).join('\n')}`));
      } else resolve({ ms, moorCpuMs: cpu, moorReadBytes: io.read, moorWrittenBytes: io.written, lines, stdout: text.out, stderr: text.err });
    });
  });
  const machineCpuMs = (await busyCpuMs()) - cpu0;
  const dockerdCpuMs = processCpuMs(dockerd, true) - d0;
  if (timed) log(`  ${label}: ${secs(r.ms)}`);
  return { ...r, machineCpuMs, dockerdCpuMs };
}

interface Mount { volume: string; target: string; readOnly?: boolean }

const volumeMounts = (mounts: Mount[]) => mounts.map((m) => ({ Type: 'volume', Source: m.volume, Target: m.target, ReadOnly: m.readOnly ?? false }));

async function createContainer(engine: Engine, name: string, image: string, cmd: string[], mounts: Mount[]): Promise<string> {
  const body = { Image: image, Cmd: cmd, Tty: true, NetworkDisabled: true, HostConfig: { NetworkMode: 'none', Mounts: volumeMounts(mounts) } };
  return (await engine.request<{ Id: string }>('POST', `/containers/create?name=${encodeURIComponent(name)}`, { body })).Id;
}

/** Start a created container and wait for it; its output (Tty: one plain stream), or an error naming its exit code. */
async function startAndWait(engine: Engine, id: string, what: string): Promise<string> {
  await engine.request('POST', `/containers/${id}/start`);
  const { StatusCode } = await engine.request<{ StatusCode: number }>('POST', `/containers/${id}/wait`);
  checkInterrupt();
  const out = await engine.requestText('GET', `/containers/${id}/logs?stdout=1&stderr=1`);
  if (StatusCode !== 0) throw new Error(`${what} exited with ${StatusCode}:\n${out.trim().split('\n').slice(-20).join('\n')}`);
  return out;
}

/** One of the harness's own containers (fill, size), never timed; removed whatever happens. */
async function helper(b: Bench, what: string, cmd: string[], mounts: Mount[]): Promise<string> {
  const id = await createContainer(b.engine, b.name(what), b.imageTag, cmd, mounts);
  running.container = id;
  try {
    return await startAndWait(b.engine, id, what);
  } finally {
    running.container = undefined;
    await b.engine.request('DELETE', `/containers/${id}?force=true`, { ok: [404, 409] });
  }
}

/**
 * The page cache made the same for both tools before each timed command: every file of the
 * volumes they read (the data, moor's archives, the floor's archive) read once here, untimed.
 * These VMs run DAMON's proactive reclaim (pageout of what was not touched for some seconds):
 * without this, whichever tool came first after a pause read its input from the disk and the
 * other from memory (the same uncompressed backup took 2.4 s cold and 1.2-1.4 s warm here).
 * Warm is the strict case for moor: its own extra reads (the archive read back, the volume
 * compared) cost it no disk time either way. Needs the volumes' directories readable (root, a
 * local engine); else nothing is warmed, and the report says so.
 */
async function warmInputs(engine: Engine, volumes: string[]): Promise<boolean> {
  const buf = Buffer.allocUnsafe(1 << 20);
  const readAll = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) readAll(p);
      else if (d.isFile()) {
        const fd = openSync(p, 'r');
        try {
          while (readSync(fd, buf, 0, buf.length, null) > 0);
        } finally {
          closeSync(fd);
        }
      }
    }
  };
  try {
    for (const v of volumes) {
      const info = await engine.request<{ Mountpoint: string }>('GET', `/volumes/${encodeURIComponent(v)}`);
      readAll(info.Mountpoint);
    }
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- one run's context

interface Bench {
  engine: Engine;
  prefix: string;
  imageTag: string;
  stackFile: string;
  moorEnv: NodeJS.ProcessEnv;
  dockerd: number | undefined;
  /** moor's volume (the data, backed up and restored in place) and the floor's two. */
  data: string;
  floorTarget: string;
  floorRestore: string;
  /** A name for a container of ours; no two alike. */
  name(what: string): string;
  reference: string;
}

const JOB: Record<Compression, string> = { gzip: 'gz', none: 'plain' };

/** The time between two progress lines (ms); the end of the process when `to` is missing or never came. */
function between(r: MoorRun, from: RegExp | null, to: RegExp | null): number | undefined {
  const at = (re: RegExp | null, dflt: number) => (re ? r.lines.find((l) => re.test(l.text))?.ms : dflt);
  const a = at(from, 0);
  const z = at(to, r.ms) ?? r.ms;
  return a === undefined ? undefined : z - a;
}

/** moor's backup run, checked with `backup list --json`: the new archive is verified and alone (keep: last 1). */
async function moorBackup(b: Bench, c: Compression, label: string): Promise<Sample> {
  const job = JOB[c];
  const r = await runMoor(label, ['backup', 'run', rel(b.stackFile), job], b.moorEnv, b.dockerd);
  const made = /archive (\S+) verified/.exec(r.stdout)?.[1];
  if (!made) throw new Error(`moor backup run said:\n${r.stdout}${r.stderr}`);
  // The pruned archive's deletion, after moor's exit, by a process of its own: waited for (not in the ratio).
  const cleanup = await deleterDone(/deleting the pruned files in the background \(pid (\d+)\)/.exec(r.stderr));
  const list = await runMoor(`  (check) moor backup list ${job}`, ['backup', 'list', rel(b.stackFile), job, '--json'], b.moorEnv, undefined, false);
  const listed = JSON.parse(list.stdout) as { id: string; status: string; files: { name: string }[]; archive_bytes?: number }[];
  const newest = listed[0];
  if (!newest || !made.startsWith(newest.id) || newest.status !== 'verified') throw new Error(`after ${label}: backup list does not show ${made} verified:\n${list.stdout}`);
  if (listed.length !== 1) throw new Error(`after ${label}: keep { last: 1 } should leave one archive, backup list shows ${listed.length}`);
  await noWorkersLeft(b, label);
  const prune = /: prune: /;
  return {
    ms: r.ms, machineCpuMs: r.machineCpuMs, dockerdCpuMs: r.dockerdCpuMs, moorCpuMs: r.moorCpuMs, moorReadBytes: r.moorReadBytes, moorWrittenBytes: r.moorWrittenBytes, archiveBytes: newest.archive_bytes, progress: r.lines,
    phases: {
      start: between(r, null, /: archive: /)!,
      archive: between(r, /: archive: /, /: verify: /)!,
      verify: between(r, /: verify: /, r.lines.some((l) => prune.test(l.text)) ? prune : null)!,
      prune: r.lines.some((l) => prune.test(l.text)) ? between(r, prune, null)! : 0,
      cleanup,
    },
  };
}

/**
 * Wait for the deleting process moor named (`said`: the match of its pid), if any; how long it
 * still ran, ms. It has ended once it is a zombie: detached, it is reaped by the machine's init,
 * which on these VMs takes up to 2 s (its exit already released the stack's lock).
 */
async function deleterDone(said: RegExpExecArray | null): Promise<number> {
  const pid = Number(said?.[1]);
  const t0 = performance.now();
  const alive = () => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
    } catch {
      return false;
    }
  };
  while (pid && alive()) await new Promise((res) => setTimeout(res, 10));
  return pid ? performance.now() - t0 : 0;
}

/** moor's restore into the data volume, checked by listing the volume. */
async function moorRestore(b: Bench, c: Compression, label: string): Promise<Sample> {
  const r = await runMoor(label, ['backup', 'restore', rel(b.stackFile), JOB[c], '--yes'], b.moorEnv, b.dockerd);
  if (!/^Restored .* matched the archive's manifest/m.test(r.stdout)) throw new Error(`moor backup restore said:\n${r.stdout}${r.stderr}`);
  // The replaced data's deletion, after moor's exit, by a process of its own: waited for (not in the ratio).
  const cleanup = await deleterDone(/deleting the replaced data in the background \(pid (\d+)\)/.exec(r.stderr));
  await noWorkersLeft(b, label);
  await sameAsFilled(b, b.data, label);
  // The restored data's sync before the switch: a line of its own when moor extracted here (since 5d1cff8).
  const synced = r.lines.some((l) => /^sync: /.test(l.text));
  return {
    ms: r.ms, machineCpuMs: r.machineCpuMs, dockerdCpuMs: r.dockerdCpuMs, moorCpuMs: r.moorCpuMs, moorReadBytes: r.moorReadBytes, moorWrittenBytes: r.moorWrittenBytes, progress: r.lines,
    phases: {
      start: between(r, null, /^restore: /)!,
      extract: between(r, /^restore: /, synced ? /^sync: / : /^switch: /)!,
      ...(synced ? { sync: between(r, /^sync: /, /^switch: /)! } : {}),
      switch: between(r, /^switch: /, null)!,
      cleanup,
    },
  };
}

/** The raw floor: one container of the same image running exactly `cmd`, timed from start to exit. */
async function floorRun(b: Bench, label: string, cmd: string[], mounts: Mount[]): Promise<Sample> {
  const id = await createContainer(b.engine, b.name('floor'), b.imageTag, cmd, mounts);
  running.container = id;
  try {
    await quietStart(label);
    const cpu0 = await busyCpuMs();
    const d0 = processCpuMs(b.dockerd, true);
    const t0 = performance.now();
    await startAndWait(b.engine, id, label);
    const ms = performance.now() - t0;
    const machineCpuMs = (await busyCpuMs()) - cpu0;
    const dockerdCpuMs = processCpuMs(b.dockerd, true) - d0;
    checkInterrupt();
    log(`  ${label}: ${secs(ms)}`);
    return { ms, machineCpuMs, dockerdCpuMs };
  } finally {
    running.container = undefined;
    await b.engine.request('DELETE', `/containers/${id}?force=true`, { ok: [404, 409] });
  }
}

const floorFile = (c: Compression) => `/target/x.tar${c === 'gzip' ? '.gz' : ''}`;

async function floorBackup(b: Bench, c: Compression, label: string): Promise<Sample> {
  const s = await floorRun(b, label, ['tar', `-c${c === 'gzip' ? 'z' : ''}f`, floorFile(c), '-C', '/src', '.'], [
    { volume: b.data, target: '/src', readOnly: true },
    { volume: b.floorTarget, target: '/target' },
  ]);
  const size = await helper(b, 'size', ['stat', '-c', '%s', floorFile(c)], [{ volume: b.floorTarget, target: '/target', readOnly: true }]);
  return { ...s, archiveBytes: Number(size.trim()) };
}

/** The floor's restore: into a volume created empty just before (not timed), then listed like moor's. */
async function floorRestore(b: Bench, c: Compression, label: string): Promise<Sample> {
  await b.engine.request('DELETE', `/volumes/${encodeURIComponent(b.floorRestore)}`, { ok: [404] });
  await b.engine.request('POST', '/volumes/create', { body: { Name: b.floorRestore, Driver: 'local' } });
  const s = await floorRun(b, label, ['tar', `-x${c === 'gzip' ? 'z' : ''}f`, floorFile(c), '-C', '/dst'], [
    { volume: b.floorTarget, target: '/target', readOnly: true },
    { volume: b.floorRestore, target: '/dst' },
  ]);
  await sameAsFilled(b, b.floorRestore, label);
  return s;
}

async function sameAsFilled(b: Bench, volume: string, label: string): Promise<void> {
  const listing = await listVolume(b.engine, b.name('list'), b.imageTag, volume);
  const diff = listingDifferences(b.reference, listing);
  if (diff.length) throw new Error(`after ${label}: ${volume} does not hold the data it held after the fill:\n  ${diff.join('\n  ')}`);
}

/** moor's workers are named after the stack: none may be left. */
async function noWorkersLeft(b: Bench, label: string): Promise<void> {
  const left = (await listOwned(b.engine, `${b.prefix}m`)).containers.map((c) => c.name);
  if (left.length) throw new Error(`after ${label}: left behind: ${left.join(', ')}`);
}

// ---------------------------------------------------------------- the report

type Samples = Record<Compression, Record<Op, Record<Tool, Sample[]>>>;

const sec = (ms: number) => (ms / 1000).toFixed(2);
const cell = (s: Summary | undefined) => (!s || !s.samples.length ? '—' : s.samples.length > 1 ? `${sec(s.median)} (${sec(s.min)}–${sec(s.max)})` : sec(s.median));
const x = (r: number) => `${r.toFixed(2)}×`;
const thousands = (n: number) => n.toLocaleString('en-US');
const pick = (xs: Sample[], f: (s: Sample) => number | undefined) => summarize(xs.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v)));

/** Issue 18's targets: moor's throughput ÷ the floor's, per compression (backup and restore alike). */
export const TARGET: Record<Compression, number> = { gzip: 0.9, none: 0.6 };

/** moor's throughput over the floor's: floor time / moor time, of the medians and per round. */
function speedRatio(moor: Sample[], floor: Sample[]): { ratio: number; paired: number } {
  const m = moor.map((s) => s.ms);
  const f = floor.map((s) => s.ms);
  return { ratio: ratio(median(f), median(m)), paired: pairedRatio(f, m) };
}

/**
 * What each phase holds, as the code does it on this machine's engine (local: the harness runs as
 * root beside dockerd, so moor reads the volume and the archive file from the filesystem, proven
 * by a probe — core/backup/run.ts, localPaths); through the Engine API when it cannot
 * (MOOR_LOCAL_VOLUMES=0, a remote engine).
 */
const PHASES = (c: Compression): Record<Op, [string, string][]> => {
  const z = c === 'gzip' ? 'z' : '';
  return {
    backup: [
      ['start', 'start: node, the stack (cached), the jobs, the lock, the archiving worker created'],
      ['archive', `archive: the worker starts, writes the probe (moor finds it here: the engine is local) and runs \`tar -c${z}f\` into the target while moor reads the growing file here (${c === 'gzip' ? 'a worker thread: sha256, gunzip, tar parse, sha256 of every file, each compared byte for byte with the volume\'s own file' : 'a worker thread: tar parse, sha256 of every file and the tree digest; in its main thread, tar parse and every file compared byte for byte with the volume\'s own file'}) and lists the volume's directory (in its main thread, as the worker starts; no file read) for its manifest`],
      ['verify', 'verify: compare; write the manifest, rename both and list the folder, here (no worker)'],
      ['prune', 'prune: the older archive renamed aside (here) and handed to a deleting process (which holds the stack\'s lock), exit'],
      ['cleanup', 'after moor\'s exit, not in its time: the deleting process deletes the older archive and its manifest (here), and ends (the stack\'s lock is free again)'],
    ],
    restore: [
      ['start', 'start: node, the stack, the jobs, the lock, list the archives, the plan, the worker created, the manifest read and checked'],
      ['extract', `extract: the proof (a probe the engine writes into the job's record volume, found here), the archive file read here (its size and mtime matched with the engine's stat of it) in a worker thread: ${c === 'gzip' ? 'sha256, gunzip' : 'the sha256 read by a second thread from the same open file'}, every header checked, every file hashed and written by moor beside each volume's _data; compared with the manifest`],
      ['sync', 'sync: the volumes\' file systems synced (`sync -f`): the restored data on the disk before the switch'],
      ['switch', 'switch: the containers stopped, the old content renamed aside and the restored one into place (here), the containers started; the old content handed to a deleting process (which holds the stack\'s lock); remove the reading worker, exit'],
      ['cleanup', 'after moor\'s exit, not in its time: the deleting process deletes the old content (here) and the restore\'s record, and ends (the stack\'s lock is free again)'],
    ],
  };
};

export function renderBackup(totals: ListingTotals, warmup: boolean, samples: Samples, warmed = false, costs?: UnitCosts): string {
  const mib = totals.bytes / 2 ** 20;
  const rate = (s: Summary) => `${(mib / (s.median / 1000)).toFixed(1)} MiB/s`;
  const perByte = (xs: Sample[], f: (s: Sample) => number | undefined) => {
    const v = pick(xs, f);
    return v.samples.length ? (v.median / totals.bytes).toFixed(2) : '—';
  };
  const out: string[] = [];
  for (const c of ['gzip', 'none'] as Compression[]) {
    const s = samples[c];
    if (!s.backup.moor.length) continue;
    const n = s.backup.moor.length;
    const z = c === 'gzip' ? 'z' : '';
    out.push(
      `#### ${c === 'gzip' ? 'gzip (the default)' : "`compression: 'none'`"}: ${mib.toFixed(1)} MiB in ${thousands(totals.files)} files, ${thousands(totals.directories)} directories, ${thousands(totals.entries)} entries; ${n} run${n > 1 ? 's' : ''} each; seconds, median (min–max)`,
      '',
      `| step | moor | raw floor | moor's throughput ÷ the floor's: ratio of medians (median of per-run ratios) |`,
      '|---|---|---|---|',
    );
    for (const op of ['backup', 'restore'] as Op[]) {
      const m = s[op].moor;
      const f = s[op].floor;
      const mt = pick(m, (v) => v.ms);
      const ft = pick(f, (v) => v.ms);
      const r = speedRatio(m, f);
      const moorCmd = op === 'backup' ? '`backup run`' : '`backup restore --yes`';
      const floorCmd = op === 'backup' ? `\`tar -c${z}f\`` : `\`tar -x${z}f\``;
      out.push(
        `| ${op}, wall time | ${moorCmd} ${cell(mt)} | ${floorCmd} ${cell(ft)} | ${x(r.ratio)}${n > 1 ? ` (paired ${x(r.paired)})` : ''} |`,
        ...(m.some((v) => v.phases?.cleanup)
          ? [`| ${op} and then ${op === 'restore' ? "the old data's" : "the pruned archive's"} deletion (after moor's exit, in a process of its own), wall time | ${cell(pick(m, (v) => v.ms + (v.phases?.cleanup ?? 0)))} | — | ${x(ratio(median(f.map((v) => v.ms)), median(m.map((v) => v.ms + (v.phases?.cleanup ?? 0)))))} |`]
          : []),
        `| ${op}: volume data ÷ median time | ${rate(mt)} | ${rate(ft)} | |`,
        `| ${op}: CPU of the whole machine | ${cell(pick(m, (v) => v.machineCpuMs))} | ${cell(pick(f, (v) => v.machineCpuMs))} | |`,
        `| ${op}: of which dockerd / moor's process | ${cell(pick(m, (v) => v.dockerdCpuMs))} / ${cell(pick(m, (v) => v.moorCpuMs))} | ${cell(pick(f, (v) => v.dockerdCpuMs))} / — | |`,
        `| ${op}: bytes moor's process read / wrote, per byte of volume data (median) | ${perByte(m, (v) => v.moorReadBytes)} / ${perByte(m, (v) => v.moorWrittenBytes)} | — | |`,
      );
    }
    const size = (xs: Sample[]) => `${(median(xs.map((v) => v.archiveBytes ?? NaN)) / 2 ** 20).toFixed(1)} MiB`;
    out.push(`| archive size | ${size(s.backup.moor)} | ${size(s.backup.floor)} | |`, '');
    out.push(`moor's phases, from the arrival of its progress lines (seconds, median (min–max)):`, '', '| phase | seconds |', '|---|---|');
    for (const op of ['backup', 'restore'] as Op[]) {
      for (const [key, words] of PHASES(c)[op]) out.push(`| ${op} — ${words} | ${cell(pick(s[op].moor, (v) => v.phases?.[key]))} |`);
    }
    out.push('');
  }
  out.push('| target (issue 18) | ratio of medians (median of per-run ratios) | |', '|---|---|---|');
  for (const c of ['gzip', 'none'] as Compression[]) {
    for (const op of ['backup', 'restore'] as Op[]) {
      const m = samples[c][op].moor;
      if (!m.length) continue;
      const r = speedRatio(m, samples[c][op].floor);
      const met = r.ratio >= TARGET[c] && (m.length < 2 || r.paired >= TARGET[c]);
      out.push(`| ${op} throughput ≥ ${TARGET[c]}× the floor's (${c}) | ${x(r.ratio)} (${x(r.paired)}) | ${met ? 'met' : '**not met**'} |`);
    }
  }
  if (costs) out.push('', ...renderCosts(totals, samples, costs));
  const rounds = (['gzip', 'none'] as Compression[]).filter((c) => samples[c].backup.moor.length).map((c) => `${samples[c].backup.moor.length} ${c}`).join(' and ');
  out.push('', `- interleaved rounds (the tools take turns going first): ${rounds}${warmup ? ', after an untimed warm-up round' : ''}; the floor is one container running \`tar\` and nothing else, timed from its start to its exit (created before, removed after, untimed); moor is the whole CLI process${warmed ? '; before each timed command (untimed, for both tools) every file of the data, of moor\'s archives and of the floor\'s archive was read into the page cache' : ''}.`, '');
  return out.join('\n');
}

/**
 * The unit prices of this run (unit-costs.ts), per GiB of volume data: what the CPU figures above
 * are made of. gzip's and gunzip's are the floor's own: its machine CPU with compression less
 * without (medians), the rest of its work (tar, the container) being the same.
 */
function renderCosts(totals: ListingTotals, samples: Samples, costs: UnitCosts): string[] {
  const gib = totals.bytes / 2 ** 30;
  // Measured over the archive (the data and its headers): per GiB of data.
  const perData = (v: number) => ((v * costs.bytes) / 2 ** 30 / gib).toFixed(2);
  const floorCpu = (c: Compression, op: Op) => median(samples[c][op].floor.map((v) => v.machineCpuMs)) / 1000;
  const both = samples.gzip.backup.floor.length > 0 && samples.none.backup.floor.length > 0;
  return [
    `#### What the work costs on this machine, this run: CPU seconds per GiB of volume data`,
    '',
    '| work | CPU s per GiB |',
    '|---|---|',
    `| reading a file in the page cache (1 MiB reads) | ${perData(costs.read)} |`,
    `| sha256 (Node's, of the bytes read) | ${perData(costs.sha256)} |`,
    `| tar parsing, headers only (${thousands(totals.entries)} entries) | ${perData(costs.parse)} |`,
    `| tar parsing with every file's sha256 and the tree digest (moor's reading thread, uncompressed) | ${perData(costs.parseHashTree)} |`,
    ...(both
      ? [
          `| gzip: the floor's \`tar -czf\` less its \`tar -cf\` (machine CPU, medians) | ${((floorCpu('gzip', 'backup') - floorCpu('none', 'backup')) / gib).toFixed(2)} |`,
          `| gunzip: the floor's \`tar -xzf\` less its \`tar -xf\` | ${((floorCpu('gzip', 'restore') - floorCpu('none', 'restore')) / gib).toFixed(2)} |`,
        ]
      : []),
    '',
    '- the first four: one synchronous loop each over the floor\'s uncompressed archive in the page cache, in the harness\'s process, the median of three; the read loop\'s own CPU taken off the other three (bench/lib/unit-costs.ts).',
    '',
  ];
}

// ---------------------------------------------------------------- main

export async function main(): Promise<number> {
  const mib = whole('BENCH_BACKUP_MIB', 1024, 64);
  const small = whole('BENCH_BACKUP_SMALL', 16000, 0);
  const reps = whole('BENCH_BACKUP_REPS', 3, 1);
  const none = whole('BENCH_BACKUP_NONE', 1, 0);
  const gzip = process.env.BENCH_BACKUP_GZIP !== '0';
  if (!gzip && !none) throw new Error('BENCH_BACKUP_GZIP=0 and BENCH_BACKUP_NONE=0 leave nothing to measure');
  const warmup = process.env.BENCH_WARMUP !== '0';

  const context = path.join(repo, 'bench', 'image');
  if (!(await preflight(context))) return 1;
  const prefix = `mbench${randomBytes(3).toString('hex')}`;
  const imageTag = `${prefix}-img:latest`;
  const tmp = path.join(repo, 'bench', '.tmp', prefix);
  const stackName = `${prefix}m`;
  let made = 0;
  const b: Bench = {
    engine: harnessEngine(),
    prefix,
    imageTag,
    stackFile: path.join(tmp, 'backup.ts'),
    moorEnv: { ...process.env, MOOR_CACHE_DIR: path.join(tmp, 'moor-cache'), MOOR_LOCK_DIR: path.join(tmp, 'locks'), NO_COLOR: '1' },
    dockerd: dockerdPid(),
    data: `${stackName}-data`,
    floorTarget: `${prefix}f-target`,
    floorRestore: `${prefix}f-restore`,
    name: (what) => `${prefix}-${what}-${++made}`,
    reference: '',
  };
  const { engine } = b;
  handleInterrupts(prefix);
  // handleInterrupts stops the harness's own commands; these are ours.
  const stop = () => {
    running.child?.kill('SIGTERM');
    if (running.container) void engine.request('DELETE', `/containers/${running.container}?force=true`, { ok: [404] }).catch(() => undefined);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
  const startedAt = new Date();
  const distAtStart = distFingerprint();

  try {
    await mkdir(tmp, { recursive: true });
    const m = await machine(engine, { compose: false });
    const l = layout(mib, small);
    log(`prefix ${prefix}; engine ${m.engine.version} (API ${m.engine.apiVersion}); ${m.nproc} CPUs; dockerd pid ${b.dockerd ?? '?'}`);
    log(`${mib} MiB: random ${l.random.map((t) => `${t.count} × ${t.kib >= 1024 ? `${t.kib / 1024} MiB` : `${t.kib} KiB`}`).join(', ')}; 4 text files of ${(l.textBytes / 2 ** 20).toFixed(1)} MiB; ${small} small files`);
    log(`${gzip ? `${reps} gzip runs per tool` : 'no gzip runs'}${warmup ? ' after one warm-up' : ''}${none ? `, then ${none} without compression` : ''}; moor ${m.moorCommit}; dist/ ${m.moorDist}`);

    let t0 = performance.now();
    await buildImage(engine, context, imageTag);
    log(`built ${imageTag} in ${secs(performance.now() - t0)} (not counted)`);
    await writeFile(b.stackFile, backupStack(stackName, imageTag));
    await runMoor('moor apply (untimed: creates the volumes and the jobs, warms the type-check cache)', ['apply', rel(b.stackFile), '--yes'], b.moorEnv, undefined, false);
    await engine.request('POST', '/volumes/create', { body: { Name: b.floorTarget, Driver: 'local' } });
    t0 = performance.now();
    await helper(b, 'fill', fillScript(l), [{ volume: b.data, target: '/data' }]);
    b.reference = await listVolume(engine, b.name('list'), imageTag, b.data);
    const totals = listingTotals(b.reference);
    log(`filled: ${(totals.bytes / 2 ** 20).toFixed(1)} MiB in ${totals.files} files, ${totals.directories} directories, ${totals.entries} entries, in ${secs(performance.now() - t0)} (not counted)`);

    const inputs = [b.data, `${stackName}-archives`, b.floorTarget];
    const warmed = await warmInputs(engine, inputs);
    log(warmed ? 'the page cache: every file of the data, moor\'s archives and the floor\'s archive read before each timed command (untimed; see warmInputs)' : 'the page cache: the volumes\' directories cannot be read here; inputs are not warmed before timed commands');
    if (warmed) warmBefore = async () => void (await warmInputs(engine, inputs));
    const empty = () => ({ backup: { moor: [], floor: [] }, restore: { moor: [], floor: [] } });
    const samples: Samples = { gzip: empty(), none: empty() };
    const ops: Record<Op, Record<Tool, (c: Compression, label: string) => Promise<Sample>>> = {
      backup: { moor: (c, label) => moorBackup(b, c, label), floor: (c, label) => floorBackup(b, c, label) },
      restore: { moor: (c, label) => moorRestore(b, c, label), floor: (c, label) => floorRestore(b, c, label) },
    };
    const label = (tool: Tool, op: Op, c: Compression) =>
      tool === 'moor' ? `moor backup ${op === 'backup' ? 'run' : 'restore --yes'} ${JOB[c]}` : `floor tar -${op === 'backup' ? 'c' : 'x'}${c === 'gzip' ? 'z' : ''}f`;
    const round = async (c: Compression, order: Tool[], counted: boolean) => {
      for (const op of ['backup', 'restore'] as Op[]) {
        for (const tool of order) {
          const sample = await ops[op][tool](c, label(tool, op, c));
          if (counted) samples[c][op][tool].push(sample);
        }
      }
    };
    // Interleaved: the tools take turns going first (moor in runs 1, 3…), backups then restores.
    if (warmup) {
      log('warm-up round (not counted)');
      await round(gzip ? 'gzip' : 'none', ['moor', 'floor'], false);
    }
    for (let rep = 0; gzip && rep < reps; rep++) {
      const order: Tool[] = rep % 2 ? ['floor', 'moor'] : ['moor', 'floor'];
      log(`run ${rep + 1}/${reps} (${order.join(', ')})`);
      await round('gzip', order, true);
    }
    for (let rep = 0; rep < none; rep++) {
      const order: Tool[] = rep % 2 ? ['floor', 'moor'] : ['moor', 'floor'];
      log(`compression: 'none', run ${rep + 1}/${none} (${order.join(', ')})`);
      await round('none', order, true);
    }

    // The unit prices, over the floor's uncompressed archive (here only when the volumes can be read here).
    let costs: UnitCosts | undefined;
    if (warmed && none) {
      const info = await engine.request<{ Mountpoint: string }>('GET', `/volumes/${encodeURIComponent(b.floorTarget)}`);
      costs = unitCosts(path.join(info.Mountpoint, path.basename(floorFile('none'))));
      log(`unit costs over the floor's archive: ${JSON.stringify(costs)}`);
    }
    const { atEnd: distEnd, changed: distChanged } = distAtEnd(distAtStart);
    const table = renderBackup(totals, warmup, samples, warmed, costs);
    const finishedAt = new Date();
    const header = runHeader(startedAt, finishedAt, m, distChanged);
    process.stdout.write(`\n${header}\n${table}`);
    const json = { scenario: 'backup', startedAt, finishedAt, prefix, config: { mib, small, reps, gzip, none, warmup, layout: l, warmedInputs: warmed }, machine: m, dist: { atStart: distAtStart, atEnd: distEnd }, ...quietness, totals, samples, costs };
    await saveResults(`backup-${stampOf(startedAt)}`, json, `${header}\n${table}`);
    return 0;
  } catch (e) {
    return failed(e);
  } finally {
    const child = running.child;
    if (child && child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('close', r));
    await finalSweep(engine, prefix, imageTag, log);
    engine.close();
    await rm(tmp, { recursive: true, force: true });
  }
}
