/**
 * A restore's error paths (core/backup/restore.ts) against the fake engine and its emulated
 * workers: a bad manifest or archive is refused before anything is stopped or switched, and the
 * volumes keep their data; a failed switch or stop still starts the containers again.
 */
import { localReadsPossible } from '../../../core/volume-data/local.js';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { serializeManifest, parseManifest } from '../../../core/backup/archive-file.js';
import { digestProblems, planRestore, RestoreError, runRestore } from '../../../core/backup/restore.js';
import { runBackup } from '../../../core/backup/run.js';
import { readIntent } from '../../../core/model/intent.js';
import { backupRig, type BackupRig } from '../../fixtures/fake-backup.js';
import { isWorker } from '../../fixtures/fake-workers.js';

const ID = '20261201T030000.000Z';
const MANIFEST = `shop/nightly/${ID}.manifest.jsonl`;

/** A rig with one verified archive of the data, and the data changed since. */
async function archived(): Promise<{ rig: BackupRig; original: string[] }> {
  const rig = await backupRig();
  const original = rig.data.snapshot();
  await runBackup(rig.engine.client, 'shop', rig.job, { now: () => new Date('2026-12-01T03:00:00.000Z') });
  rig.data.writeFile('dump.sql', 'DROP TABLE t;\n');
  rig.data.writeFile('new-file', 'written after the backup\n');
  return { rig, original };
}

async function restore(rig: BackupRig, log: string[] = []): Promise<void> {
  const plan = await planRestore(rig.engine.client, 'shop', rig.job, {});
  assert.is(await runRestore(rig.engine.client, 'shop', rig.job, plan, (l) => log.push(l)), null, 'nothing left to delete');
}

async function refused(p: Promise<unknown>): Promise<Error> {
  return p.then(() => assert.unreachable('expected the restore to fail') as never, (e: unknown) => e as Error);
}

const target = (rig: BackupRig) => rig.engine.volumes.get('shop-backups')!.files;
const stops = (rig: BackupRig, since: number) => rig.writes(since).filter((l) => /\/(stop|start)\b/.test(l) && !l.includes('moor-backup'));

const works = suite('runRestore: the restore that works (the fake engine is right)');

works('the archive is extracted beside the data, the users stopped, the volume switched, the users started', async () => {
  const { rig, original } = await archived();
  try {
    const from = rig.engine.requests.length;
    await restore(rig);
    assert.equal(rig.data.snapshot(), original);
    assert.equal(stops(rig, from), ['POST /containers/shop-db/stop', 'POST /containers/shop-db/start']);
    assert.equal(rig.writes(from).filter((l) => l.startsWith('POST /containers/create')), [
      // The proof that the engine is local (listing here): it fails on the fake engine, whose volumes are on no disk.
      ...(localReadsPossible(rig.engine.client) ? ['POST /containers/create?name=shop-nightly.moor-backup-prove'] : []),
      'POST /containers/create?name=shop-nightly.moor-backup-list',
      'POST /containers/create?name=shop-nightly.moor-backup-restore',
      'POST /containers/create?name=shop-nightly.moor-backup-extract',
      'POST /containers/create?name=shop-nightly.moor-backup-switch',
    ]);
    // The archive goes into the engine's extractor of the second worker, from its root.
    assert.ok(rig.writes(from).includes('PUT /containers/{shop-nightly.moor-backup-extract}/archive?path=/&noOverwriteDirNonDir=1'), rig.writes(from).join('\n'));
    // A record before the extraction (stage), replaced by one before the stop (switch: what stops, each volume's root), both gone once done.
    assert.equal(rig.writes(from).filter((l) => l.includes('/volumes')), [
      'POST /volumes/create', 'POST /volumes/create', 'DELETE /volumes/shop.moor-intent-ID', 'DELETE /volumes/shop.moor-intent-ID',
    ]);
    const records = rig.engine.requests.slice(from).filter((r) => r.line === 'POST /volumes/create').map((r) => readIntent((r.body as { Labels: Record<string, string> }).Labels)!);
    assert.equal(records.map((i) => [i.step, i.stopped, i.restore!.volumes.map((v) => [v.volume, v.engineVolume, v.mode, v.owner])]), [
      ['stage', [], [['data', 'shop-data', undefined, undefined]]],
      ['switch', ['shop-db'], [['data', 'shop-data', '0755', '0:0']]],
    ]);
    const stopAt = rig.engine.requests.findIndex((r, i) => i >= from && r.line.startsWith('POST /containers/shop-db/stop'));
    const switchRecordAt = rig.engine.requests.findIndex((r, i) => i >= from && r.line === 'POST /volumes/create' && readIntent((r.body as { Labels: Record<string, string> }).Labels)!.step === 'switch');
    assert.ok(switchRecordAt < stopAt, 'the switch record is written before the stop');
    assert.equal(rig.intents(), []);
    assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web running']);
  } finally {
    await rig.close();
  }
});

