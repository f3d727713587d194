/**
 * Crash scenarios of the commands that move data: a volume migration (a `migrate: true` volume
 * whose provider options change on every run: local → bind(dir1) → bind(dir2) …), a backup run
 * with `stop:`, a backup restore, and a destroy.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { CrashScenario } from './lib/crash.js';
import type { ChaosStack } from './lib/context.js';
import { fillVolume, shInVolume } from './lib/data.js';
import { digestVolumes } from './lib/engine-state.js';
import type { MoorRun } from './lib/moor.js';

async function must(r: Promise<MoorRun>, what: string): Promise<MoorRun> {
  const x = await r;
  if (x.code !== 0) throw new Error(`${what}: ${x.command} exited ${x.code}\n${x.stdout}\n${x.stderr}`);
  return x;
}

// ---------------------------------------------------------------------------------------------
// Migration.

function migrateStack(s: ChaosStack, i: number): void {
  const provider = i === 0 ? 'local()' : `bind({ path: ${JSON.stringify(path.join(s.ctx.tmp, `${s.slug}-dir${i}`))}, create: true })`;
  s.write(`
  const data = volume('data', { migrate: true, provider: ${provider} });
  container('app', {
    image: img,
    command: ['sleep', '3600'],
    mounts: [{ volume: data, target: '/data' }],
    restart: 'unless-stopped',
    stopSignal: 'SIGKILL',
  });
`, 'local, bind');
}

export const migrateVolume: CrashScenario = {
  name: 'apply migrating a volume (provider options change)',
  slug: 'migrate',
  async setup(s) {
    mkdirSync(s.ctx.tmp, { recursive: true });
    migrateStack(s, 0);
    await must(s.apply(), 'setup');
    await fillVolume(s.ctx.client, s.ctx.checkerImage, s.en('data'), 'seed', 150, s.ctx.prefix);
  },
  async prepare(s, i) {
    migrateStack(s, i + 1);
    return ['apply', '--yes'];
  },
  declared: (s) => ({ stack: s.name, containers: [s.en('app')], networks: [], volumes: [s.en('data')] }),
  running: (s) => [s.en('app')],
  volumes: (s) => [s.en('data')],
};

// ---------------------------------------------------------------------------------------------
// Backups: db (runs the before hook), app (stopped during the archive), volumes data and dumps
// archived into the volume backups.

function backupStack(s: ChaosStack): void {
  s.write(`
  const data = volume('data');
  const dumps = volume('dumps');
  const backups = volume('backups');
  const db = container('db', {
    image: img,
    command: ['sleep', '3600'],
    mounts: [{ volume: data, target: '/data' }, { volume: dumps, target: '/dumps' }],
    restart: 'unless-stopped',
    stopSignal: 'SIGKILL',
  });
  const app = container('app', {
    image: img,
    command: ['sleep', '3600'],
    mounts: [{ volume: data, target: '/data' }],
    dependsOn: [db],
    restart: 'unless-stopped',
    stopSignal: 'SIGKILL',
  });
  backup('nightly', {
    volumes: [data, dumps],
    target: backups,
    schedule: '30 2 * * *',
    keep: { last: 1000 },
    stop: [app],
    hooks: { before: [{ exec: db, command: ['sh', '-c', 'cp /data/seed/f3.bin /dumps/dump.tmp && mv /dumps/dump.tmp /dumps/dump'] }] },
    image: img,
  });
`);
}

const backupDeclared = (s: ChaosStack) => ({
  stack: s.name,
  containers: [s.en('db'), s.en('app')],
  networks: [],
  volumes: [s.en('data'), s.en('dumps'), s.en('backups')],
  jobs: ['nightly'],
});

async function backupSetup(s: ChaosStack): Promise<void> {
  backupStack(s);
  await must(s.apply(), 'setup');
  await fillVolume(s.ctx.client, s.ctx.checkerImage, s.en('data'), 'seed', 150, s.ctx.prefix);
  await must(s.run(['backup', 'run', 'nightly']), 'setup');
}

const backupRecover = async (s: ChaosStack): Promise<MoorRun[]> => {
  const applied = await s.apply();
  return [applied, await s.run(['backup', 'run', 'nightly'])];
};

export const backupRun: CrashScenario = {
  name: 'backup run with stop: [app]',
  slug: 'backup',
  setup: backupSetup,
  async prepare() {
    return ['backup', 'run', 'nightly'];
  },
  recover: backupRecover,
  declared: backupDeclared,
  running: (s) => [s.en('db'), s.en('app')],
  volumes: (s) => [s.en('data'), s.en('dumps')],
  growing: (s) => [s.en('backups')],
};

/** The id of the archive made in setup: every restore restores it (`--at`). */
const firstArchive = new Map<string, string>();
const archiveState = new Map<string, Awaited<ReturnType<typeof digestVolumes>>>();

