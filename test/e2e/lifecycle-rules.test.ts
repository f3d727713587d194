/**
 * Lifecycle rules and the flags that narrow or force a change, on the real engine: protect: true
 * stops destroy (and a forced replacement), ignoreChanges keeps a container through changes of an
 * ignored key and a replacement takes the new value, replaceOrder: 'delete-before-create' removes
 * the old container first; --target changes only the targeted resources and what they need,
 * --replace replaces exactly one container.
 */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inspectNetwork, inspectVolume, newPrefix, planResourceLines, planSummary, show, sweepPrefix, withStack, type TestStack } from './helpers.js';

const prefix = newPrefix();
const rules = suite('e2e: lifecycle rules');
rules.after(() => sweepPrefix(prefix));

/** A sleeping container `name` with `extra` options (source text). */
const sleeper = (name: string, extra = '') =>
  `  container(${JSON.stringify(name)}, { image: img, command: ['sleep', '3600'], stopSignal: 'SIGKILL', stopTimeout: 0${extra ? `, ${extra}` : ''} });\n`;

async function id(s: TestStack, resource: string): Promise<string | undefined> {
  return (await s.container(resource))?.Id;
}

async function applied(s: TestStack, ...flags: string[]): Promise<void> {
  const r = await s.apply(...flags);
  assert.is(r.code, 0, show(r));
}

rules('protect: true refuses destroy, naming the resource, the rule and the line; nothing is removed', () =>
  withStack(prefix, 'protect', async (s) => {
    s.write(`  const net = network('net');\n${sleeper('db', "networks: [net], protect: true")}${sleeper('web', 'networks: [net]')}`);
    await applied(s);
    const before = await s.labelled();
    const ids = before.containers.map((c) => c.id).sort();

    const d = await s.destroy();
    assert.is(d.code, 1, show(d));
    const line = readFileSync(s.file, 'utf8').split('\n').findIndex((l) => l.includes("container(\"db\"")) + 1;
    assert.ok(d.stderr.includes(`${s.relFile}:${line}:3 container.db › protect: container db is protected (protect: true): this plan would delete it`), show(d));
    assert.match(d.stderr, /Nothing was changed\. To go ahead, remove protect: true from container\.db/, show(d));
    assert.not.match(d.stderr, /container\.web/, `web is not protected${show(d)}`);
    const after = await s.labelled();
    assert.equal(after.containers.map((c) => c.id).sort(), ids, 'no container removed (web neither)');
    assert.equal(after.networks.map((n) => n.id), before.networks.map((n) => n.id), 'the network is still there');
    assert.equal(after.images.map((i) => i.id), before.images.map((i) => i.id), 'the image is still there');

    // A forced replacement of the protected container is refused too; one of web is not.
    const forced = await s.apply('--replace', 'db');
    assert.is(forced.code, 1, show(forced));
    assert.match(forced.stderr, /container db is protected \(protect: true\): this plan would replace it \(forced by --replace\)/, show(forced));
    assert.equal((await s.labelled()).containers.map((c) => c.id).sort(), ids);

    // Without the rule, destroy goes ahead.
    s.write(`  const net = network('net');\n${sleeper('db', 'networks: [net]')}${sleeper('web', 'networks: [net]')}`);
    const d2 = await s.destroy();
    assert.is(d2.code, 0, show(d2));
    assert.is(await s.labelledCount(), 0);
  }, { skipTypecheck: true }));

