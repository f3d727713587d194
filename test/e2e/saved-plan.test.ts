/**
 * Saved plans on the real engine: `moor plan --out p.json` then `moor apply p.json` applies exactly
 * that plan, or refuses it as stale — naming what changed, changing nothing — when an object of
 * the stack changed since (stopped or recreated by hand, or by an apply of that same plan), or a
 * secret has another value. A change in another stack does not make it stale.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { newPrefix, REPO, runMoor, show, sweepPrefix, withStack, type TestStack } from './helpers.js';

const prefix = newPrefix();
const saved = suite('e2e: saved plans');
saved.after(() => sweepPrefix(prefix));

function twoContainers(mode: string): string {
  return `
  container('a', { image: img, command: ['sleep', '3600'], env: { MODE: ${JSON.stringify(mode)} }, stopSignal: 'SIGKILL', stopTimeout: 0 });
  container('b', { image: img, command: ['sleep', '3600'], stopSignal: 'SIGKILL', stopTimeout: 0 });
`;
}

/** `moor apply <plan file> --yes`, with the stack's cache and `env`. */
function applyPlanFile(s: TestStack, file: string, env: Record<string, string> = {}) {
  return runMoor(['apply', path.relative(REPO, file), '--yes'], { env: { MOOR_CACHE_DIR: path.join(REPO, 'test/.tmp', prefix, 'cache'), ...env } });
}

async function ids(s: TestStack, ...resources: string[]): Promise<(string | undefined)[]> {
  return Promise.all(resources.map(async (r) => (await s.container(r))?.Id));
}

const stale = (file: string) => new RegExp(`error: the saved plan ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is stale`);

saved('a saved plan is applied exactly; applying the same file again is refused as stale', () =>
  withStack(prefix, 'exact', async (s) => {
    s.write(twoContainers('one'));
    const file = path.join(s.dir, 'create.json');
    const rel = path.relative(REPO, file);
    const plan = await runMoor(['plan', s.relFile, '--out', rel], { env: { MOOR_CACHE_DIR: path.join(REPO, 'test/.tmp', prefix, 'cache'), MOOR_SKIP_TYPECHECK: '1' } });
    assert.is(plan.code, 0, show(plan));
    assert.match(plan.stdout, `Saved this plan to ${rel}. Apply exactly this plan with: moor apply ${rel}`, show(plan));
    assert.is(await s.labelledCount(), 0, 'plan --out creates nothing');
    const content = JSON.parse(readFileSync(file, 'utf8')) as { moor_plan_file: number; desired: { name: string } };
    assert.is(content.moor_plan_file, 2);
    assert.is(content.desired.name, s.name);

    // The stack file changes after the plan was made: the saved plan still applies what it planned.
    s.write(twoContainers('two'));
    const applied = await applyPlanFile(s, file);
    assert.is(applied.code, 0, show(applied));
    assert.match(applied.stdout, /Apply complete: 3 created, 0 updated, 0 replaced, 0 removed\./, show(applied));
    const a = await s.container('a');
    assert.ok(a?.Config.Env?.includes('MODE=one'), `the saved plan's value, not the stack file's: ${a?.Config.Env}`);
    const before = await ids(s, 'a', 'b');

    const again = await applyPlanFile(s, file);
    assert.is(again.code, 1, show(again));
    assert.match(again.stderr, stale(rel), show(again));
    assert.match(again.stderr, new RegExp(`container ${s.en('a')} appeared`), show(again));
    assert.match(again.stderr, /Nothing was changed\. Make a new plan\./, show(again));
    assert.equal(await ids(s, 'a', 'b'), before, 'nothing changed');

    // A saved plan cannot be altered at apply time.
    const altered = await runMoor(['apply', rel, '--yes', '--target', 'a']);
    assert.is(altered.code, 1, show(altered));
    assert.match(altered.stderr, /--target cannot change a saved plan/, show(altered));
  }, { skipTypecheck: true }));

