/**
 * Volume data on the real engine: a plan that would delete or replace a volume holding files is
 * refused without --allow-data-loss (an empty one is not); allowDataLoss: true lets a replacement
 * through. migrate: true (or --migrate-volumes) copies the data into the replacement: same name,
 * identical content (every path, type, mode, owner, size, sha256 and link target), nothing of the
 * migration left behind. A migration killed at any step is finished by the next plain apply.
 * protect: true refuses even with --allow-data-loss; a saved plan that replaces an empty volume
 * is stale once the volume holds files.
 *
 * Contents are written and read back through the Engine API's archive endpoints (volume-tree.ts),
 * never through moor's own volume-data code.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { inspectVolume, newPrefix, REPO, runMoor, show, sweepPrefix, withStack, type TestStack } from './helpers.js';
import { fileCount, readTree, sampleTree, treeDiff, writeTree, type TreeEntry } from './volume-tree.js';

const prefix = newPrefix();
const vs = suite('e2e: volume safety');
vs.after(() => sweepPrefix(prefix));

/** A volume `data` (with `rules`) mounted by a running container `app`. */
function volumeStack(rules = ''): string {
  return `
  const data = volume('data'${rules ? `, { ${rules} }` : ''});
  container('app', {
    image: img,
    command: ['sleep', '3600'],
    mounts: [{ volume: data, target: '/data' }],
    stopSignal: 'SIGKILL',
    stopTimeout: 0,
  });
`;
}

const image = (s: TestStack) => `${s.en('tools')}:latest`;
const read = (s: TestStack) => readTree(s.engine, image(s), s.en('data'));

/** Apply the stack and fill its volume with a sample tree of `files` files; returns the tree as read back. */
async function applyFilled(s: TestStack, rules: string, files: number): Promise<TreeEntry[]> {
  s.write(volumeStack(rules));
  const r = await s.apply();
  assert.is(r.code, 0, show(r));
  await writeTree(s.engine, image(s), s.en('data'), sampleTree(files));
  const tree = await read(s);
  assert.ok(fileCount(tree) >= files, `${fileCount(tree)} files written`);
  return tree;
}

async function assertSameData(s: TestStack, original: TreeEntry[], when: string): Promise<void> {
  const now = await read(s);
  assert.equal(treeDiff(original, now), [], `${when}: the volume holds exactly the original data`);
  assert.is(now.length, original.length);
}

/** No stash or marker volume of a migration is left. */
async function assertNoMigrationLeft(s: TestStack, when: string): Promise<void> {
  const volumes = (await s.labelled()).volumes.map((v) => v.name).sort();
  assert.equal(volumes, [s.en('data')], `${when}: only the data volume (no .moor-stash / .moor-stash-ok)`);
  assert.is(await inspectVolume(s.engine, `${s.en('data')}.moor-stash`), undefined, when);
  assert.is(await inspectVolume(s.engine, `${s.en('data')}.moor-stash-ok`), undefined, when);
}

async function assertAppRunning(s: TestStack, when: string): Promise<string> {
  const app = await s.container('app');
  assert.ok(app?.State.Running, `${when}: app is running (${app?.State.Status})`);
  assert.ok(app.Mounts.some((m) => m.Name === s.en('data') && m.Destination === '/data'), `${when}: app mounts the volume`);
  return app.Id;
}

vs('migrate: true copies a few thousand files into the replacement, identical, and leaves nothing behind', () =>
  withStack(prefix, 'migrate', async (s) => {
    const original = await applyFilled(s, 'migrate: true', 3000);
    const app0 = await assertAppRunning(s, 'before');

    const plan = await s.plan('--replace', 'data', '--detailed-exitcode');
    assert.is(plan.code, 2, show(plan));
    assert.match(plan.stdout, /^ {2}>>\s+volume data\s+\(migrate: stash → drop-old → create-new → restore → drop-stash; forced by --replace; data copied into the new volume and verified \(migrate: true\)\)/m, show(plan));
    assert.match(plan.stdout, /data to copy: [\d.]+ MiB in 3,\d{3} entries/, show(plan));
    assert.match(plan.stdout, /1 to migrate/, show(plan));
    assert.not.match(plan.stdout, /DATA LOSS/, show(plan));

    const applied = await s.apply('--replace', 'data');
    assert.is(applied.code, 0, show(applied));
    assert.match(applied.stdout, /1 migrated/, show(applied));

    await assertSameData(s, original, 'after the migration');
    await assertNoMigrationLeft(s, 'after the migration');
    const app1 = await assertAppRunning(s, 'after the migration');
    assert.is.not(app1, app0, 'app was recreated around the migration');
    const next = await s.plan('--detailed-exitcode');
    assert.is(next.code, 0, `nothing left to do${show(next)}`);
  }, { skipTypecheck: true }));

