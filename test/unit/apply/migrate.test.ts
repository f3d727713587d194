/**
 * Volume migration failing at each of its steps (core/apply/migrate.ts, core/model/migration.ts),
 * against the fake engine whose volumes hold files and whose archive endpoints the copies use: the
 * data is always somewhere whole (the old volume, or the verified stash), the next plan resumes
 * from the right step, and applying it ends with the new volume holding exactly the old data.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DesiredStack } from '../../../core/model/spec.js';
import type { MigrationStep } from '../../../core/plan/types.js';
import { desired, nodeOf } from '../../fixtures/builders.js';
import { applyOn, nextPlanConverges, planOn } from '../../fixtures/fake-apply.js';
import { startFakeEngine, type FakeEngine, type FaultOptions, type Fault, type RecordedRequest } from '../../fixtures/fake-engine.js';
import type { FileTree } from '../../fixtures/fake-engine-fs.js';

/** volume data (migrate: true, driver options from `opts`) · container db mounting it. */
function app(opts: Record<string, string> = {}): DesiredStack {
  const d = desired('shop', ({ volume, container }) => {
    const data = volume('data', { migrate: true });
    container('db', { image: 'busybox', mounts: [{ volume: data, target: '/data' }] });
  });
  return { ...d, volumes: d.volumes.map((v) => ({ ...v, driverOpts: opts })) };
}
const CHANGED = { o: 'uid=1000' };
const STASH = 'shop-data.moor-stash';
const MARKER = 'shop-data.moor-stash-ok';

/** The stack applied, its volume filled: files, a directory with its own mode and owner, a symlink. */
async function filled(): Promise<{ engine: FakeEngine; original: string[] }> {
  const engine = await startFakeEngine();
  engine.addImage('busybox');
  assert.ok((await applyOn(engine, app())).result.ok);
  const files = engine.volumes.get('shop-data')!.files;
  files.writeFile('PG_VERSION', '16\n');
  files.set('base', { type: 'directory', mode: 0o700, uid: 999, gid: 999 });
  files.writeFile('base/1/table', 'rows '.repeat(1000), { mode: 0o600, uid: 999, gid: 999 });
  files.set('current', { type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkname: 'base/1' });
  return { engine, original: files.snapshot() };
}

/** The snapshot of `tree` under `dir`, as if `dir` were its root. */
function under(tree: FileTree, dir: string): string[] {
  return tree.snapshot().filter((l) => l.startsWith(`${dir} `) || l.startsWith(`${dir}/`)).map((l) => (l.startsWith(`${dir} `) ? `.${l.slice(dir.length)}` : l.slice(dir.length + 1)));
}

/** The volume a helper container (`/containers/{id}/archive`) mounts read-write. */
const writesInto = (engine: FakeEngine, r: RecordedRequest) =>
  engine.container(decodeURIComponent(r.path.split('/')[2] ?? ''))?.fs.mounts.find((m) => !m.readOnly)?.volume;
const created = (name: string) => (r: RecordedRequest) => r.path === '/volumes/create' && (r.body as { Name: string }).Name === name;

interface Case {
  what: string;
  fail: (engine: FakeEngine) => [(r: RecordedRequest) => boolean, Fault, FaultOptions?];
  /** Where the whole data is after the failure. */
  safe: 'old volume' | 'verified stash';
  /** The steps of the next plan's migration. */
  resume: MigrationStep[] | 'full migration again';
}

const FULL: MigrationStep[] = ['stash', 'drop-old', 'create-new', 'restore', 'drop-stash'];
const FROM_STASH: MigrationStep[] = ['drop-old', 'create-new', 'restore', 'drop-stash'];