rules('ignoreChanges: a new BUILD_ID is not planned; a real change replaces the container with the new BUILD_ID', () =>
  withStack(prefix, 'ignore', async (s) => {
    const stack = (build: string, mode: string) =>
      s.write(sleeper('app', `env: { BUILD_ID: ${JSON.stringify(build)}, MODE: ${JSON.stringify(mode)} }, ignoreChanges: ['env.BUILD_ID']`));
    stack('1', 'a');
    await applied(s);
    const first = await id(s, 'app');

    stack('2', 'a');
    const plan = await s.plan('--detailed-exitcode');
    assert.is(plan.code, 0, `an ignored key alone: no changes${show(plan)}`);
    assert.match(plan.stdout, /No changes\./, show(plan));
    await applied(s);
    assert.is(await id(s, 'app'), first, 'the container keeps its ID');
    assert.ok((await s.container('app'))?.Config.Env?.includes('BUILD_ID=1'), 'and its old BUILD_ID');

    stack('2', 'b');
    const changed = await s.plan('--detailed-exitcode');
    assert.is(changed.code, 2, show(changed));
    assert.match(changed.stdout, /env\.MODE: "a" → "b"\s+# forces replacement/, show(changed));
    assert.not.match(changed.stdout, /BUILD_ID/, `the ignored key is not shown as a change${show(changed)}`);
    await applied(s);
    const app = await s.container('app');
    assert.is.not(app?.Id, first, 'replaced');
    assert.ok(app?.Config.Env?.includes('MODE=b') && app.Config.Env.includes('BUILD_ID=2'), `the new container has the new BUILD_ID: ${app?.Config.Env}`);
    const after = await s.plan('--detailed-exitcode');
    assert.is(after.code, 0, show(after));
  }, { skipTypecheck: true }));

rules("replaceOrder: 'delete-before-create' removes the old container first", () =>
  withStack(prefix, 'order', async (s) => {
    const stack = (mode: string) => s.write(sleeper('single', `env: { MODE: ${JSON.stringify(mode)} }, replaceOrder: 'delete-before-create'`));
    stack('a');
    await applied(s);
    const first = await id(s, 'single');
    stack('b');
    const plan = await s.plan();
    assert.match(plan.stdout, /^ {2}-\/\+\s+container single\s+\(replace \(old container removed first\); env\.MODE changed; replaceOrder: delete-before-create\)/m, show(plan));
    const r = await s.apply();
    assert.is(r.code, 0, show(r));
    // The progress lines show the old one removed before the new one is created.
    const removed = r.stderr.indexOf('container single (old): removed');
    const created = r.stderr.search(/container single: (created|replaced)/);
    assert.ok(removed >= 0 && created > removed, `old removed before the new one is made:${show(r)}`);
    const c = await s.container('single');
    assert.ok(c && c.Id !== first && c.State.Running && c.Config.Env?.includes('MODE=b'));
  }, { skipTypecheck: true }));

rules('--target changes only the targeted container and what it needs; everything else is left as it is', () =>
  withStack(prefix, 'target', async (s) => {
    s.write(`${sleeper('a', "env: { MODE: 'one' }")}${sleeper('b', "env: { MODE: 'one' }")}`);
    await applied(s);
    const [a0, b0] = [await id(s, 'a'), await id(s, 'b')];

    // a changes and needs a new network and volume; b changes; c is new.
    s.write(`  const net = network('net');
  const va = volume('va');
${sleeper('a', "env: { MODE: 'two' }, networks: [net], mounts: [{ volume: va, target: '/va' }]")}${sleeper('b', "env: { MODE: 'two' }")}${sleeper('c')}`);
    const plan = await s.plan('--target', 'a', '--detailed-exitcode');
    assert.is(plan.code, 2, show(plan));
    assert.match(plan.stdout, /! Partial plan \(--target container\.a\): only these resources and what they need; everything else is left as it is\./, show(plan));
    assert.equal(planResourceLines(plan.stdout).map((l) => l.replace(/\s+\(.*$/, '')), ['  +   network net', '  +   volume va', '  +/- container a'], show(plan));
    assert.equal(planSummary(plan.stdout), { create: 2, update: 0, replace: 1, delete: 0 }, show(plan));

    const r = await s.apply('--target', 'a');
    assert.is(r.code, 0, show(r));
    const a = await s.container('a');
    assert.ok(a && a.Id !== a0 && a.Config.Env?.includes('MODE=two'), 'a was replaced with the new env');
    assert.ok(a.NetworkSettings.Networks?.[s.en('net')], 'a is on the new network');
    assert.ok(await inspectNetwork(s.engine, s.en('net')) && await inspectVolume(s.engine, s.en('va')), 'what a needs was created');
    const b = await s.container('b');
    assert.is(b?.Id, b0, 'b untouched');
    assert.ok(b?.Config.Env?.includes('MODE=one'), 'b keeps its old env');
    assert.is(await s.container('c'), undefined, 'c not created');

    // The rest is still to do.
    const rest = await s.plan('--detailed-exitcode');
    assert.equal(planResourceLines(rest.stdout).map((l) => l.replace(/\s+\(.*$/, '')), ['  +/- container b', '  +   container c'], show(rest));

    // destroy --target removes only that container.
    await applied(s);
    const d = await s.destroy('--target', 'c');
    assert.is(d.code, 0, show(d));
    assert.is(await s.container('c'), undefined);
    assert.ok(await s.container('a') && await s.container('b'), 'a and b are left');
    assert.ok(await inspectNetwork(s.engine, s.en('net')), 'the network is left');
  }, { skipTypecheck: true }));

rules('--replace replaces exactly one container; nothing else changes', () =>
  withStack(prefix, 'replace', async (s) => {
    s.write(`  const net = network('net');\n${sleeper('a', 'networks: [net]')}${sleeper('b', 'networks: [net]')}`);
    await applied(s);
    const before = await s.labelled();
    const [a0, b0] = [await id(s, 'a'), await id(s, 'b')];

    const plan = await s.plan('--replace', 'a', '--detailed-exitcode');
    assert.is(plan.code, 2, show(plan));
    assert.equal(planResourceLines(plan.stdout), ['  +/- container a  (replace (new container first, then the old one is removed); forced by --replace)'], show(plan));
    assert.equal(planSummary(plan.stdout), { create: 0, update: 0, replace: 1, delete: 0 }, show(plan));

    await applied(s, '--replace', 'container.a');
    const a = await s.container('a');
    assert.ok(a && a.Id !== a0 && a.State.Running, 'a has a new ID and runs');
    assert.is(a.Name, `/${s.en('a')}`);
    assert.is(await id(s, 'b'), b0, 'b untouched');
    const after = await s.labelled();
    assert.equal(after.networks.map((n) => n.id), before.networks.map((n) => n.id), 'same network');
    assert.equal(after.images.map((i) => i.id), before.images.map((i) => i.id), 'same image');
    const next = await s.plan('--detailed-exitcode');
    assert.is(next.code, 0, show(next));

    const unknown = await s.plan('--replace', 'nosuch');
    assert.is(unknown.code, 1, show(unknown));
    assert.match(unknown.stderr, /--replace nosuch: no such resource in this stack/, show(unknown));
  }, { skipTypecheck: true }));

rules.run();
