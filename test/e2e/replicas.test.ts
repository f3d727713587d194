/**
 * Replicas on one engine, one stack taken through 1 → 3 → 5 → 2 replicas: only the difference is
 * touched (container IDs checked), the resource name resolves to every replica (the engine's DNS),
 * a rolling replacement with a healthcheck never leaves zero replicas running (a watcher polls the
 * engine during the apply), a fixed host port with replicas is refused at plan time, and every
 * apply is followed by an empty plan.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execInContainer } from '../../core/engine/exec.js';
import { eventually, newPrefix, runMoor, show, sweepPrefix, withStack, type TestStack } from './helpers.js';

const prefix = newPrefix();
const replicas = suite('e2e: replicas on one engine');
replicas.after(() => sweepPrefix(prefix));

const body = (o: { replicas?: number; mode?: string; port?: string }) => `
  const back = network('back');
  const worker = container('worker', {
    image: img, networks: [back], env: { MODE: ${JSON.stringify(o.mode ?? 'a')} },${o.replicas ? ` replicas: ${o.replicas},` : ''}
    command: ['sh', '-c', 'echo "up on $(hostname)"; trap "exit 0" TERM; while true; do sleep 1; done'],
    healthcheck: { test: ['CMD', 'true'], interval: '1s', retries: 3 },${o.port ? `\n    ports: [{ container: 80, host: ${o.port} }],` : ''}
  });
  container('probe', { image: img, networks: [back], dependsOn: [{ container: worker, condition: 'healthy' }], command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'] });
`;

/** Engine IDs of the stack's worker containers, by engine name. */
async function workers(s: TestStack): Promise<Record<string, string>> {
  const list = await s.engine.request<{ Id: string; Names: string[] }[]>('GET', '/containers/json', {
    query: { all: 1, filters: JSON.stringify({ label: [`moor.stack=${s.name}`, 'moor.name=worker'] }) },
  });
  return Object.fromEntries(list.map((c) => [c.Names[0]!.replace(/^\//, ''), c.Id]).sort(([a], [b]) => a!.localeCompare(b!)));
}

async function applyThenEmpty(s: TestStack): Promise<string> {
  const r = await s.apply();
  assert.is(r.code, 0, show(r));
  const p = await s.plan('--detailed-exitcode');
  assert.is(p.code, 0, `plan after apply is empty${show(p)}`);
  return r.stdout;
}

replicas('1 → 3 → 5 → 2: only the difference touched; DNS answers with every replica; rolling replace never at zero', () =>
  withStack(prefix, 'scale', async (s) => {
    s.write(body({}));
    await applyThenEmpty(s);
    const one = await workers(s);
    assert.equal(Object.keys(one), [s.en('worker')]);

    // 1 → 3: the running container is renamed to -1 (same ID), -2 and -3 created.
    s.write(body({ replicas: 3 }));
    let out = await applyThenEmpty(s);
    assert.match(out, /container worker {2}\(1 → 3 replicas\)/, out);
    const three = await workers(s);
    assert.equal(Object.keys(three), [1, 2, 3].map((i) => s.en(`worker-${i}`)));
    assert.is(three[s.en('worker-1')], one[s.en('worker')], 'replica 1 is the container that ran before, renamed');

    // DNS: the resource name resolves to every replica's address.
    const ips = await Promise.all(Object.keys(three).map(async (n) => Object.values((await s.engine.request<{ NetworkSettings: { Networks: Record<string, { IPAddress: string }> } }>('GET', `/containers/${n}/json`)).NetworkSettings.Networks)[0]!.IPAddress));
    const ns = await execInContainer(s.engine, s.en('probe'), ['nslookup', 'worker', '127.0.0.11'], { timeoutMs: 10_000 });
    for (const ip of ips) assert.ok(ns.stdout.includes(ip), `nslookup worker lists ${ip}:\n${ns.stdout}${ns.stderr}`);

    // Day-2: exec picks replica 1, --index N another; ps shows one row with every replica.
    const ex = await runMoor(['exec', '--index', '2', s.relFile, 'worker', 'hostname']);
    assert.is(ex.code, 0, show(ex));
    assert.is(ex.stdout.trim(), three[s.en('worker-2')]!.slice(0, 12));
    const ex1 = await runMoor(['exec', s.relFile, 'worker', 'hostname']);
    assert.is(ex1.stdout.trim(), three[s.en('worker-1')]!.slice(0, 12), show(ex1));
    const logs = await runMoor(['logs', s.relFile, 'worker']);
    assert.is(logs.code, 0, show(logs));
    for (const i of [1, 2, 3]) assert.match(logs.stdout, new RegExp(`worker-${i}\\s*\\| up on ${three[s.en(`worker-${i}`)]!.slice(0, 12)}`), show(logs));
    const ps = await runMoor(['ps', s.relFile, '--json']);
    assert.is(ps.code, 0, show(ps));
    const row = (JSON.parse(ps.stdout) as { resources: { id: string; objects: { name: string }[]; sync: string }[] }).resources.find((r) => r.id === 'container.worker');
    assert.equal(row?.objects.map((o) => o.name), [1, 2, 3].map((i) => s.en(`worker-${i}`)), ps.stdout);
    assert.is(row?.sync, 'in sync');

    // 3 → 5: only -4 and -5 are new.
    s.write(body({ replicas: 5 }));
    out = await applyThenEmpty(s);
    const five = await workers(s);
    assert.equal(Object.keys(five), [1, 2, 3, 4, 5].map((i) => s.en(`worker-${i}`)));
    for (const n of Object.keys(three)) assert.is(five[n], three[n], `${n} untouched`);

    // 5 → 2: -3..-5 removed, -1 and -2 untouched.
    s.write(body({ replicas: 2 }));
    out = await applyThenEmpty(s);
    assert.match(out, /5 → 2 replicas/, out);
    const two = await workers(s);
    assert.equal(two, { [s.en('worker-1')]: three[s.en('worker-1')]!, [s.en('worker-2')]: three[s.en('worker-2')]! });

    // A replica stopped by hand: the plan names it; apply starts only it.
    await s.engine.request('POST', `/containers/${s.en('worker-2')}/stop`, { query: { t: 0 } });
    const drift = await s.plan();
    assert.match(drift.stdout, /container worker#2 \([^)]*worker-2\)/, show(drift));
    assert.not.match(drift.stdout, /worker#1/, show(drift));
    await applyThenEmpty(s);
    assert.equal(await workers(s), two);

    // Rolling replacement (env changed), healthcheck-gated: a watcher polls the engine throughout.
    // From a healthy start (worker-2 was just started again: its healthcheck is still starting).
    await eventually('both replicas healthy', async () => (await s.engine.request<unknown[]>('GET', '/containers/json', {
      query: { filters: JSON.stringify({ label: [`moor.stack=${s.name}`, 'moor.name=worker'], health: ['healthy'] }) },
    })).length === 2);
    s.write(body({ replicas: 2, mode: 'b' }));
    let watching = true;
    let least = Infinity;
    let leastHealthy = Infinity;
    let polls = 0;
    const count = async (extra: Record<string, string[]>) => (await s.engine.request<unknown[]>('GET', '/containers/json', {
      query: { filters: JSON.stringify({ label: [`moor.stack=${s.name}`, 'moor.name=worker'], status: ['running'], ...extra }) },
    })).length;
    const watcher = (async () => {
      while (watching) {
        least = Math.min(least, await count({}));
        // Health-gated: the next old replica goes only once the new one is healthy, so one healthy replica at all times.
        leastHealthy = Math.min(leastHealthy, await count({ health: ['healthy'] }));
        polls++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      out = await applyThenEmpty(s);
    } finally {
      watching = false;
      await watcher;
    }
    assert.ok(polls > 5, `the watcher polled during the apply (${polls})`);
    assert.ok(least >= 1, `never zero running replicas during the rolling replacement (least: ${least})`);
    assert.ok(leastHealthy >= 1, `never zero healthy replicas during the rolling replacement (least: ${leastHealthy})`);
    const rolled = await workers(s);
    assert.equal(Object.keys(rolled), Object.keys(two));
    for (const n of Object.keys(two)) assert.is.not(rolled[n], two[n], `${n} replaced`);
    assert.match(out, /rolling: after container\.worker#1/, out);
  }));

replicas('a fixed host port with replicas is refused at plan time, naming the file, line and field; nothing is created', () =>
  withStack(prefix, 'port', async (s) => {
    s.write(body({ replicas: 2, port: '18751' }));
    const r = await s.plan();
    assert.is(r.code, 1, show(r));
    const text = r.stdout + r.stderr;
    assert.match(text, new RegExp(`${s.relFile.replace(/[.]/g, '\\.')}:\\d+`), show(r));
    assert.match(text, /ports\[0\]\.host/, show(r));
    assert.match(text, /a fixed host port cannot be published by 2 replicas/, show(r));
    assert.is(await s.labelledCount(), 0);
  }));

replicas.run();