const CASES: Case[] = [
  { what: 'stash: the stash volume cannot be created', fail: () => [created(STASH), { status: 500, message: 'no space left on device' }], safe: 'old volume', resume: 'full migration again' },
  {
    what: 'stash: the copy into the stash breaks off (connection closed)',
    fail: (engine) => [(r) => r.method === 'PUT' && writesInto(engine, r) === STASH && r.query.path === '/dst', { close: true }],
    safe: 'old volume', resume: ['discard-stash', ...FULL],
  },
  {
    what: 'stash: the verified marker cannot be created',
    fail: () => [created(MARKER), { status: 500, message: 'volume store is locked' }], safe: 'old volume', resume: ['discard-stash', ...FULL],
  },
  { what: 'drop-old: the old volume cannot be removed', fail: () => [(r) => r.line === 'DELETE /volumes/shop-data', { status: 409, message: 'remove shop-data: volume is in use' }], safe: 'verified stash', resume: FROM_STASH },
  { what: 'create-new: the new volume cannot be created', fail: () => [created('shop-data'), { status: 500, message: 'create shop-data: driver failed' }], safe: 'verified stash', resume: ['create-new', 'restore', 'drop-stash'] },
  { what: 'restore: the marker cannot be read', fail: () => [(r) => r.line === `GET /volumes/${MARKER}`, { status: 500, message: 'timeout' }], safe: 'verified stash', resume: FROM_STASH },
  {
    what: 'restore: the copy into the new volume fails',
    fail: (engine) => [(r) => r.method === 'PUT' && writesInto(engine, r) === 'shop-data' && r.query.path === '/dst', { status: 500, message: 'write /dst/payload/base/1/table: input/output error' }],
    safe: 'verified stash', resume: FROM_STASH,
  },
  { what: 'drop-stash: the stash cannot be removed', fail: () => [(r) => r.line === `DELETE /volumes/${STASH}`, { status: 500, message: 'device busy' }], safe: 'verified stash', resume: FROM_STASH },
];

const order = suite('volume migration: the order of its engine operations');

order('the marker only after the copy and its manifest, the old volume only after the marker, the stash only after the restore', async () => {
  const { engine, original } = await filled();
  try {
    const from = engine.requests.length;
    const a = await applyOn(engine, app(CHANGED));
    assert.ok(a.result.ok, a.summary);
    const helper = (l: string) => l.replace(/\{([a-z.-]+)\.moor-helper-[0-9a-f]{6}\}/g, '{helper of $1}');
    const writes = engine.calls({ writes: true, since: from }).map(helper).filter((l) => /\/volumes|archive\?path=\/dst&|\/containers\/\{shop-db\}/.test(l));
    assert.equal(writes, [
      'POST /containers/{shop-db}/stop?t=10',
      'DELETE /containers/{shop-db}?force=true',
      'POST /volumes/create', // the stash
      'PUT /containers/{helper of shop-data.moor-stash}/archive?path=/dst&copyUIDGID=1&noOverwriteDirNonDir=1', // its payload/ directory
      'PUT /containers/{helper of shop-data.moor-stash}/archive?path=/dst&copyUIDGID=1&noOverwriteDirNonDir=1', // the copy
      'POST /volumes/create', // the marker
      'DELETE /volumes/shop-data',
      'POST /volumes/create', // the new volume
      'PUT /containers/{helper of shop-data}/archive?path=/dst&copyUIDGID=1&noOverwriteDirNonDir=1', // the restore
      'DELETE /volumes/shop-data.moor-stash',
      'DELETE /volumes/shop-data.moor-stash-ok',
      'POST /containers/{shop-db}/start', // the new container
    ]);
    const created = engine.requests.slice(from).filter((r) => r.line === 'POST /volumes/create').map((r) => (r.body as { Name: string }).Name);
    assert.equal(created, [STASH, MARKER, 'shop-data']);
    assert.equal(engine.volumes.get('shop-data')!.files.snapshot(), original);
  } finally {
    await engine.close();
  }
});

order.run();

const steps = suite('volume migration: a failure at each step loses nothing, and the next plan resumes');