/** moor with this stack's cache and no type-check, plus `env` (MOOR_FAULT). */
function moorWith(s: TestStack, args: string[], env: Record<string, string>) {
  return runMoor([args[0]!, s.relFile, ...args.slice(1)], {
    env: { MOOR_CACHE_DIR: path.join(REPO, 'test/.tmp', prefix, 'cache'), MOOR_SKIP_TYPECHECK: '1', ...env },
  });
}

/** What a kill right after (or this far into) each step leaves on the engine, checked before the next apply. */
const FAULTS: { fault: string; left: (s: TestStack, original: TreeEntry[]) => Promise<void> }[] = [
  { fault: 'stash+5', left: async (s, original) => {
    assert.is(await volumeExists(s, 'data.moor-stash-ok'), false, 'killed before the stash was verified: no marker');
    await assertSameData(s, original, 'killed while stashing: the volume is untouched');
  } },
  { fault: 'stash', left: async (s) => {
    assert.ok(await volumeExists(s, 'data.moor-stash') && await volumeExists(s, 'data.moor-stash-ok'), 'the stash and its marker exist');
    assert.ok(await volumeExists(s, 'data'), 'the old volume is still there');
  } },
  { fault: 'drop-old', left: async (s) => {
    assert.ok(await volumeExists(s, 'data.moor-stash-ok'), 'the marker exists');
    assert.is(await volumeExists(s, 'data'), false, 'the old volume is gone');
  } },
  { fault: 'create-new', left: async (s) => {
    assert.ok(await volumeExists(s, 'data.moor-stash-ok'), 'the marker exists');
    assert.is(fileCount(await read(s)), 0, 'the new volume is empty');
  } },
  { fault: 'restore+10', left: async (s) => {
    assert.ok(await volumeExists(s, 'data.moor-stash') && await volumeExists(s, 'data.moor-stash-ok'), 'the stash and its marker exist');
    assert.ok(await volumeExists(s, 'data'), 'the new volume exists');
  } },
  { fault: 'restore', left: async (s, original) => {
    assert.ok(await volumeExists(s, 'data.moor-stash') && await volumeExists(s, 'data.moor-stash-ok'), 'the stash is not dropped yet');
    await assertSameData(s, original, 'killed right after the restore');
  } },
  { fault: 'drop-stash', left: async (s, original) => {
    await assertSameData(s, original, 'killed once the migration had finished');
    assert.is(await s.container('app'), undefined, 'the container was not recreated yet');
  } },
];

const volumeExists = async (s: TestStack, resource: string) => !!(await inspectVolume(s.engine, s.en(resource)));

vs('a migration killed at any step is finished by the next plain apply, with the original data', () =>
  withStack(prefix, 'crash', async (s) => {
    const original = await applyFilled(s, 'migrate: true', 400);
    for (const { fault, left } of FAULTS) {
      const killed = await moorWith(s, ['apply', '--yes', '--replace', 'data'], { MOOR_FAULT: `migrate:${fault}` });
      assert.is(killed.code, 128, `MOOR_FAULT=migrate:${fault} kills the apply${show(killed)}`);
      assert.not.match(killed.stdout, /Apply complete/, show(killed));
      await left(s, original);

      const recovered = await s.apply();
      assert.is(recovered.code, 0, `after a kill at ${fault}${show(recovered)}`);
      if (!fault.startsWith('stash+') && fault !== 'drop-stash') assert.match(recovered.stdout, /resuming an interrupted migration from its verified copy/, show(recovered));
      await assertSameData(s, original, `after a kill at ${fault} and a plain apply`);
      await assertNoMigrationLeft(s, `after a kill at ${fault} and a plain apply`);
      await assertAppRunning(s, `after a kill at ${fault} and a plain apply`);
      const next = await s.plan('--detailed-exitcode');
      assert.is(next.code, 0, `after a kill at ${fault}: nothing left to do${show(next)}`);
    }
  }, { skipTypecheck: true }));

vs('--migrate-volumes migrates a volume that has no migrate rule', () =>
  withStack(prefix, 'flag', async (s) => {
    const original = await applyFilled(s, '', 300);
    const plan = await s.plan('--replace', 'data', '--migrate-volumes');
    assert.is(plan.code, 0, show(plan));
    assert.match(plan.stdout, /^ {2}>>\s+volume data\s+\(migrate: .*data copied into the new volume and verified \(--migrate-volumes\)\)/m, show(plan));
    const applied = await s.apply('--replace', 'data', '--migrate-volumes');
    assert.is(applied.code, 0, show(applied));
    await assertSameData(s, original, 'after --migrate-volumes');
    await assertNoMigrationLeft(s, 'after --migrate-volumes');
    await assertAppRunning(s, 'after --migrate-volumes');
  }, { skipTypecheck: true }));

