/**
 * A backup run's error paths (core/backup/run.ts) against the fake engine, whose workers do what
 * their scripts do (test/fixtures/fake-workers.ts): which step fails and says so, what was
 * stopped is started again, and nothing is pruned unless the new archive was verified.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BackupStepError, runBackup } from '../../../core/backup/run.js';
import { parseManifest } from '../../../core/backup/archive-file.js';
import { readIntent } from '../../../core/model/intent.js';
import { backupRig, type BackupRig } from '../../fixtures/fake-backup.js';
import { archiveProgram, isWorker } from '../../fixtures/fake-workers.js';

// The fake engine's volumes are not directories of this machine: its runs read through the API,
// as they would with a remote engine (the local reads are tested on the real engine, test/e2e/backup.test.ts).
// Set per suite, not for the process: the test runner runs every file in one.
let localBefore: string | undefined;
const apiOnly = {
  before: () => {
    localBefore = process.env.MOOR_LOCAL_VOLUMES;
    process.env.MOOR_LOCAL_VOLUMES = '0';
  },
  after: () => {
    if (localBefore === undefined) delete process.env.MOOR_LOCAL_VOLUMES;
    else process.env.MOOR_LOCAL_VOLUMES = localBefore;
  },
};

const day = (d: number) => () => new Date(`2026-12-0${d}T03:00:00.000Z`);
const ID1 = '20261201T030000.000Z';
const ID2 = '20261202T030000.000Z';

async function failure(p: Promise<unknown>): Promise<BackupStepError> {
  const e = await p.then(() => assert.unreachable('expected the run to fail') as never, (err: unknown) => err);
  assert.instance(e, BackupStepError);
  return e as BackupStepError;
}

/** The summary of the manifest the run wrote beside archive `id`. */
const summaryOf = (rig: BackupRig, id: string) =>
  parseManifest(rig.engine.volumes.get('shop-backups')!.files.readFile(`shop/nightly/${id}.manifest.jsonl`)!.toString())!.summary;

const run = (rig: BackupRig, d: number) => runBackup(rig.engine.client, 'shop', rig.job, { now: day(d) });

const ok = suite('runBackup: the run that works (the fake engine is right)');
ok.before(apiOnly.before);
ok.after(apiOnly.after);

ok('stop last-first, archive, start first-first, verify, write the manifest; the next run prunes the older archive', async () => {
  const rig = await backupRig();
  try {
    let from = rig.engine.requests.length;
    const r = await run(rig, 1);
    assert.equal([r.archive.status, r.archive.files, r.pruned, r.restarted], ['verified', 2, [], ['shop-db', 'shop-web']]);
    // The record of what it stops goes on the engine first and is removed once they run again; the
    // finishing worker reads the volumes, then (after the manifest is put as .part) renames both and lists.
    assert.equal(rig.writes(from), [
      'POST /volumes/create',
      'POST /containers/shop-web/stop?t=10',
      'POST /containers/shop-db/stop?t=10',
      'POST /containers/create?name=shop-nightly.moor-backup-finish',
      'POST /containers/create?name=shop-nightly.moor-backup-archive',
      'POST /containers/{shop-nightly.moor-backup-archive}/attach?stream=1&stdout=1&stderr=1&stdin=1',
      'POST /containers/{shop-nightly.moor-backup-archive}/wait?condition=removed',
      'POST /containers/{shop-nightly.moor-backup-archive}/start',
      'POST /containers/shop-db/start',
      'POST /containers/shop-web/start',
      'DELETE /volumes/shop.moor-intent-ID',
      'PUT /containers/{shop-nightly.moor-backup-finish}/archive?path=/moor/target/shop/nightly',
      'POST /containers/{shop-nightly.moor-backup-finish}/start',
      'POST /containers/{shop-nightly.moor-backup-finish}/wait',
      'DELETE /containers/{shop-nightly.moor-backup-archive}?force=true',
      'DELETE /containers/{shop-nightly.moor-backup-finish}?force=true',
    ]);
    const record = rig.engine.requests.slice(from).find((r) => r.line === 'POST /volumes/create')!.body as { Name: string; Labels: Record<string, string> };
    assert.match(record.Name, /^shop\.moor-intent-[0-9a-f]{8}$/);
    assert.equal(readIntent(record.Labels), { ...readIntent(record.Labels)!, command: 'backup run nightly', job: 'nightly', step: 'stop', stopped: ['shop-db', 'shop-web'], pid: process.pid });
    assert.equal(rig.intents(), []);
    // The archiving worker: stdin attached (its watchdog), removed by the engine when it exited.
    const archiver = rig.engine.requests.slice(from).find((r) => r.line.startsWith('POST /containers/create?name=shop-nightly.moor-backup-archive'))!.body as { HostConfig: { AutoRemove?: boolean }; OpenStdin?: boolean };
    assert.equal([archiver.HostConfig.AutoRemove, archiver.OpenStdin], [true, true]);
    assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web running']);
    assert.equal(rig.archives(), [`${ID1}.manifest.jsonl`, `${ID1}.tar.gz`]);
    from = rig.engine.requests.length;
    assert.equal((await run(rig, 2)).pruned, [ID1]);
    assert.ok(rig.writes(from).includes('POST /containers/create?name=shop-nightly.moor-backup-prune'));
    assert.equal(rig.archives(), [`${ID2}.manifest.jsonl`, `${ID2}.tar.gz`]);
    assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web running']);
  } finally {
    await rig.close();
  }
});