for (const c of CASES) {
  steps(c.what, async () => {
    const { engine, original } = await filled();
    try {
      const [match, fault, opts] = c.fail(engine);
      const rule = engine.fail(match, fault, opts);
      const a = await applyOn(engine, app(CHANGED));
      assert.is(rule.fired, 1, 'the fault was never injected');
      assert.not.ok(a.result.ok);
      assert.equal(a.result.steps.find((s) => s.id === 'container.db:create')?.outcome.status, 'skipped');

      if (c.safe === 'old volume') {
        assert.equal(engine.volumes.get('shop-data')?.files.snapshot(), original, 'the old volume changed');
        assert.not.ok(engine.volumes.has(MARKER), 'a marker says an unverified copy is good');
      } else {
        assert.ok(engine.volumes.has(MARKER), 'the stash is not marked verified');
        assert.equal(under(engine.volumes.get(STASH)!.files, 'payload'), original, 'the verified stash does not hold the data');
      }
      // No helper container is left behind.
      assert.equal(engine.containerStates(), []);

      const plan = await planOn(engine, app(CHANGED));
      const op = nodeOf(plan, 'volume.data').op;
      assert.equal(op.type === 'volume.migrate' ? op.steps : op.type, c.resume === 'full migration again' ? FULL : c.resume);
      const { next, after } = await nextPlanConverges(engine, app(CHANGED));
      assert.equal(next, ['volume.data migrate', 'container.db create']);
      assert.equal(after, []);
      const v = engine.volumes.get('shop-data')!;
      assert.equal(v.Options, CHANGED);
      assert.equal(v.files.snapshot(), original);
      assert.equal(engine.volumeNames(), ['shop-data']);
      assert.equal(engine.containerStates(), ['shop-db running']);
    } finally {
      await engine.close();
    }
  });
}

steps('rolling back an unverified stash fails too: the old volume still holds the data, and the rollback is planned again', async () => {
  const { engine, original } = await filled();
  try {
    engine.fail((r) => r.method === 'PUT' && writesInto(engine, r) === STASH && r.query.path === '/dst', { close: true });
    await applyOn(engine, app(CHANGED));
    engine.fail((r) => r.line === `DELETE /volumes/${STASH}`, { status: 500, message: 'device busy' });
    const a = await applyOn(engine, app(CHANGED));
    assert.match(a.summary, /failed: {2}volume\.data \(destroy\): DELETE \/volumes\/shop-data\.moor-stash: engine answered 500: device busy/);
    assert.equal(engine.volumes.get('shop-data')!.files.snapshot(), original);
    const op = nodeOf(await planOn(engine, app(CHANGED)), 'volume.data').op;
    assert.equal(op.type === 'volume.migrate' && op.steps, ['discard-stash', ...FULL]);
    assert.equal((await nextPlanConverges(engine, app(CHANGED))).after, []);
    assert.equal(engine.volumes.get('shop-data')!.files.snapshot(), original);
  } finally {
    await engine.close();
  }
});

steps('a stash whose manifest does not match its marker is never restored from, and kept', async () => {
  const { engine } = await filled();
  try {
    engine.fail(created('shop-data'), { status: 500, message: 'create shop-data: driver failed' });
    await applyOn(engine, app(CHANGED));
    // Someone changed the stash since it was verified.
    engine.volumes.get(STASH)!.files.writeFile('payload/PG_VERSION', '15\n');
    engine.volumes.get(STASH)!.files.writeFile('manifest.json', '{"entries":[],"files":0,"directories":0,"symlinks":0,"bytes":0}');
    const a = await applyOn(engine, app(CHANGED));
    assert.match(a.summary, /failed: {2}volume\.data \(create\): the verified copy in shop-data\.moor-stash does not match its marker shop-data\.moor-stash-ok; it is kept untouched, shop-data was not filled/);
    assert.equal(engine.volumeNames(), ['shop-data', STASH, MARKER]);
    assert.equal(engine.volumes.get(STASH)!.files.readFile('payload/PG_VERSION')?.toString(), '15\n');
  } finally {
    await engine.close();
  }
});

steps.run();