vs('removing a volume that holds files is refused without --allow-data-loss, naming it and what it holds', () =>
  withStack(prefix, 'removed', async (s) => {
    const original = await applyFilled(s, '', 200);
    const app0 = await assertAppRunning(s, 'before');
    s.write(`
  container('app', { image: img, command: ['sleep', '3600'], stopSignal: 'SIGKILL', stopTimeout: 0 });
`);
    const refused = await s.apply();
    assert.is(refused.code, 1, show(refused));
    assert.match(refused.stderr, new RegExp(`refusing to delete volume ${s.en('data')} \\([\\d.]+ [KM]iB in ${original.length - 1} entries\\): its data would be lost`), show(refused));
    assert.match(refused.stderr, /Nothing was changed/, show(refused));
    await assertSameData(s, original, 'after the refusal');
    assert.is((await s.container('app'))?.Id, app0, 'the container was not touched either');
  }, { skipTypecheck: true }));

vs('--replace of a volume with files: refused without the flag, allowed by allowDataLoss: true; an empty volume is not guarded', () =>
  withStack(prefix, 'replace', async (s) => {
    const original = await applyFilled(s, '', 200);
    const app0 = await assertAppRunning(s, 'before');

    const plan = await s.plan('--replace', 'data');
    assert.match(plan.stdout, /-\/\+\s+volume data\s+\(forced by --replace\)/, show(plan));
    assert.match(plan.stdout, new RegExp(`DATA LOSS: volume ${s.en('data')} \\([\\d.]+ [KM]iB in [\\d,]+ entries\\) and every file in it will be deleted and recreated empty`), show(plan));
    const refused = await s.apply('--replace', 'data');
    assert.is(refused.code, 1, show(refused));
    assert.match(refused.stderr, new RegExp(`refusing to replace volume ${s.en('data')} \\([\\d.]+ [KM]iB in [\\d,]+ entries\\)`), show(refused));
    await assertSameData(s, original, 'after the refusal');
    assert.is((await s.container('app'))?.Id, app0, 'nothing was changed');

    // The rule lets the loss through, without the flag.
    s.write(volumeStack('allowDataLoss: true'));
    const allowedPlan = await s.plan('--replace', 'data');
    assert.match(allowedPlan.stdout, /allowed by allowDataLoss: true in the stack/, show(allowedPlan));
    const allowed = await s.apply('--replace', 'data');
    assert.is(allowed.code, 0, show(allowed));
    assert.equal((await read(s)).map((e) => e.path), ['.'], 'the replacement volume is empty');
    await assertAppRunning(s, 'after the replacement');

    // Empty now: replacing it needs neither the rule nor the flag.
    s.write(volumeStack());
    const emptyPlan = await s.plan('--replace', 'data');
    assert.match(emptyPlan.stdout, /volume data\s+\(forced by --replace; the volume is empty\)/, show(emptyPlan));
    assert.not.match(emptyPlan.stdout, /DATA LOSS/, show(emptyPlan));
    const empty = await s.apply('--replace', 'data');
    assert.is(empty.code, 0, show(empty));
    assert.ok(await volumeExists(s, 'data'));
    await assertAppRunning(s, 'after replacing the empty volume');
  }, { skipTypecheck: true }));

vs('protect: true on a volume refuses destroy --volumes and a replacement, even with --allow-data-loss', () =>
  withStack(prefix, 'protect', async (s) => {
    const original = await applyFilled(s, 'protect: true', 50);
    for (const [args, verb] of [[['destroy', '--yes', '--volumes'], 'delete'], [['apply', '--yes', '--replace', 'data', '--allow-data-loss'], 'replace']] as const) {
      const r = await s.moor(args[0], ...args.slice(1));
      assert.is(r.code, 1, show(r));
      assert.match(r.stderr, new RegExp(`volume\\.data › protect: volume data is protected \\(protect: true\\): this plan would ${verb} it`), show(r));
      await assertSameData(s, original, `after the refused ${args.join(' ')}`);
    }
    assert.ok(await s.container('app'), 'destroy removed nothing');
  }, { skipTypecheck: true }));

vs('a saved plan that replaces an empty volume is stale once the volume holds files', () =>
  withStack(prefix, 'saved', async (s) => {
    s.write(volumeStack());
    assert.is((await s.apply()).code, 0);
    const file = path.join(s.dir, 'plan.json');
    const plan = await s.plan('--replace', 'data', '--out', path.relative(REPO, file));
    assert.match(plan.stdout, /volume data\s+\(forced by --replace; the volume is empty\)/, show(plan));
    await writeTree(s.engine, image(s), s.en('data'), sampleTree(10));
    const filled = await read(s);

    const r = await runMoor(['apply', path.relative(REPO, file), '--yes']);
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, new RegExp(`volume ${s.en('data')} was empty when the plan was made and now holds [\\d.]+ [KM]iB in [\\d,]+ entries`), show(r));
    await assertSameData(s, filled, 'after the refused saved plan');
  }, { skipTypecheck: true }));

vs.run();
