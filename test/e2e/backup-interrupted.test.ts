/**
 * A backup or restore killed (SIGKILL, as a child process `node bin/moor.js backup …`) at its
 * worst moments, on the real engine, and what the next command does about it:
 * - killed while db and app are stopped for the archive: the next `backup run` starts them again
 *   (and so does the next `apply`, whose plan names the cause beforehand); the record of the run is
 *   gone afterwards, no worker of the stack is left, the killed run's .part is never an archive;
 * - the archive worker of a killed run stops on its own (its stdin closes with moor);
 * - a restore killed before its switch leaves the volumes' data as it was; killed in the switch
 *   window it is finished by the next command: the volume then holds the archive, all of it;
 * - a switch half done (as a kill can leave it) is finished by apply, the containers started.
 * Contents are written and read through the Engine API (volume-tree.ts), never through moor.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, MOOR_BIN, newPrefix, REPO, runMoor, show, sweepPrefix, withStack, type TestStack } from './helpers.js';
import { readTree, sampleTree, treeDiff, writeTree, type Entry } from './volume-tree.js';
import { EngineClient } from '../../core/engine/client.js';
import { recordIntent } from '../../core/backup/intents.js';

const prefix = newPrefix();
const it = suite('e2e: interrupted backups and restores');
it.after(() => sweepPrefix(prefix));

function stackFile(s: TestStack, keep = 3): string {
  return `import { stack } from 'moor';

export default stack(${JSON.stringify(s.name)}, ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: ${JSON.stringify(s.toolsContext)} } });
  const net = network('net');
  const data = volume('data');
  const db = container('db', { image: img, command: ['sleep', '3600'], networks: [net], mounts: [{ volume: data, target: '/data' }], stopSignal: 'SIGKILL' });
  const app = container('app', { image: img, command: ['sleep', '3600'], networks: [net], mounts: [{ volume: data, target: '/data', readOnly: true }], dependsOn: [db], stopSignal: 'SIGKILL' });
  backup('nightly', { volumes: [data], target: { hostPath: './archives' }, schedule: '0 3 * * *', keep: { last: ${keep} }, stop: [app, db], image: img });
});
`;
}

const image = (s: TestStack) => `${s.en('tools')}:latest`;
const env = (s: TestStack) => ({ MOOR_CACHE_DIR: path.join(s.dir, '..', 'cache') });
const backupCmd = (s: TestStack, ...args: string[]) => runMoor(['backup', args[0]!, s.relFile, ...args.slice(1)], { env: env(s) });

/**
 * Start `moor backup …` as a child and SIGKILL it as soon as its output matches `at` and `also`
 * (polled every 25 ms) holds. Returns what it said.
 */
