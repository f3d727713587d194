/**
 * The demo-like stack from nothing: apply creates it (on the real type-check path), the engine
 * shows every object running and labelled, web answers HTTP, and the next plan is empty.
 * Also: `plan --json` is machine-readable.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { demoBody, freePort, httpGet, inspectNetwork, inspectVolume, newPrefix, planResourceLines, planSummary, show, sweepPrefix, withStack } from './helpers.js';

const prefix = newPrefix();
const lifecycle = suite('e2e: lifecycle');
lifecycle.after(() => sweepPrefix(prefix));

lifecycle('apply creates the demo stack on the engine; the next plan is empty', () =>
  withStack(prefix, 'demo', async (s) => {
    const port = await freePort();
    s.write(demoBody({ port }));

    const first = await s.plan('--detailed-exitcode');
    assert.is(first.code, 2, show(first));
    assert.equal(planSummary(first.stdout), { create: 5, update: 0, replace: 0, delete: 0 }, show(first));
    assert.is(await s.labelledCount(), 0, 'plan must not create anything');

    const applied = await s.apply();
    assert.is(applied.code, 0, show(applied));
    assert.match(applied.stdout, /Apply complete: 5 created, 0 updated, 0 replaced, 0 removed\./, show(applied));

    // Containers: running, db healthy with its alias, web published on 127.0.0.1:<port>.
    const db = await s.container('db');
    const web = await s.container('web');
    assert.ok(db && web, 'both containers exist');
    assert.is(db.State.Running, true, `db is ${db.State.Status}`);
    assert.is(web.State.Running, true, `web is ${web.State.Status}`);
    assert.is(db.State.Health?.Status, 'healthy', 'web waited for db to be healthy, so db is healthy by now');
    assert.is(db.HostConfig.RestartPolicy.Name, 'unless-stopped');
    assert.ok(db.Config.Env?.includes('MODE=demo'), `db env: ${db.Config.Env}`);
    const dbAliases = db.NetworkSettings.Networks?.[s.en('backend')]?.Aliases ?? [];
    assert.ok(dbAliases.includes('database') && dbAliases.includes('db'), `db aliases on backend: ${dbAliases}`);
    assert.ok(web.NetworkSettings.Networks?.[s.en('backend')], 'web is attached to the backend network');
    assert.equal(web.HostConfig.PortBindings?.['80/tcp'], [{ HostIp: '127.0.0.1', HostPort: String(port) }]);
    for (const c of [db, web]) {
      assert.is(c.Config.Labels?.['moor.stack'], s.name);
      assert.is(c.Config.Labels?.['moor.kind'], 'container');
      assert.ok(c.Config.Labels?.['moor.spec'], 'moor.spec label is set');
    }
    assert.is(db.Config.Labels?.['moor.name'], 'db');
    assert.is(web.Config.Labels?.['moor.name'], 'web');
    const mount = db.Mounts.find((m) => m.Destination === '/data');
    assert.is(mount?.Type, 'volume');
    assert.is(mount?.Name, s.en('data'));

    // web answers HTTP on the published port.
    const res = await httpGet(port, '/');
    assert.is(res.body.trim(), 'moor test');

    // Network and volume exist with moor's labels.
    const network = await inspectNetwork(s.engine, s.en('backend'));
    assert.ok(network, 'network exists');
    assert.is(network.Labels['moor.stack'], s.name);
    assert.is(network.Labels['moor.kind'], 'network');
    assert.is(network.Labels['moor.name'], 'backend');
    const volume = await inspectVolume(s.engine, s.en('data'));
    assert.ok(volume, 'volume exists');
    assert.is(volume.Labels?.['moor.stack'], s.name);
    assert.is(volume.Labels?.['moor.kind'], 'volume');
    assert.is(volume.Labels?.['moor.name'], 'data');

    // The built image is tagged <stack>-tools and labelled.
    const labelled = await s.labelled();
    assert.equal(labelled.images.map((i) => i.name), [`${s.en('tools')}:latest`]);
    assert.is(labelled.containers.length, 2);
    assert.is(labelled.networks.length, 1);
    assert.is(labelled.volumes.length, 1);

    const again = await s.plan('--detailed-exitcode');
    assert.is(again.code, 0, show(again));
    assert.match(again.stdout, /No changes\./, show(again));
    assert.equal(planResourceLines(again.stdout), []);
  }));

lifecycle('plan --json parses and describes every resource with action and changes', () =>
  withStack(prefix, 'json', async (s) => {
    const port = await freePort();
    s.write(demoBody({ port }));

    const fresh = await s.plan('--json');
    assert.is(fresh.code, 0, show(fresh));
    const plan = JSON.parse(fresh.stdout) as PlanJson;
    assert.is(plan.format_version, '2');
    assert.is(plan.stack, s.name);
    assert.equal(plan.summary, { create: 5, update: 0, replace: 0, migrate: 0, delete: 0 });
    assert.equal(plan.resources.map((r) => `${r.id}:${r.action}`).sort(),
      ['container.db:create', 'container.web:create', 'image.tools:create', 'network.backend:create', 'volume.data:create']);
    for (const r of plan.resources) {
      assert.ok(Array.isArray(r.changes), `${r.id} has a changes array`);
      assert.type(r.engine_name, 'string');
    }

    const applied = await s.apply();
    assert.is(applied.code, 0, show(applied));

    // A change: the JSON names the attribute, its before/after and that it forces replacement.
    s.write(demoBody({ port, mode: 'prod' }));
    const changed = await s.plan('--json', '--detailed-exitcode');
    assert.is(changed.code, 2, show(changed));
    const p2 = JSON.parse(changed.stdout) as PlanJson;
    assert.is(p2.format_version, '2');
    const db = p2.resources.find((r) => r.id === 'container.db');
    assert.ok(db, 'container.db is in the plan');
    assert.is(db.action, 'replace');
    assert.equal(db.changes.find((c) => c.path === 'env.MODE'), {
      path: 'env.MODE', before: 'demo', after: 'prod', forces_replacement: true, source: 'change',
    });
    assert.equal(p2.resources.filter((r) => r.action !== 'noop').map((r) => r.id), ['container.db']);
    assert.equal(p2.summary, { create: 0, update: 0, replace: 1, migrate: 0, delete: 0 });
  }, { skipTypecheck: true }));

interface PlanJson {
  format_version: string;
  stack: string;
  summary: Record<string, number>;
  resources: { id: string; action: string; engine_name: string; changes: Record<string, unknown>[] }[];
}

lifecycle.run();