saved('a container of the stack stopped or recreated by hand makes the plan stale; another stack changing does not', () =>
  withStack(prefix, 'stale', async (s) => {
    s.write(twoContainers('one'));
    assert.is((await s.apply()).code, 0);
    const [a0, b0] = await ids(s, 'a', 'b');
    s.write(twoContainers('two'));

    // b is stopped by hand after the plan: stale, naming b and its state.
    const stopped = path.join(s.dir, 'stopped.json');
    assert.is((await s.plan('--out', path.relative(REPO, stopped))).code, 0);
    await s.engine.request('POST', `/containers/${b0}/stop`, { query: { t: 0 } });
    const r1 = await applyPlanFile(s, stopped);
    assert.is(r1.code, 1, show(r1));
    assert.match(r1.stderr, stale(path.relative(REPO, stopped)), show(r1));
    assert.match(r1.stderr, new RegExp(`container ${s.en('b')} is exited \\(was running\\)`), show(r1));
    assert.not.match(r1.stderr, new RegExp(`container ${s.en('a')}`), `only b is named${show(r1)}`);
    assert.equal(await ids(s, 'a', 'b'), [a0, b0], 'nothing was replaced');
    assert.ok((await s.container('a'))?.Config.Env?.includes('MODE=one'), 'a keeps its old env');
    assert.is((await s.container('b'))?.State.Running, false, 'b was not started either');
    await s.engine.request('POST', `/containers/${b0}/start`);

    // b is recreated after the plan (here by moor itself): stale, naming b and both ids.
    const recreated = path.join(s.dir, 'recreated.json');
    assert.is((await s.plan('--out', path.relative(REPO, recreated))).code, 0);
    s.write(twoContainers('one'));
    const replaced = await s.apply('--replace', 'b');
    assert.is(replaced.code, 0, show(replaced));
    const [, b1] = await ids(s, 'a', 'b');
    const r2 = await applyPlanFile(s, recreated);
    assert.is(r2.code, 1, show(r2));
    assert.match(r2.stderr, new RegExp(`container ${s.en('b')} was recreated \\(id ${b0!.slice(0, 12)} → ${b1!.slice(0, 12)}\\)`), show(r2));
    assert.equal(await ids(s, 'a', 'b'), [a0, b1], 'nothing was changed');

    // Another stack of this test file is created and then changed by hand after the plan: not stale.
    s.write(twoContainers('two'));
    const fine = path.join(s.dir, 'fine.json');
    assert.is((await s.plan('--out', path.relative(REPO, fine))).code, 0);
    await withStack(prefix, 'other', async (o) => {
      o.write(twoContainers('x'));
      const r = await o.apply();
      assert.is(r.code, 0, show(r));
      await o.engine.request('POST', `/containers/${(await o.container('b'))!.Id}/stop`, { query: { t: 0 } });

      const r3 = await applyPlanFile(s, fine);
      assert.is(r3.code, 0, show(r3));
      assert.match(r3.stdout, /Apply complete: 0 created, 0 updated, 1 replaced, 0 removed\./, show(r3));
      const [a1, b2] = await ids(s, 'a', 'b');
      assert.is.not(a1, a0, 'a was replaced');
      assert.is(b2, b1, 'b untouched');
      assert.ok((await s.container('a'))?.Config.Env?.includes('MODE=two'));
      assert.is((await o.container('b'))?.State.Running, false, 'the other stack is left as it was');
    }, { skipTypecheck: true });
  }, { skipTypecheck: true }));

saved('a secret with another value at apply time makes the plan stale, naming the secret', () =>
  withStack(prefix, 'secret', async (s) => {
    const name = `T_SECRET_${prefix.toUpperCase()}_SAVED`;
    s.writeRaw(`import { stack, secret } from 'moor';

export default stack(${JSON.stringify(s.name)}, ({ image, container }) => {
  const img = image('tools', { build: { context: ${JSON.stringify(s.toolsContext)} } });
  container('db', { image: img, command: ['sleep', '3600'], env: { DB_PASSWORD: secret(${JSON.stringify(name)}) }, stopSignal: 'SIGKILL', stopTimeout: 0 });
});
`);
    const first = `first-${randomBytes(8).toString('hex')}`;
    const file = path.join(s.dir, 'secret.json');
    const rel = path.relative(REPO, file);
    const plan = await runMoor(['plan', s.relFile, '--out', rel], { env: { MOOR_CACHE_DIR: path.join(REPO, 'test/.tmp', prefix, 'cache'), MOOR_SKIP_TYPECHECK: '1', [name]: first } });
    assert.is(plan.code, 0, show(plan));
    assert.not.ok(readFileSync(file, 'utf8').includes(first), 'the plan file does not hold the value');

    const other = await applyPlanFile(s, file, { [name]: `second-${randomBytes(8).toString('hex')}` });
    assert.is(other.code, 1, show(other));
    assert.match(other.stderr, stale(rel), show(other));
    assert.match(other.stderr, `secret ${name} has another value than when the plan was made`, show(other));
    assert.is(await s.labelledCount(), 0, 'nothing was created');

    const same = await applyPlanFile(s, file, { [name]: first });
    assert.is(same.code, 0, show(same));
    assert.ok((await s.container('db'))?.Config.Env?.includes(`DB_PASSWORD=${first}`));
  }));

// Objects of a stack whose name extends this one (`<stack>-x-b` of stack `<stack>-x`) share the
// name prefix observe lists by, but only names this stack's resources take are in its way.
saved('a change in a stack whose name extends this one does not make the plan stale', () =>
  withStack(prefix, 'base', async (s) => {
    s.write(twoContainers('one'));
    assert.is((await s.apply()).code, 0);
    await withStack(prefix, 'base-x', async (o) => {
      o.write(twoContainers('one'));
      assert.is((await o.apply()).code, 0);
      s.write(twoContainers('two'));
      const file = path.join(s.dir, 'plan.json');
      assert.is((await s.plan('--out', path.relative(REPO, file))).code, 0);
      await o.engine.request('POST', `/containers/${(await o.container('b'))!.Id}/stop`, { query: { t: 0 } });
      const r = await applyPlanFile(s, file);
      assert.is(r.code, 0, show(r));
    }, { skipTypecheck: true });
  }, { skipTypecheck: true }));

saved.run();