async function killAt(s: TestStack, args: string[], at: RegExp, also: () => Promise<boolean> = async () => true, extraEnv: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, [MOOR_BIN, 'backup', args[0]!, s.relFile, ...args.slice(1)], {
    cwd: REPO, env: { ...process.env, NO_COLOR: '1', ...env(s), ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let said = '';
  let done = false;
  const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => { done = true; resolve(signal); }));
  child.stdout.on('data', (c: Buffer) => (said += c.toString()));
  child.stderr.on('data', (c: Buffer) => (said += c.toString()));
  while (!done) {
    if (at.test(said) && (await also())) {
      child.kill('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const signal = await exited;
  assert.is(signal, 'SIGKILL', `moor ${args.join(' ')} was meant to be killed at ${at}, but it ended on its own:\n${said}`);
  return said;
}

async function running(s: TestStack, resource: string): Promise<boolean> {
  return (await s.container(resource))?.State.Running === true;
}

/** Records of interrupted operations this stack has on the engine. */
async function intents(s: TestStack): Promise<string[]> {
  return (await s.labelled()).volumes.filter((v) => v.labels['moor.kind'] === 'intent').map((v) => v.name);
}

/** Backup workers of this stack on the engine (any state): name and state. */
async function workers(s: TestStack): Promise<string[]> {
  const list = await s.engine.request<{ Names: string[]; State: string; Labels: Record<string, string> }[]>('GET', '/containers/json', {
    query: { all: 1, filters: JSON.stringify({ label: ['moor.helper=1'], name: [`${s.name}-`] }) },
  });
  return list.map((c) => `${c.Names[0]!.replace(/^\//, '')} (${c.State})`);
}

async function listJson(s: TestStack): Promise<{ id: string; status: string }[]> {
  const r = await backupCmd(s, 'list', '--json');
  assert.is(r.code, 0, show(r));
  return JSON.parse(r.stdout);
}

/** Applied stack with data in the volume; db and app running. */
async function setUp(s: TestStack, tree: Entry[] = sampleTree(400, 16384)): Promise<void> {
  s.writeRaw(stackFile(s));
  const a = await s.apply();
  assert.is(a.code, 0, show(a));
  await writeTree(s.engine, image(s), s.en('data'), tree);
}

/** Kill a backup run while db and app are stopped and its archive worker runs; check they are stopped and recorded. */
async function killRun(s: TestStack): Promise<void> {
  const said = await killAt(s, ['run', 'nightly'], /archive: data/, async () => (await workers(s)).some((w) => /moor-backup-archive.*\(running\)/.test(w)));
  assert.match(said, /stop: .*-app[\s\S]*stop: .*-db/);
  assert.not.ok(await running(s, 'db'), 'db is stopped when moor is killed');
  assert.not.ok(await running(s, 'app'), 'app is stopped when moor is killed');
  assert.is((await intents(s)).length, 1, 'the run recorded what it stopped before stopping it');
  // The archiving worker stops when moor goes away (its stdin closes), and the engine removes it.
  await eventually('the archive worker of the killed run is gone', async () => !(await workers(s)).some((w) => /moor-backup-archive/.test(w)), 20_000);
}

it('killed while db is stopped: the next backup run starts db and app again, leaves no worker, and the killed .part is no archive', async () => {
  await withStack(prefix, 'run', async (s) => {
    await setUp(s);
    await killRun(s);
    const before = await listJson(s);
    assert.ok(before.every((a) => a.status !== 'verified'), `nothing the killed run wrote is a verified archive: ${JSON.stringify(before)}`);

    const r = await backupCmd(s, 'run', 'nightly');
    assert.is(r.code, 0, show(r));
    assert.match(r.stderr, /moor backup run nightly \(pid \d+ on host .*\) did not finish \(stop\); finishing it/);
    assert.ok(await running(s, 'db'), 'db runs again');
    assert.ok(await running(s, 'app'), 'app runs again');
    assert.equal(await intents(s), [], 'the record is removed');
    assert.equal(await workers(s), [], 'no worker is left');
    const after = await listJson(s);
    assert.is(after.length, 1, `one archive, the new run's; the killed run's .part was removed: ${JSON.stringify(after)}`);
    assert.is(after[0]!.status, 'verified');
    // And the run after that finds nothing to finish.
    const again = await backupCmd(s, 'run', 'nightly');
    assert.is(again.code, 0, show(again));
    assert.not.match(again.stderr, /did not finish/);
  });
});

it('killed while db is stopped: plan names the cause, apply starts db and app again and removes the record and workers; then the plan is empty', async () => {
  await withStack(prefix, 'apply', async (s) => {
    await setUp(s);
    await killRun(s);
    const p = await s.plan();
    assert.is(p.code, 0, show(p));
    assert.match(p.stdout, /~ +container db +\(.*state: stopped by moor backup run nightly \(pid \d+ on host [^)]*\) that did not finish/, show(p));
    assert.match(p.stdout, /~ +volume .*\.moor-intent-[0-9a-f]+ +\(finish; moor backup run nightly .* did not finish: (?:remove its workers \(.*\), )?start again the containers it stopped/, show(p));
    const a = await s.apply();
    assert.is(a.code, 0, show(a));
    assert.ok(await running(s, 'db'), 'db runs again');
    assert.ok(await running(s, 'app'), 'app runs again');
    assert.equal(await intents(s), [], 'the record is removed');
    assert.equal(await workers(s), [], 'no worker is left');
    const empty = await s.plan('--detailed-exitcode');
    assert.is(empty.code, 0, show(empty));
  });
});

it('a restore killed before its switch leaves the data as it was; killed in the switch window it is finished by the next command', async () => {
  await withStack(prefix, 'restore', async (s) => {
    const archived = sampleTree(300, 4096);
    await setUp(s, archived);
    const run = await backupCmd(s, 'run', 'nightly');
    assert.is(run.code, 0, show(run));
    const want = await readTree(s.engine, image(s), s.en('data'));
    const first = (await listJson(s))[0]!.id;
    const other = sampleTree(50, 64);
    // Different data in the volume: what a restore replaces.
    await writeTree(s.engine, image(s), s.en('data'), other.map((e) => ({ ...e, header: { ...e.header, name: e.header.name.replace(/^data\//, 'data/changed-') } })));
    const changed = await readTree(s.engine, image(s), s.en('data'));
    assert.ok(treeDiff(want, changed).length > 0);

    // Before the switch: killed while extracting here, beside the volume's _data.
    const staged = async () => (await besideData(s)).some((e) => /^\.moor-restore-[0-9a-f]+$/.test(e));
    const early = await killAt(s, ['restore', 'nightly', '--at', first, '--yes'], /beside the current data/, staged);
    assert.match(early, /extracted here/);
    const next = await backupCmd(s, 'run', 'nightly');
    assert.is(next.code, 0, show(next));
    const kept = await readTree(s.engine, image(s), s.en('data'));
    const isOld = treeDiff(changed, kept).length === 0;
    const isNew = treeDiff(want, kept).length === 0;
    assert.ok(isOld || isNew, `the volume holds the old data or the restored one, never part of each: ${treeDiff(changed, kept).slice(0, 5).join('; ')}`);
    assert.not.ok(kept.some((e) => /\.moor-restore-/.test(e.path)), 'no staging directory is left');
    assert.equal(await besideData(s), ['_data'], 'nor beside the data');
    assert.ok(await running(s, 'db') && await running(s, 'app'), 'db and app run');
    assert.equal(await intents(s), []);

    // In the switch window: db and app stopped, the switch begun (by a worker: the engine extracts,
    // the window is long enough to be hit; the switch here is tested from its records below).
    await writeTree(s.engine, image(s), s.en('data'), other.map((e) => ({ ...e, header: { ...e.header, name: e.header.name.replace(/^data\//, 'data/again-') } })));
    const said = await killAt(s, ['restore', 'nightly', '--at', first, '--yes'], /switch: data/, undefined, { MOOR_LOCAL_VOLUMES: '0' });
    assert.match(said, /stop: .*-db/);
    assert.not.ok(await running(s, 'db'), 'db is stopped when moor is killed');
    const p = await s.plan();
    assert.match(p.stdout, /finish; moor backup restore nightly .* did not finish: (?:remove its workers \(.*\), )?finish switching the volumes to the restored data/, show(p));
    const a = await s.apply();
    assert.is(a.code, 0, show(a));
    const restored = await readTree(s.engine, image(s), s.en('data'));
    assert.equal(treeDiff(want, restored), [], 'the volume holds the archive, all of it');
    assert.ok(await running(s, 'db') && await running(s, 'app'), 'db and app run again');
    assert.equal(await intents(s), []);
    assert.equal(await workers(s), []);
    assert.is((await s.plan('--detailed-exitcode')).code, 0);
  });
});

/** The data volume's entries (path and type; the root's mode and owner too), through the engine. */
async function shownData(s: TestStack): Promise<string[]> {
  return (await readTree(s.engine, image(s), s.en('data'))).map((e) => `${e.path} ${e.type}${e.path === '.' ? ` ${e.mode.toString(8)} ${e.uid}:${e.gid}` : ''}`);
}

async function stopDbAndApp(s: TestStack): Promise<void> {
  await s.engine.request('POST', `/containers/${s.en('app')}/stop`, { query: { t: 0 } });
  await s.engine.request('POST', `/containers/${s.en('db')}/stop`, { query: { t: 0 } });
}

/** What is beside the data volume's `_data` in the engine's volumes directory (the engine is local). */
async function besideData(s: TestStack): Promise<string[]> {
  const v = await s.engine.request<{ Mountpoint: string }>('GET', `/volumes/${encodeURIComponent(s.en('data'))}`);
  return readdirSync(path.dirname(v.Mountpoint)).sort();
}

/** A record as a dead restore leaves it (this process holds no lock, so it counts as dead); `beside`: staged beside _data. */
async function deadSwitchRecord(s: TestStack, stage: string, beside = false, step: 'stage' | 'switch' = 'switch'): Promise<void> {
  const client = new EngineClient();
  try {
    await recordIntent(client, s.name, {
      command: 'backup restore nightly', job: 'nightly', step, stopped: step === 'switch' ? [s.en('db'), s.en('app')] : [],
      restore: { image: image(s), stage, volumes: [{ volume: 'data', engineVolume: s.en('data'), mode: '750', owner: '1234:5678' }], beside },
    });
  } finally {
    client.close();
  }
}

it('a switch killed half way — before or after the staged copy became the new data — is finished by apply: the volume holds the new data, all of it', async () => {
  await withStack(prefix, 'half', async (s) => {
    s.writeRaw(stackFile(s));
    const first = await s.apply();
    assert.is(first.code, 0, show(first));
    const file = (name: string, body: string): Entry => ({ header: { name: `data/${name}`, mode: 0o644, uid: 0, gid: 0 }, content: Buffer.from(body) });
    const dir = (name: string): Entry => ({ header: { name: `data/${name}/`, type: 'directory', mode: 0o755, uid: 0, gid: 0 } });
    const root: Entry = { header: { name: 'data/', type: 'directory', mode: 0o755, uid: 0, gid: 0 } };
    const shown = () => shownData(s);
    const stopBoth = () => stopDbAndApp(s);

    // After `mv $STAGE $STAGE.new` and one entry moved: old entries aside, new ones partly in place.
    await stopBoth();
    const a = '.moor-restore-0badc0de';
    await writeTree(s.engine, image(s), s.en('data'), [
      root, dir(`${a}.old`), file(`${a}.old/old-a`, 'old a'), file(`${a}.old/old-b`, 'old b'),
      file('new-1', 'new 1'),
      dir(`${a}.new`), file(`${a}.new/new-2`, 'new 2'), dir(`${a}.new/sub`), file(`${a}.new/sub/new-3`, 'new 3'),
    ]);
    await deadSwitchRecord(s, a);
    const applied = await s.apply();
    assert.is(applied.code, 0, show(applied));
    assert.equal(await shown(), ['. directory 750 1234:5678', 'new-1 file', 'new-2 file', 'sub directory', 'sub/new-3 file']);
    assert.ok(await running(s, 'db') && await running(s, 'app'), 'db and app started again');
    assert.equal(await intents(s), []);
    assert.is((await s.plan('--detailed-exitcode')).code, 0);

    // Before it: the staged copy complete, the old entries partly moved aside.
    await stopBoth();
    const b = '.moor-restore-feedface';
    await writeTree(s.engine, image(s), s.en('data'), [
      root, dir(b), file(`${b}/fresh-1`, 'fresh 1'), dir(`${b}/deep`), file(`${b}/deep/fresh-2`, 'fresh 2'),
      dir(`${b}.old`), file(`${b}.old/was-1`, 'was 1'),
    ]);
    await deadSwitchRecord(s, b);
    const again = await s.apply();
    assert.is(again.code, 0, show(again));
    // new-1, new-2, sub/ (the data before this restore) went aside with the rest, then were deleted.
    assert.equal(await shown(), ['. directory 750 1234:5678', 'deep directory', 'deep/fresh-2 file', 'fresh-1 file']);
    assert.ok(await running(s, 'db') && await running(s, 'app'), 'db and app started again');
    assert.equal(await intents(s), []);
  });
});

it('staged beside _data: a switch killed half way is finished by apply, a killed staging is discarded by the next command', async () => {
  await withStack(prefix, 'beside', async (s) => {
    s.writeRaw(stackFile(s));
    assert.is((await s.apply()).code, 0);
    const v = await s.engine.request<{ Mountpoint: string }>('GET', `/volumes/${encodeURIComponent(s.en('data'))}`);
    const data = v.Mountpoint;
    const beside = path.dirname(data);
    const put = (rel: string, body: string) => {
      mkdirSync(path.dirname(rel), { recursive: true });
      writeFileSync(rel, body);
    };
    const shown = () => shownData(s);
    const stopBoth = () => stopDbAndApp(s);

    // After the staged copy became <stage>.new and one entry moved: old entries aside, new ones partly in place.
    await stopBoth();
    const a = '.moor-restore-0badc0de';
    for (const e of readdirSync(data)) rmSync(path.join(data, e), { recursive: true });
    put(path.join(beside, `${a}.old`, 'old-a'), 'old a');
    put(path.join(data, 'new-1'), 'new 1');
    put(path.join(beside, `${a}.new`, 'new-2'), 'new 2');
    put(path.join(beside, `${a}.new`, 'sub', 'new-3'), 'new 3');
    await deadSwitchRecord(s, a, true);
    const applied = await s.apply();
    assert.is(applied.code, 0, show(applied));
    assert.equal(await shown(), ['. directory 750 1234:5678', 'new-1 file', 'new-2 file', 'sub directory', 'sub/new-3 file']);
    assert.equal(await besideData(s), ['_data'], 'the old data is deleted, nothing left beside _data');
    assert.ok(await running(s, 'db') && await running(s, 'app'), 'db and app started again');
    assert.equal(await intents(s), []);

    // Before it: the staged copy complete beside _data, the volume's entries partly moved aside.
    await stopBoth();
    const b = '.moor-restore-feedface';
    put(path.join(beside, b, 'fresh-1'), 'fresh 1');
    put(path.join(beside, b, 'deep', 'fresh-2'), 'fresh 2');
    put(path.join(beside, `${b}.old`, 'was-1'), 'was 1');
    await deadSwitchRecord(s, b, true);
    const again = await backupCmd(s, 'run', 'nightly');
    assert.is(again.code, 0, show(again));
    assert.equal(await shown(), ['. directory 750 1234:5678', 'deep directory', 'deep/fresh-2 file', 'fresh-1 file']);
    assert.equal(await besideData(s), ['_data']);
    assert.equal(await intents(s), []);

    // A staging killed before its switch: discarded, the volume as it was.
    const c = '.moor-restore-c0ffee00';
    put(path.join(beside, c, 'half-written'), 'half');
    await deadSwitchRecord(s, c, true, 'stage');
    const kept = await shown();
    const next = await backupCmd(s, 'run', 'nightly');
    assert.is(next.code, 0, show(next));
    assert.match(next.stderr, /discard: the data it staged/);
    assert.equal(await shown(), kept);
    assert.equal(await besideData(s), ['_data']);
    assert.equal(await intents(s), []);
  });
});

it("restored here: the replaced data is deleted after the command by a process that holds the stack's lock; killed, the next command deletes it", async () => {
  await withStack(prefix, 'later', async (s) => {
    const archived = sampleTree(100, 256);
    await setUp(s, archived);
    const run = await backupCmd(s, 'run', 'nightly');
    assert.is(run.code, 0, show(run));
    const want = await readTree(s.engine, image(s), s.en('data'));
    // Old data of 4,000 files: its deletion lasts long enough to be caught stopped.
    const many = (tag: string): Entry[] => Array.from({ length: 4000 }, (_, i) => ({ header: { name: `data/${tag}/d${i % 40}/f${i}`, mode: 0o644, uid: 0, gid: 0 }, content: Buffer.from(`${tag} ${i}\n`) }));
    await writeTree(s.engine, image(s), s.en('data'), many('old'));

    // The deleting process stopped as soon as it is named: the command has ended, the volume holds the restored data.
    const stopped = await stoppingDeleter(s, ['restore', 'nightly', '--yes'], /deleting the replaced data in the background \(pid (\d+)\)/);
    try {
      assert.equal(treeDiff(want, await readTree(s.engine, image(s), s.en('data'))), [], 'the volume holds the archive');
      assert.ok(await running(s, 'db') && await running(s, 'app'), 'db and app run on it');
      assert.ok((await besideData(s)).some((e) => /^\.moor-restore-[0-9a-f]+\.old$/.test(e)), 'the old data is still beside _data');
      // It counts as a running command: plan leaves its record alone, a second command waits for the lock.
      const p = await s.plan();
      assert.is(p.code, 0, show(p));
      assert.not.match(p.stdout, /did not finish/, show(p));
      assert.equal((await intents(s)).length, 1);
      const waiting = await backupCmd(s, 'restore', 'nightly', '--yes', '--lock-timeout', '1s');
      assert.is(waiting.code, 1, show(waiting));
      assert.match(waiting.stderr, new RegExp(`locked by moor backup restore nightly: deleting the replaced data \\(pid ${stopped} `), show(waiting));
    } finally {
      // Killed (stopped, it would hold the lock for ever, also when an assertion above failed): the
      // lock drops with it; the next command finishes the switch, deleting what is left.
      killGone(stopped);
    }
    await eventually('the stopped deleter is gone', async () => !existsSync(`/proc/${stopped}`));
    const a = await s.apply();
    assert.is(a.code, 0, show(a));
    assert.equal(await besideData(s), ['_data'], 'the old data is deleted');
    assert.equal(await intents(s), []);
    assert.equal(treeDiff(want, await readTree(s.engine, image(s), s.en('data'))), [], 'the volume still holds the archive');
    assert.ok(await running(s, 'db') && await running(s, 'app'));

    // Not stopped: it deletes the old data and the record, and the lock is free again.
    await writeTree(s.engine, image(s), s.en('data'), many('again'));
    const r = await backupCmd(s, 'restore', 'nightly', '--yes');
    assert.is(r.code, 0, show(r));
    const pid = Number(/deleting the replaced data in the background \(pid (\d+)\)/.exec(r.stderr)?.[1]);
    assert.ok(pid > 0, show(r));
    await eventually('the deleter ended', async () => !existsSync(`/proc/${pid}`));
    assert.equal(await besideData(s), ['_data']);
    assert.equal(await intents(s), []);
    const next = await backupCmd(s, 'run', 'nightly', '--lock-timeout', '0s');
    assert.is(next.code, 0, show(next));
  });
});

it("pruned here: the older archive is renamed aside and deleted after the command by a process that holds the stack's lock; killed, the next run deletes it", async () => {
  await withStack(prefix, 'prune', async (s) => {
    s.writeRaw(stackFile(s, 1));
    const a = await s.apply();
    assert.is(a.code, 0, show(a));
    await writeTree(s.engine, image(s), s.en('data'), sampleTree(50, 4096));
    const folder = path.join(s.dir, 'archives', s.name, 'nightly');
    const first = await backupCmd(s, 'run', 'nightly');
    assert.is(first.code, 0, show(first));
    assert.not.match(first.stderr, /deleting the pruned files/, 'nothing to prune yet');
    const firstFiles = readdirSync(folder).filter((f) => !f.startsWith('.')).sort();
    assert.is(firstFiles.length, 2, firstFiles.join(' '));
    // What a deletion killed after an earlier run would have left (many: this one lasts long enough to be caught stopped).
    for (let i = 0; i < 15000; i++) writeFileSync(path.join(folder, `.${20000000 + i}T000000.000Z.tar.moor-pruned`), '');
    const hidden = () => readdirSync(folder).filter((f) => f.endsWith('.moor-pruned'));

    const stopped = await stoppingDeleter(s, ['run', 'nightly'], /deleting the pruned files in the background \(pid (\d+)\)/);
    try {
      // The command ended: the older archive is gone from the listing and the folder's names, renamed aside.
      const listed = await listJson(s);
      assert.is(listed.length, 1, JSON.stringify(listed));
      assert.not.ok(firstFiles.some((f) => f.startsWith(listed[0]!.id)), 'the new archive is the one listed');
      assert.ok(firstFiles.every((f) => existsSync(path.join(folder, `.${f}.moor-pruned`))), 'the first archive and its manifest renamed aside');
      const waiting = await backupCmd(s, 'run', 'nightly', '--lock-timeout', '1s');
      assert.is(waiting.code, 1, show(waiting));
      assert.match(waiting.stderr, new RegExp(`locked by moor backup run nightly: deleting the pruned archives \\(pid ${stopped} `), show(waiting));
    } finally {
      killGone(stopped);
    }
    await eventually('the stopped deleter is gone', async () => !existsSync(`/proc/${stopped}`));
    assert.ok(hidden().length >= 2, 'killed, it left the files renamed aside');

    // The next run deletes them, with what it prunes itself, after the command too; then the lock is free.
    const next = await backupCmd(s, 'run', 'nightly');
    assert.is(next.code, 0, show(next));
    const pid = Number(/deleting the pruned files in the background \(pid (\d+)\)/.exec(next.stderr)?.[1]);
    assert.ok(pid > 0, show(next));
    await eventually('the deleter ended', async () => !existsSync(`/proc/${pid}`));
    assert.equal(hidden(), []);
    assert.is(readdirSync(folder).length, 2, readdirSync(folder).join(' '));
    const last = await backupCmd(s, 'run', 'nightly', '--lock-timeout', '0s');
    assert.is(last.code, 0, show(last));
  });
});

/** SIGKILL `pid`, which may be gone already. */
function killGone(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** `moor backup <args>`, its deleting process SIGSTOPped as soon as the command names it (`named`: its pid, group 1); its pid. */
async function stoppingDeleter(s: TestStack, args: string[], named: RegExp): Promise<number> {
  const child = spawn(process.execPath, [MOOR_BIN, 'backup', args[0]!, s.relFile, ...args.slice(1)], {
    cwd: REPO, env: { ...process.env, NO_COLOR: '1', ...env(s) }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let said = '';
  let pid = 0;
  child.stdout.on('data', (c: Buffer) => (said += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    said += c.toString();
    const m = named.exec(said);
    if (m && !pid) {
      pid = Number(m[1]);
      process.kill(pid, 'SIGSTOP');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  try {
    assert.is(code, 0, said);
    assert.ok(pid > 0, `the command names its deleting process:\n${said}`);
    assert.ok(existsSync(`/proc/${pid}`), `the deleting process ${pid} was stopped before it ended`);
  } catch (e) {
    if (pid) killGone(pid);
    throw e;
  }
  return pid;
}

it.run();