ok('stop: of a container with replicas stops all of them, last to first, and starts them first to last', async () => {
  const rig = await backupRig({ webReplicas: 2 });
  try {
    const from = rig.engine.requests.length;
    const r = await run(rig, 1);
    assert.equal([r.archive.status, r.restarted], ['verified', ['shop-db', 'shop-web-1', 'shop-web-2']]);
    const lifecycle = rig.writes(from).filter((w) => /^POST \/containers\/shop-(db|web-\d)\/(stop|start)/.test(w));
    assert.equal(lifecycle, [
      'POST /containers/shop-web-2/stop?t=10',
      'POST /containers/shop-web-1/stop?t=10',
      'POST /containers/shop-db/stop?t=10',
      'POST /containers/shop-db/start',
      'POST /containers/shop-web-1/start',
      'POST /containers/shop-web-2/start',
    ]);
    assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web-1 running', 'shop-web-2 running']);
  } finally {
    await rig.close();
  }
});

ok('a hook in a container with replicas runs in replica 1', async () => {
  const rig = await backupRig({ webReplicas: 2, hooksIn: 'web', before: [['true']] });
  try {
    const from = rig.engine.requests.length;
    assert.is((await run(rig, 1)).archive.status, 'verified');
    assert.ok(rig.writes(from).includes('POST /containers/shop-web-1/exec'), rig.writes(from).join('\n'));
  } finally {
    await rig.close();
  }
});

ok.run();

const fails = suite('runBackup: a step fails');
fails.before(apiOnly.before);
fails.after(apiOnly.after);

fails('a hook before fails: nothing is stopped, no worker is made', async () => {
  const rig = await backupRig({ before: [['sh', '-c', 'pg_dump > /data/dump.sql']] });
  try {
    rig.engine.onExec = () => ({ exitCode: 1, stderr: 'pg_dump: error: connection refused\n' });
    const from = rig.engine.requests.length;
    const e = await failure(run(rig, 1));
    assert.is(e.step, 'hooks before');
    assert.is(e.message, 'hooks before: [0] ["sh","-c","pg_dump > /data/dump.sql"] in shop-db exited 1: pg_dump: error: connection refused');
    assert.equal(rig.writes(from).map((l) => l.replace(/exec\/[0-9a-f]+/, 'exec/ID')), ['POST /containers/shop-db/exec', 'POST /exec/ID/start']);
    assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web running']);
    assert.equal(rig.archives(), []);
  } finally {
    await rig.close();
  }
});

