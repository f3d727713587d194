/**
 * Drift made by hand through the Engine API: a stopped container and a container disconnected
 * from its network. plan reports both, apply repairs them in place, the next plan is empty.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { demoBody, freePort, httpGet, newPrefix, planSummary, show, sweepPrefix, withStack } from './helpers.js';

const prefix = newPrefix();
const drift = suite('e2e: drift');
drift.after(() => sweepPrefix(prefix));

drift('a stopped container and a disconnected network are drift; apply repairs both in place', () =>
  withStack(prefix, 'drift', async (s) => {
    const port = await freePort();
    s.write(demoBody({ port }));
    const applied = await s.apply();
    assert.is(applied.code, 0, show(applied));
    const db0 = await s.container('db');
    const web0 = await s.container('web');
    assert.ok(db0?.State.Running && web0?.State.Running);

    // By hand: stop db, disconnect web from the backend network.
    await s.engine.request('POST', `/containers/${db0.Id}/stop`, { query: { t: 0 } });
    await s.engine.request('POST', `/networks/${encodeURIComponent(s.en('backend'))}/disconnect`, { body: { Container: web0.Id, Force: true } });
    assert.is((await s.container('db'))?.State.Running, false, 'db is stopped by hand');
    assert.is((await s.container('web'))?.NetworkSettings.Networks?.[s.en('backend')], undefined, 'web is disconnected by hand');

    const plan = await s.plan('--detailed-exitcode');
    assert.is(plan.code, 2, show(plan));
    assert.equal(planSummary(plan.stdout), { create: 0, update: 2, replace: 0, delete: 0 }, show(plan));
    assert.match(plan.stdout, /~\s+container db\s+\(update in place/, show(plan));
    assert.match(plan.stdout, /~\s+container web\s+\(update in place/, show(plan));
    assert.match(plan.stdout, /state: "exited" → "running".*# drift: stopped outside moor/, show(plan));
    assert.match(plan.stdout, /networks\.backend: "not attached" → "attached[^"]*".*# drift: disconnected outside moor/, show(plan));

    const repaired = await s.apply();
    assert.is(repaired.code, 0, show(repaired));
    assert.match(repaired.stdout, /Apply complete: 0 created, 2 updated, 0 replaced, 0 removed\./, show(repaired));

    const db = await s.container('db');
    const web = await s.container('web');
    assert.is(db?.Id, db0.Id, 'db repaired in place');
    assert.is(web?.Id, web0.Id, 'web repaired in place');
    assert.is(db?.State.Running, true, 'db runs again');
    const att = web?.NetworkSettings.Networks?.[s.en('backend')];
    assert.ok(att, 'web is attached to the backend network again');
    assert.ok(att.Aliases?.includes('web'), `web's alias is back: ${att.Aliases}`);
    await httpGet(port, '/');

    const after = await s.plan('--detailed-exitcode');
    assert.is(after.code, 0, show(after));
    assert.match(after.stdout, /No changes\./, show(after));
  }, { skipTypecheck: true }));

drift('live settings changed with docker update, and a rename: the default plan names each, apply repairs them in place, plan and apply agree', () =>
  withStack(prefix, 'live', async (s) => {
    s.write(`
  const backend = network('backend');
  const front = network('front');
  container('db', { image: img, command: ['sleep', '3600'], restart: 'unless-stopped', resources: { memory: '64m', pids: 100, cpus: 0.5 }, networks: [backend] });
  container('web', { image: img, command: ['sleep', '3600'], networks: [backend] });
  container('cache', { image: img, command: ['sleep', '3600'], networks: [front] });
`);
    const applied = await s.apply();
    assert.is(applied.code, 0, show(applied));
    const db0 = (await s.container('db'))!;
    const web0 = (await s.container('web'))!;

    // By hand, as \`docker update --restart no --memory 128m --pids-limit 50\` and \`docker rename\` would.
    await s.engine.request('POST', `/containers/${db0.Id}/update`, { body: { RestartPolicy: { Name: 'no' }, Memory: 128 * 1024 * 1024, MemorySwap: 256 * 1024 * 1024, PidsLimit: 50, NanoCpus: 1e9 } });
    await s.engine.request('POST', `/containers/${web0.Id}/rename`, { query: { name: `${s.name}-renamed-by-hand` } });
    // \`docker network connect\` by hand, and \`docker rm -f\` of another container.
    await s.engine.request('POST', `/networks/${encodeURIComponent(s.en('front'))}/connect`, { body: { Container: db0.Id } });
    const cache0 = (await s.container('cache'))!;
    await s.engine.request('DELETE', `/containers/${cache0.Id}`, { query: { force: true } });

    const plan = await s.plan('--detailed-exitcode');
    assert.is(plan.code, 2, `the default plan sees live drift${show(plan)}`);
    assert.match(plan.stdout, /restart: "no" → "unless-stopped".*# drift/, show(plan));
    assert.match(plan.stdout, /resources\.memory: "128 MiB" → "64 MiB".*# drift/, show(plan));
    assert.match(plan.stdout, /resources\.pids: 50 → 100.*# drift/, show(plan));
    assert.match(plan.stdout, /resources\.cpus: 1 → 0\.5.*# drift/, show(plan));
    assert.match(plan.stdout, /- networks\.front: "attached" → "not attached".*# drift: connected outside moor/, show(plan));
    assert.match(plan.stdout, /\+\s+container cache\s+\(not on the engine\)/, show(plan));
    assert.match(plan.stdout, new RegExp(`name: "${s.name}-renamed-by-hand" → "${s.en('web')}".*# drift: renamed outside moor`), show(plan));
    assert.equal(planSummary(plan.stdout), { create: 1, update: 2, replace: 0, delete: 0 }, show(plan));

    const fast = await s.plan('--refresh=false');
    assert.match(fast.stdout, /--refresh=false: containers were not inspected/, show(fast));

    const repaired = await s.apply();
    assert.is(repaired.code, 0, show(repaired));
    assert.match(repaired.stdout, /Apply complete: 1 created, 2 updated, 0 replaced, 0 removed\./, show(repaired));
    const db = (await s.container('db'))!;
    assert.is(db.NetworkSettings.Networks?.[s.en('front')], undefined, 'disconnected from the network connected by hand');
    assert.is(db.Id, db0.Id, 'repaired in place');
    assert.is(db.HostConfig.RestartPolicy.Name, 'unless-stopped');
    assert.is((db.HostConfig as unknown as { Memory: number }).Memory, 64 * 1024 * 1024);
    const web = await s.container('web');
    assert.is(web?.Id, web0.Id, 'renamed back, not recreated');

    const after = await s.plan('--detailed-exitcode');
    assert.is(after.code, 0, show(after));
  }, { skipTypecheck: true }));

drift('a container recreated by hand without moor\'s labels is named by the plan, and left alone', () =>
  withStack(prefix, 'recreated', async (s) => {
    s.write(`  container('web', { image: img, command: ['sleep', '3600'] });`);
    const applied = await s.apply();
    assert.is(applied.code, 0, show(applied));
    const web0 = (await s.container('web'))!;
    await s.engine.request('DELETE', `/containers/${web0.Id}`, { query: { force: true } });
    const made = await s.engine.request<{ Id: string }>('POST', '/containers/create', { query: { name: s.en('web') }, body: { Image: web0.Config.Image, Cmd: ['sleep', '3600'] } });
    const plan = await s.plan();
    assert.is(plan.code, 1, show(plan));
    assert.match(plan.stderr, new RegExp(`container named "${s.en('web')}" already exists on the engine and is not managed by stack "${s.name}"`), show(plan));
    const apply = await s.apply();
    assert.is(apply.code, 1, show(apply));
    assert.is((await s.container('web'))?.Id, made.Id, 'the container made by hand is not touched');
  }, { skipTypecheck: true }));

drift.run();