works.run();

const refuses = suite('runRestore: refused before anything is stopped');

/** The manifest on the target with `change` applied to its entries. */
function tamperManifest(rig: BackupRig, change: (entries: ReturnType<typeof parseManifest> & object) => void): void {
  const m = parseManifest(target(rig).readFile(MANIFEST)!.toString())!;
  change(m);
  target(rig).writeFile(MANIFEST, serializeManifest(m));
}

for (const [what, path, type] of [
  ['a path climbing out of the volume', 'data/../../etc/passwd', 'file'],
  ['a file at the top, outside every volume', 'crontab', 'file'],
  ['a volume the job does not archive', 'other/x', 'file'],
] as const) {
  refuses(`a manifest with ${what}: nothing is stopped, extracted or written`, async () => {
    const { rig } = await archived();
    try {
      tamperManifest(rig, (m) => m.entries.push({ path, type, mode: 0o644, uid: 0, gid: 0, size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }));
      const changed = rig.data.snapshot();
      const from = rig.engine.requests.length;
      const e = await refused(restore(rig));
      assert.instance(e, RestoreError);
      assert.match(e.message, /^refusing to restore: .*; nothing was restored$/);
      assert.equal(stops(rig, from), []);
      assert.not.ok(rig.writes(from).some((l) => /attach|moor-backup-(switch|cleanup)|\/volumes/.test(l)), 'the restore worker was started or a record written');
      assert.equal(rig.data.snapshot(), changed);
      assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web running']);
    } finally {
      await rig.close();
    }
  });
}

refuses('an archive that does not match its manifest: the staging directory is removed, nothing is stopped, the data is kept', async () => {
  const { rig } = await archived();
  try {
    tamperManifest(rig, (m) => {
      const e = m.entries.find((x) => x.path === 'data/dump.sql')!;
      e.sha256 = '0'.repeat(64);
    });
    const changed = rig.data.snapshot();
    const from = rig.engine.requests.length;
    const e = await refused(restore(rig));
    assert.match(e.message, /^archive 20261201T030000\.000Z does not match its manifest: data\/dump\.sql: .*; the volumes keep their data$/);
    assert.equal(stops(rig, from), []);
    assert.ok(rig.writes(from).includes('POST /containers/create?name=shop-nightly.moor-backup-cleanup'));
    assert.equal(rig.data.snapshot(), changed);
    assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web running']);
    // The stage record went with the staging directory.
    assert.equal(rig.intents(), []);
  } finally {
    await rig.close();
  }
});

refuses('a manifest that is not one: refused, nothing stopped', async () => {
  const { rig } = await archived();
  try {
    target(rig).writeFile(MANIFEST, 'not json\n');
    const from = rig.engine.requests.length;
    // The listing no longer sees a summary: the archive is not verified, so there is nothing to pick.
    const e = await refused(restore(rig));
    assert.is(e.message, 'job nightly has no verified archive yet');
    assert.equal(stops(rig, from), []);
  } finally {
    await rig.close();
  }
});

refuses.run();

const switching = suite('runRestore: the switch or a stop fails');

