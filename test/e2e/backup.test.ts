/**
 * Backup jobs on the real engine, with the busybox image as the job's helper image:
 * - the job is planned like a resource and kept on the engine (an empty plan after apply);
 * - round trip: binary, empty, nested, symlinked, hardlinked, setuid files with owners → backup →
 *   the volumes changed → restore → every path, type, mode, owner, size and sha256 equal;
 * - stop/restart order seen in the engine's events; a failing archive still restarts them;
 * - a corrupted archive fails verify and its restore, with the volumes untouched; an archive with
 *   `..` or absolute paths is refused by restore and nothing is written, also when its manifest
 *   lies; retention keeps the newest; the daemon runs an every-second job and stops cleanly on
 *   SIGTERM.
 * Contents are written and read through the Engine API (volume-tree.ts), never through moor.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { paddingByte, tarOf, treeOf } from '../fixtures/tar.js';
import { resident, unwritten } from '../fixtures/page-cache.js';
import { eventually, MOOR_BIN, newPrefix, runMoor, show, sweepPrefix, withStack, type TestStack } from './helpers.js';
import { readTree, sampleTree, treeDiff, writeTree } from './volume-tree.js';

const prefix = newPrefix();
const bk = suite('e2e: backup jobs');
bk.after(() => sweepPrefix(prefix));

interface JobOptions {
  target?: string;
  keep?: string;
  schedule?: string;
  extraVolumes?: string;
  /** More of the stack, after db and app. */
  extra?: string;
}

/** Volumes data and logs, used by db and app (app depends on db); job `nightly` stops both. */
function backupStack(s: TestStack, o: JobOptions = {}): string {
  return `import { stack, tmpfs } from 'moor';

export default stack(${JSON.stringify(s.name)}, ({ image, volume, container, backup }) => {
  const img = image('tools', { build: { context: ${JSON.stringify(s.toolsContext)} } });
  const data = volume('data');
  const logs = volume('logs');
  ${o.extraVolumes ?? ''}
  const db = container('db', { image: img, command: ['sleep', '3600'], mounts: [{ volume: data, target: '/data' }, { volume: logs, target: '/logs' }], stopSignal: 'SIGKILL' });
  const app = container('app', { image: img, command: ['sleep', '3600'], mounts: [{ volume: data, target: '/data', readOnly: true }], dependsOn: [db], stopSignal: 'SIGKILL' });
  backup('nightly', {
    volumes: [data, logs],
    target: ${o.target ?? "{ hostPath: './archives' }"},
    schedule: ${JSON.stringify(o.schedule ?? '0 3 * * *')},
    timezone: 'Europe/Paris',
    keep: ${o.keep ?? '{ last: 2 }'},
    stop: [app, db],
    hooks: { before: [{ exec: db, command: ['sh', '-c', 'echo dumped > /data/dump.sql'] }] },
    image: img,
  });
  ${o.extra ?? ''}
});
`;
}

const image = (s: TestStack) => `${s.en('tools')}:latest`;
const backupCmd = (s: TestStack, ...args: string[]) => runMoor(['backup', args[0]!, s.relFile, ...args.slice(1)], { env: { MOOR_CACHE_DIR: path.join(s.dir, '..', 'cache') } });

/** Container start/stop events of this stack since `since` (unix seconds), in order. */
async function events(s: TestStack, since: number): Promise<string[]> {
  const raw = await s.engine.requestRaw('GET', '/events', {
    query: { since, until: Math.ceil(Date.now() / 1000) + 1, filters: JSON.stringify({ type: ['container'], event: ['stop', 'start'], label: [`moor.stack=${s.name}`] }) },
  });
  return raw.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { Action: string; Actor: { Attributes: { name: string } } })
    .map((e) => `${e.Action} ${e.Actor.Attributes.name}`)
    // Workers are named after the stack too (and carry its image's labels): only the stack's containers count.
    .filter((e) => [s.en('db'), s.en('app')].includes(e.slice(e.indexOf(' ') + 1)));
}

async function running(s: TestStack, resource: string): Promise<boolean> {
  return (await s.container(resource))?.State.Running === true;
}

async function listJson(s: TestStack): Promise<{ id: string; status: string; entries: number }[]> {
  const r = await backupCmd(s, 'list', '--json');
  assert.is(r.code, 0, show(r));
  return JSON.parse(r.stdout);
}