fails('stopping fails half-way: what was stopped is started again, no worker is made', async () => {
  const rig = await backupRig();
  try {
    rig.engine.fail('POST /containers/shop-db/stop', { status: 500, message: 'cannot kill container: permission denied' });
    const from = rig.engine.requests.length;
    const e = await failure(run(rig, 1));
    assert.is(e.message, 'stop: POST /containers/shop-db/stop: engine answered 500: cannot kill container: permission denied');
    assert.equal(rig.writes(from), [
      'POST /volumes/create', 'POST /containers/shop-web/stop?t=10', 'POST /containers/shop-db/stop?t=10', 'POST /containers/shop-web/start',
      'DELETE /volumes/shop.moor-intent-ID',
    ]);
    assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web running']);
    // Everything runs again: the record is gone (else the next command would take the run for an interrupted one).
    assert.equal(rig.intents(), []);
  } finally {
    await rig.close();
  }
});

fails('the archiving worker fails: the containers are started again, the worker removed, no manifest written, nothing pruned', async () => {
  const rig = await backupRig();
  try {
    await run(rig, 1);
    rig.engine.program(isWorker('archive'), archiveProgram({ tarFails: { stderr: 'tar: data/base/t: Cannot open: Permission denied\n', code: 2 } }));
    const from = rig.engine.requests.length;
    const e = await failure(run(rig, 2));
    assert.is(e.message, 'archive: the archiving worker (tar) exited 3: tar: data/base/t: Cannot open: Permission denied\ntar exited 2');
    const writes = rig.writes(from);
    assert.equal(writes.slice(-5), [
      'POST /containers/shop-db/start', 'POST /containers/shop-web/start', 'DELETE /volumes/shop.moor-intent-ID',
      'DELETE /containers/{shop-nightly.moor-backup-archive}?force=true', 'DELETE /containers/{shop-nightly.moor-backup-finish}?force=true',
    ]);
    // The finishing worker never ran: nothing renamed, listed or pruned; no manifest.
    assert.not.ok(writes.some((l) => /moor-backup-(finish\}\/start|prune)|PUT /.test(l)));
    assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web running']);
    assert.equal(rig.intents(), []);
    // What tar wrote stays a .part, pruned by the next run that works.
    assert.equal(rig.archives(), [`${ID1}.manifest.jsonl`, `${ID1}.tar.gz`, `${ID2}.tar.gz.part`]);
  } finally {
    await rig.close();
  }
});

fails('the archive fails and a container does not start again: both are told, the others are started', async () => {
  const rig = await backupRig();
  try {
    rig.engine.program(isWorker('archive'), archiveProgram({ tarFails: { stderr: 'tar: write error: No space left on device\n', code: 1 } }));
    rig.engine.fail('POST /containers/shop-db/start', { status: 500, message: 'error mounting volume' });
    const e = await failure(run(rig, 1));
    assert.is(e.step, 'archive');
    assert.match(e.message, /^archive: the archiving worker \(tar\) exited 3: tar: write error: No space left on device\ntar exited 1; and then/);
    assert.match(e.message, /; and then restart: could not start again: shop-db: POST \/containers\/shop-db\/start: engine answered 500: error mounting volume$/);
    assert.equal(rig.engine.containerStates(), ['shop-db exited', 'shop-web running']);
    // shop-db is still stopped: the record stays, for the next command to start it again.
    assert.equal(rig.intents(), [{ step: 'stop', stopped: ['shop-db', 'shop-web'] }]);
  } finally {
    await rig.close();
  }
});