switching('the switch fails: the error says where the restored data is, the containers are started again', async () => {
  const { rig } = await archived();
  try {
    rig.engine.program(isWorker('switch'), async (p) => {
      p.stdout("mv: can't rename '.moor-restore-x/base': Permission denied\n");
      return 1;
    });
    const from = rig.engine.requests.length;
    const e = await refused(restore(rig));
    assert.match(e.message, /^switching the volumes to the restored data failed \(exit code 1\): mv: can't rename '\.moor-restore-x\/base': Permission denied; the volumes may hold part of the old data and part of the restored data, which is in \.moor-restore-[0-9a-f]{8}\/ inside them$/);
    assert.equal(stops(rig, from), ['POST /containers/shop-db/stop', 'POST /containers/shop-db/start']);
    // No cleanup after the switch began: the staged data is what the message points to.
    assert.not.ok(rig.writes(from).some((l) => l.includes('moor-backup-cleanup')));
    assert.ok(rig.data.walk('').some(([k]) => /^\.moor-restore-[0-9a-f]{8}$/.test(k)), 'the staged data is gone');
    assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web running']);
    // The containers run again as before: no record (the message tells where the data is).
    assert.equal(rig.intents(), []);
  } finally {
    await rig.close();
  }
});

switching('a container cannot be started again after a restore that worked: the restore fails saying so', async () => {
  const { rig, original } = await archived();
  try {
    rig.engine.fail('POST /containers/shop-db/start', { status: 500, message: 'error mounting volume' });
    const log: string[] = [];
    const e = await refused(restore(rig, log));
    assert.is(e.message, 'restored, but could not start again: shop-db: POST /containers/shop-db/start: engine answered 500: error mounting volume');
    assert.equal(rig.data.snapshot(), original);
    assert.is(log.at(-1), 'could not start again: shop-db: POST /containers/shop-db/start: engine answered 500: error mounting volume');
    // shop-db is still stopped: the switch record stays, for the next command to start it.
    assert.equal(rig.intents(), [{ step: 'switch', stopped: ['shop-db'] }]);
  } finally {
    await rig.close();
  }
});

switching('the switch fails and a container does not start: the switch error is thrown, the start failure is logged', async () => {
  const { rig } = await archived();
  try {
    rig.engine.program(isWorker('switch'), async () => 1);
    rig.engine.fail('POST /containers/shop-db/start', { status: 500, message: 'error mounting volume' });
    const log: string[] = [];
    const e = await refused(restore(rig, log));
    assert.match(e.message, /^switching the volumes to the restored data failed \(exit code 1\)/);
    assert.is(log.at(-1), 'could not start again: shop-db: POST /containers/shop-db/start: engine answered 500: error mounting volume');
  } finally {
    await rig.close();
  }
});

switching('stopping a user fails: nothing is switched, the staging directory is removed, the data is kept', async () => {
  const { rig } = await archived();
  try {
    rig.engine.fail('POST /containers/shop-db/stop', { status: 500, message: 'cannot kill container' });
    const changed = rig.data.snapshot();
    const from = rig.engine.requests.length;
    const e = await refused(restore(rig));
    assert.is(e.message, 'POST /containers/shop-db/stop: engine answered 500: cannot kill container');
    assert.not.ok(rig.writes(from).some((l) => l.includes('moor-backup-switch')));
    assert.ok(rig.writes(from).includes('POST /containers/create?name=shop-nightly.moor-backup-cleanup'));
    assert.equal(rig.data.snapshot(), changed);
    assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web running']);
    // Staged data discarded, everything running: the record is gone.
    assert.equal(rig.intents(), []);
  } finally {
    await rig.close();
  }
});

switching.run();

const digests = suite("digestProblems: each digest the manifest holds must match the archive's");

digests('the sha256 alone (older manifests, gzip), the tree digest alone (uncompressed, read back here), both, or neither', () => {
  const summary = (archiveSha256: string, archiveTreeSha256?: string) => ({ ...parseManifest(serializeManifest({ summary: { moor_backup_manifest: 1, stack: 's', job: 'j', id: 'i', archive: 'a.tar', created: '', compression: 'none', volumes: ['v'], archiveBytes: 1, archiveSha256, archiveTreeSha256, entries: 0, files: 0, directories: 0, symlinks: 0, bytes: 0, status: 'verified' }, entries: [] }).toString())!.summary });
  const read = { entries: [], bytes: 1, sha256: 'S', treeSha256: 'T' };
  assert.equal(digestProblems(summary('S'), read), []);
  assert.equal(digestProblems(summary('X'), read), ['sha256 of the archive differs from the manifest']);
  assert.equal(digestProblems(summary('', 'T'), { ...read, sha256: '' }), []);
  assert.equal(digestProblems(summary('', 'X'), read), ['tree digest of the archive differs from the manifest']);
  assert.equal(digestProblems(summary('S', 'X'), read), ['tree digest of the archive differs from the manifest']);
  assert.equal(digestProblems(summary('X', 'T'), read), ['sha256 of the archive differs from the manifest']);
  assert.equal(digestProblems(summary(''), read), ['the manifest holds no digest of the archive']);
  // A reader that did not read the sha256 the manifest holds is no match.
  assert.equal(digestProblems(summary('S', 'T'), { ...read, sha256: '' }), ['sha256 of the archive differs from the manifest']);
});

digests.run();