bk('planned like a resource; round trip restores every checksum, mode and owner; stop/restart order; list', async () => {
  await withStack(prefix, 'rt', async (s) => {
    s.writeRaw(backupStack(s));
    const plan = await s.plan();
    assert.is(plan.code, 0, show(plan));
    assert.match(plan.stdout, /\+ +backup nightly +\(data, logs → host directory .*\/archives, 0 3 \* \* \* \(Europe\/Paris\), keep last 2, stops db, app\)/);
    assert.is((await s.apply()).code, 0);
    assert.is((await s.plan('--detailed-exitcode')).code, 0, 'the job as applied plans empty');
    const record = (await s.labelled()).volumes.find((v) => v.labels['moor.kind'] === 'backup');
    assert.is(record?.name, `${s.name}.moor-backup.nightly`);

    // Beside the sample: a symlink climbing out of its volume (the engine's extractor refuses those
    // under its extraction directory: a restore extracts from the worker's root), a path longer
    // than a tar header holds and a hard link to it (restore renames both into its staging directory).
    const deep = `data/${'deep-'.repeat(12)}/${'name-'.repeat(16)}.txt`;
    const tree = [
      ...sampleTree(300, 64),
      { header: { name: 'data/links/climbs-out', type: 'symlink' as const, linkname: '../../../../elsewhere', mode: 0o777 } },
      { header: { name: deep, mode: 0o4750, uid: 1234, gid: 5678 }, content: Buffer.from('deep\n') },
      { header: { name: 'data/links/deep-hard', type: 'link' as const, linkname: deep, mode: 0o4750, uid: 1234, gid: 5678 } },
    ];
    await writeTree(s.engine, image(s), s.en('data'), tree);
    await writeTree(s.engine, image(s), s.en('logs'), sampleTree(20, 8));
    await new Promise((r) => setTimeout(r, 1100));
    const t0 = Math.floor(Date.now() / 1000);
    const run = await backupCmd(s, 'run', 'nightly');
    assert.is(run.code, 0, show(run));
    assert.match(run.stdout, /^nightly: archive \d{8}T\d{6}\.\d{3}Z\.tar\.gz verified \(/);
    assert.ok(await running(s, 'db') && await running(s, 'app'), 'both containers run again');
    // Stopped last-first (app needs db), started first-first.
    assert.equal(await events(s, t0), [`stop ${s.en('app')}`, `stop ${s.en('db')}`, `start ${s.en('db')}`, `start ${s.en('app')}`]);

    const before = { data: await readTree(s.engine, image(s), s.en('data')), logs: await readTree(s.engine, image(s), s.en('logs')) };
    assert.ok(before.data.some((e) => e.path === 'dump.sql'), 'the before hook ran in db');
    const listed = await listJson(s);
    assert.is(listed.length, 1);
    assert.is(listed[0]!.status, 'verified');

    // The volumes change (a file rewritten, one added), then the archive is restored over them.
    await writeTree(s.engine, image(s), s.en('data'), [{ header: { name: 'data/bin/big', mode: 0o600 }, content: Buffer.from('changed') }, { header: { name: 'data/new-file' }, content: Buffer.from('x') }]);
    assert.ok(treeDiff(before.data, await readTree(s.engine, image(s), s.en('data'))).length > 0);
    const restore = await backupCmd(s, 'restore', 'nightly', '--yes');
    assert.is(restore.code, 0, show(restore));
    assert.match(restore.stdout, new RegExp(`volume ${s.en('data')}: its current contents are deleted and replaced by data/ of the archive`));
    assert.match(restore.stdout, new RegExp(`containers stopped during the restore and started again after: ${s.en('db')}, ${s.en('app')}`));
    assert.equal(treeDiff(before.data, await readTree(s.engine, image(s), s.en('data'))), [], 'data restored exactly');
    assert.equal(treeDiff(before.logs, await readTree(s.engine, image(s), s.en('logs'))), [], 'logs restored exactly');
    assert.ok(await running(s, 'db') && await running(s, 'app'));

    // Without a terminal and without --yes, restore refuses and changes nothing.
    const refused = await backupCmd(s, 'restore', 'nightly');
    assert.is(refused.code, 1, show(refused));
    assert.match(refused.stderr, /pass --yes/);
  });
});

bk('a failing archive (the target is a file, not a directory) still restarts the stopped containers, and the run fails naming the step', async () => {
  await withStack(prefix, 'full', async (s) => {
    s.writeRaw(backupStack(s, { target: "{ hostPath: './not-a-directory' }" }));
    writeFileSync(path.join(s.dir, 'not-a-directory'), 'a file where the archives should go\n');
    assert.is((await s.apply()).code, 0);
    await writeTree(s.engine, image(s), s.en('data'), sampleTree(50, 512));
    const run = await backupCmd(s, 'run', 'nightly');
    assert.is(run.code, 1, show(run));
    assert.match(run.stderr, /backup nightly failed at archive: the archiving worker \(tar\) exited \d+: .*(Not a directory|can't create directory)/s);
    assert.ok(await running(s, 'db') && await running(s, 'app'), 'both containers run again after the failure');
  });
});

bk('a corrupted archive fails verify; an archive with .. or absolute paths is refused by restore, nothing written; retention keeps the newest', async () => {
  await withStack(prefix, 'bad', async (s) => {
    s.writeRaw(backupStack(s, { keep: '{ last: 2 }' }));
    assert.is((await s.apply()).code, 0);
    await writeTree(s.engine, image(s), s.en('data'), sampleTree(40, 32));
    for (let i = 0; i < 3; i++) assert.is((await backupCmd(s, 'run', 'nightly')).code, 0);
    const dir = path.join(s.dir, 'archives', s.name, 'nightly');
    const kept = await listJson(s);
    assert.is(kept.length, 2, 'keep { last: 2 } after three runs');
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tar.gz')).length, 2);
    assert.is((await backupCmd(s, 'verify', 'nightly')).code, 0);

    // Flip bytes in the middle of the newest archive.
    const newest = kept[0]!.id;
    const file = path.join(dir, `${newest}.tar.gz`);
    const bytes = readFileSync(file);
    for (let i = 0; i < 16; i++) bytes[Math.floor(bytes.length / 2) + i]! ^= 0xff;
    writeFileSync(file, bytes);
    const verify = await backupCmd(s, 'verify', 'nightly', newest);
    assert.is(verify.code, 1, show(verify));
    assert.match(verify.stdout, /FAILED verification/);
    // Restoring it is refused during the extraction, beside the current data: the volumes keep
    // every byte, no staging directory is left, the containers were never stopped.
    const current = await readTree(s.engine, image(s), s.en('data'));
    const corrupt = await backupCmd(s, 'restore', 'nightly', '--at', newest, '--yes');
    assert.is(corrupt.code, 1, show(corrupt));
    assert.match(corrupt.stderr, /cannot be read|does not match its manifest/);
    assert.match(corrupt.stderr, /\(the archive read here, extracted here\)/, 'the engine is local: the corrupted archive was read here, and still refused');
    assert.match(corrupt.stderr, /the volumes keep their data/);
    assert.equal(treeDiff(current, await readTree(s.engine, image(s), s.en('data'))), [], 'the volume is as it was');
    assert.ok(await running(s, 'db') && await running(s, 'app'), 'nothing was stopped');

    // An archive whose gzip and tar are sound and whose size and sha256 match its manifest, but one
    // file's content differs from the manifest's entry: it is extracted into the staging directory,
    // found different at the end, and never switched in.
    const second = kept[1]!.id;
    const secondFile = path.join(dir, `${second}.tar.gz`);
    const tarBytes = gunzipSync(readFileSync(secondFile));
    const at = tarBytes.indexOf(Buffer.from('data/bin/big'));
    assert.ok(at >= 0 && at % 512 === 0, 'the entry data/bin/big is in the archive');
    tarBytes[at + 512 + 100]! ^= 0xff;
    const tampered = gzipSync(tarBytes);
    writeFileSync(secondFile, tampered);
    const secondManifest = path.join(dir, `${second}.manifest.jsonl`);
    const [head, ...rest] = readFileSync(secondManifest, 'utf8').split('\n');
    const headLine = { ...JSON.parse(head!), archiveBytes: tampered.length, archiveSha256: createHash('sha256').update(tampered).digest('hex') };
    writeFileSync(secondManifest, [JSON.stringify(headLine), ...rest].join('\n'));
    const differs = await backupCmd(s, 'restore', 'nightly', '--at', second, '--yes');
    assert.is(differs.code, 1, show(differs));
    assert.match(differs.stderr, /does not match its manifest: data\/bin\/big: sha256 differs/);
    assert.match(differs.stderr, /\(the archive read here, extracted here\)/);
    assert.match(differs.stderr, /the volumes keep their data/);
    assert.equal(treeDiff(current, await readTree(s.engine, image(s), s.en('data'))), [], 'the volume is as it was, no staging directory left');
    assert.ok(await running(s, 'db') && await running(s, 'app'), 'nothing was stopped');

    // An archive that climbs out of its volume, with a manifest that matches it exactly.
    const evilId = '20200101T000000.000Z';
    const tar = gzipSync(await tarOf([
      { header: { name: 'data/', type: 'directory', mode: 0o755 } },
      { header: { name: 'data/../../escaped', mode: 0o644 }, content: Buffer.from('owned') },
      { header: { name: '/abs-file', mode: 0o644 }, content: Buffer.from('owned') },
    ]));
    writeFileSync(path.join(dir, `${evilId}.tar.gz`), tar);
    const summary = {
      moor_backup_manifest: 1, stack: s.name, job: 'nightly', id: evilId, archive: `${evilId}.tar.gz`, created: '2020-01-01T00:00:00.000Z',
      compression: 'gzip', volumes: ['data'], archiveBytes: tar.length, archiveSha256: createHash('sha256').update(tar).digest('hex'),
      entries: 3, files: 2, directories: 1, symlinks: 0, bytes: 10, status: 'verified',
    };
    writeFileSync(path.join(dir, `${evilId}.manifest.jsonl`), `${JSON.stringify(summary)}\n`);
    const before = await readTree(s.engine, image(s), s.en('data'));
    const restore = await backupCmd(s, 'restore', 'nightly', '--at', evilId, '--yes');
    assert.is(restore.code, 1, show(restore));
    assert.match(restore.stderr, /refusing to restore: "data\/\.\.\/\.\.\/escaped"/);
    assert.equal(treeDiff(before, await readTree(s.engine, image(s), s.en('data'))), [], 'nothing was written');
    assert.ok(await running(s, 'db'), 'the containers were not even stopped');
    assert.not.ok(existsSync(path.join(s.dir, 'escaped')));

    // The same archive with a manifest that lies (only harmless entries): the manifest passes, the
    // archive's own headers do not, and the entry is refused before it is written.
    const liarId = '20200101T000001.000Z';
    const liar = gzipSync(await tarOf([
      { header: { name: 'data/', type: 'directory', mode: 0o755 } },
      { header: { name: 'data/fine', mode: 0o644 }, content: Buffer.from('fine\n') },
      { header: { name: 'data/link', type: 'symlink', linkname: '/', mode: 0o777 } },
      { header: { name: 'data/link/etc/owned', mode: 0o644 }, content: Buffer.from('owned') },
    ]));
    writeFileSync(path.join(dir, `${liarId}.tar.gz`), liar);
    const liarSummary = { ...summary, id: liarId, archive: `${liarId}.tar.gz`, created: '2020-01-01T00:00:01.000Z', archiveBytes: liar.length, archiveSha256: createHash('sha256').update(liar).digest('hex'), entries: 2, files: 1, bytes: 5 };
    const lines = [liarSummary, { path: 'data', type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0 }, { path: 'data/fine', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 5, sha256: createHash('sha256').update('fine\n').digest('hex') }];
    writeFileSync(path.join(dir, `${liarId}.manifest.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const lied = await backupCmd(s, 'restore', 'nightly', '--at', liarId, '--yes');
    assert.is(lied.code, 1, show(lied));
    assert.match(lied.stderr, /refusing to restore: "data\/link\/etc\/owned"/);
    assert.equal(treeDiff(before, await readTree(s.engine, image(s), s.en('data'))), [], 'the volume is as it was, no staging directory left');
    assert.ok(await running(s, 'db') && await running(s, 'app'), 'nothing was stopped');
  });
});

/** The manifests a job's runs wrote in the host directory ./archives, oldest first: summary and entry lines. */
function manifestsOf(s: TestStack, job: string): { summary: Record<string, unknown>; entries: string[] }[] {
  const dir = path.join(s.dir, 'archives', s.name, job);
  return readdirSync(dir).filter((f) => f.endsWith('.manifest.jsonl')).sort().map((f) => {
    const [head, ...rest] = readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean);
    return { summary: JSON.parse(head!), entries: rest };
  });
}

const apiOnly = { MOOR_LOCAL_VOLUMES: '0' };

/** unwritten() over every regular file under `dir`: the bytes not written to the disk yet. */
function unwrittenUnder(dir: string): number {
  let sum = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) sum += unwritten(path.join(e.parentPath ?? e.path, e.name));
  }
  return sum;
}
const withEnv = (s: TestStack, env: Record<string, string>, ...args: string[]) =>
  runMoor(['backup', args[0]!, s.relFile, ...args.slice(1)], { env: { MOOR_CACHE_DIR: path.join(s.dir, '..', 'cache'), ...env } });

bk('the engine is local: volumes and archive are read here, with the same manifest as through the API (gzip and none, host directory and volume target); restore reads the archive here', async () => {
  await withStack(prefix, 'local', async (s) => {
    s.writeRaw(backupStack(s, {
      keep: '{ last: 9 }',
      extra: `const store = volume('store');
  backup('plain', { volumes: [data, logs], target: { hostPath: './archives' }, schedule: '0 4 * * *', keep: { last: 9 }, compression: 'none', image: img });
  backup('vol', { volumes: [data], target: store, schedule: '0 5 * * *', keep: { last: 9 }, image: img });`,
    }));
    assert.is((await s.apply()).code, 0);
    await writeTree(s.engine, image(s), s.en('data'), sampleTree(200, 256));
    await writeTree(s.engine, image(s), s.en('logs'), sampleTree(20, 8));

    for (const [job, ext] of [['nightly', 'tar.gz'], ['plain', 'tar']] as const) {
      const here = await backupCmd(s, 'run', job);
      assert.is(here.code, 0, show(here));
      assert.match(here.stderr, new RegExp(`${job}: archive: read here: the volumes and the archive`), `${job}: the local path was taken`);
      assert.match(here.stderr, /read back from the target while tar wrote it/);
      const api = await withEnv(s, apiOnly, 'run', job);
      assert.is(api.code, 0, show(api));
      assert.not.match(api.stderr, /read here/, `${job}: MOOR_LOCAL_VOLUMES=0 reads through the API`);
      assert.match(api.stdout, new RegExp(`^${job}: archive \\d{8}T\\d{6}\\.\\d{3}Z\\.${ext.replace('.', '\\.')} verified`));
      const [local, viaApi] = manifestsOf(s, job);
      assert.equal([local!.summary.status, viaApi!.summary.status], ['verified', 'verified']);
      // Durable before older archives are pruned. Read here: written through as it was read, then
      // out of the page cache (write-behind.ts). Through the API: the finishing worker's sync left
      // no page unwritten.
      const archiveFile = (m: typeof local) => path.join(s.dir, 'archives', s.name, job, String(m!.summary.archive));
      assert.is(resident(archiveFile(local)), 0, `${job}: the archive read here is not left in the page cache`);
      assert.is(unwritten(archiveFile(viaApi)), 0, `${job}: the archive finished by the worker was written to the disk`);
      assert.ok(local!.entries.length > 250, `${job}: ${local!.entries.length} entries`);
      assert.equal(local!.entries, viaApi!.entries, `${job}: the same entries both ways`);
      for (const k of ['entries', 'files', 'directories', 'symlinks', 'bytes', 'compression']) assert.is(local!.summary[k], viaApi!.summary[k], k);
      assert.is((await backupCmd(s, 'verify', job)).code, 0);
      if (job === 'plain') {
        // Uncompressed and read here: the archive's tree digest, not its file's sha256 (a second
        // pass of sha256 over the same bytes); through the API, both. Each is the file's as it is.
        const file = (m: typeof local) => readFileSync(path.join(s.dir, 'archives', s.name, job, String(m!.summary.archive)));
        assert.equal([local!.summary.archiveSha256, local!.summary.archiveTreeSha256], ['', treeOf(file(local))]);
        assert.equal([viaApi!.summary.archiveSha256, viaApi!.summary.archiveTreeSha256], [createHash('sha256').update(file(viaApi)).digest('hex'), treeOf(file(viaApi))]);
        // One padding byte changed in the archive read here: no entry changes, the tree digest does.
        const where = path.join(s.dir, 'archives', s.name, job, String(local!.summary.archive));
        const intact = readFileSync(where);
        const changed = Buffer.from(intact);
        changed[paddingByte(changed)] = 0x2a;
        writeFileSync(where, changed);
        try {
          const bad = await backupCmd(s, 'verify', job, String(local!.summary.id));
          assert.is(bad.code, 1, show(bad));
          assert.match(bad.stdout + bad.stderr, /tree digest of the archive differs from the manifest/);
          assert.not.match(bad.stdout + bad.stderr, /: sha256 differs|missing|unexpected/);
        } finally {
          writeFileSync(where, intact);
        }
        assert.is((await backupCmd(s, 'verify', job, String(local!.summary.id))).code, 0);
      }
    }

    // What every archive since the first holds (nightly's hook wrote dump.sql before its first run).
    const before = { data: await readTree(s.engine, image(s), s.en('data')), logs: await readTree(s.engine, image(s), s.en('logs')) };
    // A restore of the uncompressed archive reads it here; one through the API still works.
    await writeTree(s.engine, image(s), s.en('data'), [{ header: { name: 'data/bin/big', mode: 0o600 }, content: Buffer.from('changed') }]);
    // A `sync` on PATH that logs its arguments, then syncs.
    const bin = path.join(s.dir, 'sync-bin');
    const syncLog = path.join(s.dir, 'sync.log');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'sync'), `#!/bin/sh\necho "$*" >> ${JSON.stringify(syncLog)}\nexec /bin/sync "$@"\n`, { mode: 0o755 });
    const restored = await withEnv(s, { PATH: `${bin}:${process.env.PATH}` }, 'restore', 'plain', '--yes');
    assert.is(restored.code, 0, show(restored));
    assert.match(restored.stderr, /beside the current data \(the archive read here, extracted here\)/);
    // Durable before the old data went (durable.ts): the volumes' file system synced before the
    // switch (the staged copy, both volumes at once) and before each volume's old data is deleted.
    const beside = async (v: string) => path.dirname((await s.engine.request<{ Mountpoint: string }>('GET', `/volumes/${encodeURIComponent(s.en(v))}`)).Mountpoint);
    const [dataBeside, logsBeside] = [await beside('data'), await beside('logs')];
    // The old data is deleted by a process of its own, after moor's exit (old-data.ts).
    const synced = await eventually('the deleting process to sync', async () => {
      const lines = readFileSync(syncLog, 'utf8').split('\n').filter(Boolean);
      return lines.length >= 2 ? lines : null;
    });
    assert.is(synced[0], `-f -- ${dataBeside} ${logsBeside}`, synced.join(' | '));
    assert.match(synced[1]!, new RegExp(`^-f -- ${dataBeside}/\\.moor-restore-[0-9a-f]+\\.old ${logsBeside}/\\.moor-restore-[0-9a-f]+\\.old$`), synced.join(' | '));
    assert.is(synced.length, 2, synced.join(' | '));
    assert.is(unwrittenUnder(path.join(dataBeside, '_data')), 0, 'the restored data is on the disk');
    assert.equal(treeDiff(before.data, await readTree(s.engine, image(s), s.en('data'))), [], 'data restored exactly');
    assert.equal(treeDiff(before.logs, await readTree(s.engine, image(s), s.en('logs'))), [], 'logs restored exactly');
    await writeTree(s.engine, image(s), s.en('data'), [{ header: { name: 'data/new-file' }, content: Buffer.from('x') }]);
    const viaApi = await withEnv(s, apiOnly, 'restore', 'nightly', '--yes');
    assert.is(viaApi.code, 0, show(viaApi));
    assert.not.match(viaApi.stderr, /read here/);
    assert.equal(treeDiff(before.data, await readTree(s.engine, image(s), s.en('data'))), [], 'data restored exactly through the API');

    // A volume target: proven by the same probe, read here too.
    const vol = await backupCmd(s, 'run', 'vol');
    assert.is(vol.code, 0, show(vol));
    assert.match(vol.stderr, /vol: archive: read here: the volumes and the archive/);
    assert.is((await backupCmd(s, 'verify', 'vol')).code, 0);
    // Its folder is listed here (no listing worker started: only the proof's, never started), as the worker lists it;
    // an archive whose run died (a .part, no manifest) too.
    await writeTree(s.engine, image(s), s.en('store'), [{ header: { name: `data/${s.name}/vol/20200101T000000.000Z.tar.gz.part`, mode: 0o600 }, content: Buffer.from('cut') }]);
    const since = Math.floor(Date.now() / 1000);
    const listedHere = await backupCmd(s, 'list', 'vol', '--json');
    assert.is(listedHere.code, 0, show(listedHere));
    const created = await containersCreatedSince(s, since);
    assert.ok(created.some((n) => /\.moor-backup-prove(-[0-9a-f]+)?$/.test(n)), created.join(', '));
    assert.not.ok(created.some((n) => /\.moor-backup-list(-[0-9a-f]+)?$/.test(n)), `listed here, not by a worker: ${created.join(', ')}`);
    const listedByWorker = await withEnv(s, apiOnly, 'list', 'vol', '--json');
    assert.is(listedByWorker.code, 0, show(listedByWorker));
    assert.equal(JSON.parse(listedHere.stdout), JSON.parse(listedByWorker.stdout), 'the same listing both ways');
    assert.is((JSON.parse(listedHere.stdout) as unknown[]).length, 2, listedHere.stdout);
    // Through the engine, the listing is a worker's.
    const since2 = Math.floor(Date.now() / 1000);
    assert.is((await withEnv(s, apiOnly, 'list', 'vol')).code, 0);
    assert.ok((await containersCreatedSince(s, since2)).some((n) => /\.moor-backup-list(-[0-9a-f]+)?$/.test(n)), 'MOOR_LOCAL_VOLUMES=0 lists through a worker');
    await writeTree(s.engine, image(s), s.en('data'), [{ header: { name: 'data/new-file' }, content: Buffer.from('y') }]);
    const fromVolume = await backupCmd(s, 'restore', 'vol', '--yes');
    assert.is(fromVolume.code, 0, show(fromVolume));
    assert.match(fromVolume.stderr, /\(the archive read here, extracted here\)/);
    assert.equal(treeDiff(before.data, await readTree(s.engine, image(s), s.en('data'))), [], 'data restored exactly from the volume target');
    // No probe file is left where the worker wrote one (the job's folder; the record volume is checked through the engine).
    for (const job of ['nightly', 'plain']) assert.equal(readdirSync(path.join(s.dir, 'archives', s.name, job)).filter((f) => f.startsWith('.moor-probe')), [], job);
    for (const job of ['nightly', 'plain', 'vol']) {
      const record = await readTree(s.engine, image(s), `${s.name}.moor-backup.${job}`);
      assert.equal(record.filter((e) => e.path.includes('.moor-probe')), [], `no probe left in the record volume of ${job}`);
    }
  });
});

/** Names of the stack's containers the engine created since `since` (seconds), from its events. */
async function containersCreatedSince(s: TestStack, since: number): Promise<string[]> {
  const until = Math.floor(Date.now() / 1000) + 1;
  const raw = (await s.engine.requestRaw('GET', '/events', { query: { since, until, filters: JSON.stringify({ type: ['container'], event: ['create'] }) } })).toString();
  return raw.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { Actor: { Attributes: { name: string } } }).Actor.Attributes.name).filter((n) => n.startsWith(s.name));
}

/** What is beside a volume's `_data` in the engine's volumes directory (the engine is local). */
async function besideData(s: TestStack, volume: string): Promise<string[]> {
  const v = await s.engine.request<{ Mountpoint: string }>('GET', `/volumes/${encodeURIComponent(volume)}`);
  return readdirSync(path.dirname(v.Mountpoint)).sort();
}

bk('extracted here: the restored tree (links out of the volume, hard links, setuid, owners, empty files, mtimes) is what the engine restores; a FIFO sends it to the engine; nothing left beside _data', async () => {
  await withStack(prefix, 'here', async (s) => {
    s.writeRaw(backupStack(s, {
      extra: `backup('plain', { volumes: [data, logs], target: { hostPath: './archives' }, schedule: '0 4 * * *', keep: { last: 9 }, compression: 'none', image: img });`,
    }));
    assert.is((await s.apply()).code, 0);
    const old = new Date('2020-02-02T02:02:02Z');
    const deep = `data/${'deep-'.repeat(12)}/${'name-'.repeat(16)}.txt`;
    await writeTree(s.engine, image(s), s.en('data'), [
      ...sampleTree(200, 256),
      { header: { name: 'data/links/climbs-out', type: 'symlink' as const, linkname: '../../../../etc', mode: 0o777, uid: 4321, gid: 8765 } },
      { header: { name: 'data/links/host-etc', type: 'symlink' as const, linkname: '/etc', mode: 0o777, uid: 4321, gid: 8765, mtime: old } },
      { header: { name: deep, mode: 0o6750, uid: 1234, gid: 5678, mtime: old }, content: Buffer.from('deep\n') },
      { header: { name: 'data/links/deep-hard', type: 'link' as const, linkname: deep, mode: 0o6750, uid: 1234, gid: 5678, mtime: old } },
      { header: { name: 'data/old/', type: 'directory', mode: 0o711, uid: 3, gid: 4, mtime: old } },
      { header: { name: 'data/old/empty', mode: 0o400, uid: 5, gid: 6, mtime: old }, content: Buffer.alloc(0) },
    ]);
    await writeTree(s.engine, image(s), s.en('logs'), sampleTree(20, 8));
    assert.is((await backupCmd(s, 'run', 'plain')).code, 0);
    const before = { data: await readTree(s.engine, image(s), s.en('data'), true), logs: await readTree(s.engine, image(s), s.en('logs'), true) };
    const change = (name: string) => writeTree(s.engine, image(s), s.en('data'), [{ header: { name: 'data/bin/big', mode: 0o600 }, content: Buffer.from('changed') }, { header: { name: `data/${name}` }, content: Buffer.from('x') }]);

    await change('new-1');
    const here = await backupCmd(s, 'restore', 'plain', '--yes');
    assert.is(here.code, 0, show(here));
    assert.match(here.stderr, /\(the archive read here, extracted here\)/, show(here));
    assert.equal(treeDiff(before.data, await readTree(s.engine, image(s), s.en('data'), true)), [], 'data restored exactly, times too');
    assert.equal(treeDiff(before.logs, await readTree(s.engine, image(s), s.en('logs'), true)), [], 'logs restored exactly, times too');
    // The old data goes in a process of its own, after the command; then nothing is left beside _data.
    const deleter = Number(/deleting the replaced data in the background \(pid (\d+)\)/.exec(here.stderr)?.[1]);
    assert.ok(deleter > 0, show(here));
    await eventually('the replaced data is deleted', async () => !existsSync(`/proc/${deleter}`));
    assert.equal(await besideData(s, s.en('data')), ['_data'], 'no staging or old data left beside _data');
    assert.ok(await running(s, 'db') && await running(s, 'app'));

    await change('new-2');
    const api = await withEnv(s, apiOnly, 'restore', 'plain', '--yes');
    assert.is(api.code, 0, show(api));
    assert.not.match(api.stderr, /read here/);
    assert.equal(treeDiff(before.data, await readTree(s.engine, image(s), s.en('data'), true)), [], 'the engine restores the same tree');

    // A FIFO in the archive: the manifest says so before anything is written, the engine extracts it all.
    await writeTree(s.engine, image(s), s.en('data'), [{ header: { name: 'data/pipe', type: 'fifo', mode: 0o644 } }]);
    assert.is((await backupCmd(s, 'run', 'plain')).code, 0);
    const withFifo = await readTree(s.engine, image(s), s.en('data'), true);
    await change('new-3');
    const fifo = await backupCmd(s, 'restore', 'plain', '--yes');
    assert.is(fifo.code, 0, show(fifo));
    assert.match(fifo.stderr, /\(the archive read here\)/);
    assert.not.match(fifo.stderr, /extracted here/);
    assert.equal(treeDiff(withFifo, await readTree(s.engine, image(s), s.en('data'), true)), [], 'restored exactly through the engine');
  });
});

bk('read here, a volume written during the run (a container not stopped) still fails verify, for gzip and none', async () => {
  await withStack(prefix, 'tamper', async (s) => {
    // The writer rewrites a file of constant size in place, without pause: tar and moor's own read
    // of the volume see different contents (tar does not fail on it: the size never changes).
    const loop = 'i=0; while :; do i=$((i+1)); printf "%012d" $i | dd of=/logs/counter conv=notrunc 2>/dev/null; done';
    s.writeRaw(backupStack(s, {
      keep: '{ last: 9 }',
      extra: `container('writer', { image: img, command: ['sh', '-c', ${JSON.stringify(loop)}], mounts: [{ volume: logs, target: '/logs' }], stopSignal: 'SIGKILL' });
  backup('plain', { volumes: [data, logs], target: { hostPath: './archives' }, schedule: '0 4 * * *', keep: { last: 9 }, compression: 'none', image: img, stop: [app, db] });`,
    }));
    assert.is((await s.apply()).code, 0);
    await writeTree(s.engine, image(s), s.en('data'), sampleTree(100, 1024));
    for (const job of ['nightly', 'plain']) {
      // The contents change every few milliseconds: a run whose two reads fell between the same two writes would pass; three tries.
      let caught: Awaited<ReturnType<typeof backupCmd>> | undefined;
      for (let i = 0; i < 3 && !caught; i++) {
        const r = await backupCmd(s, 'run', job);
        assert.match(r.stderr, new RegExp(`${job}: archive: read here: the volumes and the archive, the archive's files compared byte for byte with the volumes'`), show(r));
        if (r.code !== 0) caught = r;
      }
      assert.ok(caught, `${job}: the changing file was never caught`);
      assert.match(caught!.stderr, new RegExp(`backup ${job} failed at verify: the archive does not hold what the volumes held .*logs/counter: sha256 differs`));
      const last = manifestsOf(s, job).at(-1)!;
      assert.is(last.summary.status, 'failed');
    }
  });
});

bk('the daemon runs an every-second job, never twice at once, and stops cleanly on SIGTERM', async () => {
  await withStack(prefix, 'daemon', async (s) => {
    s.writeRaw(backupStack(s, { schedule: '* * * * * *', keep: '{ last: 3 }' }));
    assert.is((await s.apply()).code, 0);
    const child = spawn(process.execPath, [MOOR_BIN, 'backup', 'daemon', s.relFile], { env: { ...process.env, NO_COLOR: '1', MOOR_CACHE_DIR: path.join(s.dir, '..', 'cache') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await eventually('two runs of the daemon finished', async () => (out.match(/nightly: archive .* verified/g) ?? []).length >= 2, 60_000);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
    assert.is(code, 0, `daemon exit on SIGTERM\n${out}`);
    assert.match(out, /SIGTERM: stopping after the running job/);
    assert.match(out, /daemon for stack .* stopped/);
    assert.ok(await running(s, 'db') && await running(s, 'app'), 'no container left stopped');
    const workers = await s.engine.request<unknown[]>('GET', '/containers/json', { query: { all: 1, filters: JSON.stringify({ label: [`moor.backup=${s.name}/nightly`] }) } });
    assert.equal(workers, [], 'no worker container left');
    const listed = await listJson(s);
    assert.ok(listed.length >= 2 && listed.length <= 3 && listed.every((a) => a.status === 'verified'), JSON.stringify(listed));
  });
});

bk('bad job definitions are plan errors naming file, resource and field; nothing is created', async () => {
  await withStack(prefix, 'invalid', async (s) => {
    s.writeRaw(backupStack(s, { schedule: '61 * * * *' }));
    const r = await s.apply();
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, /stack\.ts:\d+:\d+ backup\.nightly › schedule: minute 61 is out of range 0-59/);
    s.writeRaw(backupStack(s, { target: 'tiny', extraVolumes: "const tiny = volume('tiny', { provider: tmpfs({ size: '64k' }) });" }));
    const memory = await s.apply();
    assert.is(memory.code, 1, show(memory));
    assert.match(memory.stderr, /stack\.ts:\d+:\d+ backup\.nightly › target: volume "tiny" keeps its files in memory only/);
    assert.is(await s.labelledCount(), 0);
  });
});

bk.run();