export const restoreBackup: CrashScenario = {
  name: 'backup restore',
  slug: 'restore',
  async setup(s) {
    await backupSetup(s);
    const list = await must(s.run(['backup', 'list', 'nightly', '--json']), 'setup');
    const archives = JSON.parse(list.stdout) as { id: string }[] | { archives: { id: string }[] };
    const ids = (Array.isArray(archives) ? archives : archives.archives).map((a) => a.id);
    if (!ids.length) throw new Error(`setup: no archive listed\n${list.stdout}`);
    firstArchive.set(s.name, ids[0]!);
    archiveState.set(s.name, await digestVolumes(s.ctx.client, s.ctx.checkerImage, [s.en('data'), s.en('dumps')], s.ctx.prefix));
  },
  async prepare(s, i) {
    // The volumes hold more than the archive: a restore has something to replace.
    await fillVolume(s.ctx.client, s.ctx.checkerImage, s.en('data'), `later${i}`, 20, s.ctx.prefix);
    return ['backup', 'restore', 'nightly', '--at', firstArchive.get(s.name)!, '--yes'];
  },
  recover: backupRecover,
  declared: backupDeclared,
  running: (s) => [s.en('db'), s.en('app')],
  volumes: (s) => [s.en('data'), s.en('dumps')],
  growing: (s) => [s.en('backups')],
  async tidy(s) {
    for (const v of ['data', 'dumps']) await shInVolume(s.ctx.client, s.ctx.checkerImage, s.en(v), 'rm -rf /data/.moor-restore-*', s.ctx.prefix);
  },
  // Restored or not restored are both right; half of each is not.
  alternative: async (s) => archiveState.get(s.name)!,
};

// ---------------------------------------------------------------------------------------------
// Destroy (volumes kept: destroy without --volumes), then apply brings the stack back.

export const destroyStack: CrashScenario = {
  name: 'destroy (volumes kept)',
  slug: 'destroy',
  async setup(s) {
    s.write(`
  const backend = network('backend');
  const data = volume('data');
  const db = container('db', {
    image: img, command: ['sleep', '3600'], networks: [backend],
    mounts: [{ volume: data, target: '/data' }], restart: 'unless-stopped', stopSignal: 'SIGKILL',
  });
  container('web', {
    image: img, command: ['httpd', '-f', '-p', '80', '-h', '/www'], networks: [backend],
    dependsOn: [db], restart: 'unless-stopped', stopSignal: 'SIGKILL',
  });
  container('worker', { image: img, command: ['sleep', '3600'], networks: [backend], stopSignal: 'SIGKILL' });
`);
    await must(s.apply(), 'setup');
    await fillVolume(s.ctx.client, s.ctx.checkerImage, s.en('data'), 'seed', 150, s.ctx.prefix);
  },
  async prepare() {
    return ['destroy', '--yes'];
  },
  declared: (s) => ({ stack: s.name, containers: [s.en('db'), s.en('web'), s.en('worker')], networks: [s.en('backend')], volumes: [s.en('data')] }),
  running: (s) => [s.en('db'), s.en('web'), s.en('worker')],
  volumes: (s) => [s.en('data')],
};

export const DATA_SCENARIOS = [migrateVolume, backupRun, restoreBackup, destroyStack];