// When moor's read-back fails (here the stream is not gzip), moor closes the worker's output, the
// worker dies on the closed pipe (its dd's errors go to /dev/null): the read is the cause to tell.
fails('the read-back fails, so the worker dies on the closed pipe: the error names the read as the cause', async () => {
  const rig = await backupRig();
  try {
    rig.engine.program(isWorker('archive'), archiveProgram({ bytes: () => Buffer.alloc(64 * 2 ** 20, 'not gzip') }));
    const e = await failure(run(rig, 1));
    assert.match(e.message, new RegExp(`^archive: the archiving worker \\(tar\\) exited 1; reading it back: ${ID1}\\.tar\\.gz cannot be read \\(it broke after \\d+ bytes\\): incorrect header check$`));
    assert.equal(rig.intents(), []);
    assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web running']);
  } finally {
    await rig.close();
  }
});

fails('the archive does not hold what the volumes held: the manifest says failed and why, nothing is pruned', async () => {
  const rig = await backupRig();
  try {
    await run(rig, 1);
    rig.engine.program(isWorker('archive'), archiveProgram({
      alter: (entries) => entries.map((x) => (x.header.name === 'data/dump.sql' ? { ...x, content: Buffer.from('half a dump') } : x)),
    }));
    const from = rig.engine.requests.length;
    const e = await failure(run(rig, 2));
    assert.is(e.step, 'verify');
    assert.match(e.message, /^verify: the archive does not hold what the volumes held \(did something write to them during the run\? list its containers in stop\): data\/dump\.sql: /);
    const s = summaryOf(rig, ID2);
    assert.equal([s.status, s.reason], ['failed', e.message.slice('verify: '.length)]);
    // Named (the finishing worker ran), but nothing pruned.
    assert.not.ok(rig.writes(from).some((l) => /moor-backup-prune/.test(l)));
    assert.equal(rig.archives(), [`${ID1}.manifest.jsonl`, `${ID1}.tar.gz`, `${ID2}.manifest.jsonl`, `${ID2}.tar.gz`]);
    assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web running']);
  } finally {
    await rig.close();
  }
});

fails('the manifest cannot be written: the run fails at verify, nothing is pruned', async () => {
  const rig = await backupRig();
  try {
    await run(rig, 1);
    rig.engine.fail((r) => r.method === 'PUT' && r.path.endsWith('/archive'), { status: 500, message: 'no space left on device' });
    const from = rig.engine.requests.length;
    const e = await failure(run(rig, 2));
    assert.match(e.message, /^verify: the manifest could not be written beside the archive: PUT \/containers\/[0-9a-f]+\/archive: engine answered 500: no space left on device$/);
    assert.not.ok(rig.writes(from).some((l) => /moor-backup-(list|prune)/.test(l)));
    // Never verified nor named: the archive stays a .part (the next run prunes it), the finishing worker never started.
    assert.not.ok(rig.writes(from).some((l) => l.includes('moor-backup-finish}/start')));
    assert.equal(rig.archives(), [`${ID1}.manifest.jsonl`, `${ID1}.tar.gz`, `${ID2}.tar.gz.part`]);
  } finally {
    await rig.close();
  }
});

fails('pruning fails: the new archive stands verified, the old one is still there, the hooks after are not run', async () => {
  const rig = await backupRig({ after: [['sh', '-c', 'rm /data/dump.sql']] });
  try {
    await run(rig, 1);
    const hooks: string[][] = [];
    rig.engine.onExec = (_c, cmd) => (hooks.push(cmd), { exitCode: 0 });
    rig.engine.program(isWorker('prune'), async (p) => {
      p.stdout("rm: can't remove '/moor/target/shop/nightly/20261201T030000.000Z.tar.gz': Read-only file system\n");
      return 1;
    });
    const e = await failure(run(rig, 2));
    assert.is(e.message, "prune: removing old archives failed (exit code 1): rm: can't remove '/moor/target/shop/nightly/20261201T030000.000Z.tar.gz': Read-only file system");
    assert.is(summaryOf(rig, ID2).status, 'verified');
    assert.equal(rig.archives(), [`${ID1}.manifest.jsonl`, `${ID1}.tar.gz`, `${ID2}.manifest.jsonl`, `${ID2}.tar.gz`]);
    assert.equal(hooks, []);
    assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web running']);
  } finally {
    await rig.close();
  }
});

fails.run();
