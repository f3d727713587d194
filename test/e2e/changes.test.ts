/**
 * Changing an applied stack: a fixed attribute replaces exactly one container, a live attribute
 * updates it in place (and reverting it is planned too), a resource removed from the stack is deleted.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { demoBody, freePort, httpGet, newPrefix, planResourceLines, planSummary, show, sweepPrefix, withStack, type TestStack } from './helpers.js';

const prefix = newPrefix();
const changes = suite('e2e: changes');
changes.after(() => sweepPrefix(prefix));

async function applyDemo(s: TestStack, port: number): Promise<{ db: string; web: string }> {
  s.write(demoBody({ port }));
  const r = await s.apply();
  assert.is(r.code, 0, show(r));
  const db = await s.container('db');
  const web = await s.container('web');
  assert.ok(db?.State.Running && web?.State.Running, 'demo stack is running');
  return { db: db.Id, web: web.Id };
}

async function assertNoChanges(s: TestStack, when: string): Promise<void> {
  const r = await s.plan('--detailed-exitcode');
  assert.is(r.code, 0, `${when}: expected an empty plan${show(r)}`);
  assert.match(r.stdout, /No changes\./, `${when}${show(r)}`);
}

changes('an env change replaces exactly that container; the other keeps its ID', () =>
  withStack(prefix, 'env', async (s) => {
    const port = await freePort();
    const before = await applyDemo(s, port);

    s.write(demoBody({ port, mode: 'prod' }));
    const plan = await s.plan('--detailed-exitcode');
    assert.is(plan.code, 2, show(plan));
    assert.equal(planSummary(plan.stdout), { create: 0, update: 0, replace: 1, delete: 0 }, show(plan));
    const lines = planResourceLines(plan.stdout);
    assert.is(lines.length, 1, show(plan));
    assert.match(lines[0]!, /^ {2}(\+\/-|-\/\+)\s+container db /, show(plan));
    assert.match(plan.stdout, /env\.MODE: "demo" → "prod".*forces replacement/, show(plan));
    // The plan changes nothing.
    assert.is((await s.container('db'))?.Id, before.db);

    const applied = await s.apply();
    assert.is(applied.code, 0, show(applied));
    assert.match(applied.stdout, /Apply complete: 0 created, 0 updated, 1 replaced, 0 removed\./, show(applied));

    const db = await s.container('db');
    const web = await s.container('web');
    assert.ok(db && web);
    assert.is.not(db.Id, before.db, 'db is a new container');
    assert.is(web.Id, before.web, 'web was not touched');
    assert.is(db.Name, `/${s.en('db')}`, 'the replacement carries the real name, not the temporary one');
    assert.ok(db.Config.Env?.includes('MODE=prod'), `db env: ${db.Config.Env}`);
    assert.is(db.State.Running, true);
    assert.ok(db.NetworkSettings.Networks?.[s.en('backend')]?.Aliases?.includes('database'), 'the replacement keeps its alias');
    assert.ok(db.Mounts.some((m) => m.Name === s.en('data') && m.Destination === '/data'), 'the replacement mounts the same volume');
    assert.is(await s.container('db.moor-next'), undefined, 'no temporary container is left');
    assert.is((await s.labelled()).containers.length, 2);
    await httpGet(port, '/');

    await assertNoChanges(s, 'after the replacement');
  }, { skipTypecheck: true }));

changes('a restart policy change updates in place; reverting it is planned and applied too', () =>
  withStack(prefix, 'restart', async (s) => {
    const port = await freePort();
    const before = await applyDemo(s, port);

    s.write(demoBody({ port, restart: 'always' }));
    const plan = await s.plan('--detailed-exitcode');
    assert.is(plan.code, 2, show(plan));
    assert.equal(planSummary(plan.stdout), { create: 0, update: 1, replace: 0, delete: 0 }, show(plan));
    assert.equal(planResourceLines(plan.stdout).length, 1, show(plan));
    assert.match(plan.stdout, /~\s+container db\s+\(update in place/, show(plan));
    assert.match(plan.stdout, /restart: "unless-stopped" → "always"/, show(plan));
    assert.not.match(plan.stdout, /forces replacement/, show(plan));

    const applied = await s.apply();
    assert.is(applied.code, 0, show(applied));
    let db = await s.container('db');
    assert.is(db?.Id, before.db, 'updated in place: same container');
    assert.is(db?.HostConfig.RestartPolicy.Name, 'always');
    assert.is((await s.container('web'))?.Id, before.web);
    await assertNoChanges(s, 'after the live update');

    // Back to the original value: the labels still say unless-stopped, the engine says always.
    s.write(demoBody({ port, restart: 'unless-stopped' }));
    const revert = await s.plan('--detailed-exitcode');
    assert.is(revert.code, 2, `reverting the restart policy must be planned${show(revert)}`);
    assert.match(revert.stdout, /~\s+container db\s+\(update in place/, show(revert));
    assert.match(revert.stdout, /restart: "always" → "unless-stopped"/, show(revert));

    const reverted = await s.apply();
    assert.is(reverted.code, 0, show(reverted));
    db = await s.container('db');
    assert.is(db?.Id, before.db, 'still the same container');
    assert.is(db?.HostConfig.RestartPolicy.Name, 'unless-stopped');
    await assertNoChanges(s, 'after reverting');
  }, { skipTypecheck: true }));

changes('a container removed from the stack is deleted from the engine', () =>
  withStack(prefix, 'remove', async (s) => {
    const port = await freePort();
    const before = await applyDemo(s, port);

    s.write(demoBody({ port, noWeb: true }));
    const plan = await s.plan('--detailed-exitcode');
    assert.is(plan.code, 2, show(plan));
    assert.equal(planSummary(plan.stdout), { create: 0, update: 0, replace: 0, delete: 1 }, show(plan));
    assert.equal(planResourceLines(plan.stdout).map((l) => l.replace(/\s+\(.*$/, '')), ['  -   container web'], show(plan));
    assert.ok(await s.container('web'), 'plan deletes nothing');

    const applied = await s.apply();
    assert.is(applied.code, 0, show(applied));
    assert.is(await s.container('web'), undefined, 'web is gone from the engine');
    const db = await s.container('db');
    assert.is(db?.Id, before.db, 'db untouched');
    assert.is(db?.State.Running, true);
    const l = await s.labelled();
    assert.equal(l.containers.map((c) => c.name), [s.en('db')]);
    assert.is(l.networks.length, 1);
    await assertNoChanges(s, 'after the delete');
  }, { skipTypecheck: true }));

changes.run();
