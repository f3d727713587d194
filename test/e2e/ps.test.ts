/**
 * moor ps on the real engine, one apply shared: everything in sync after apply; a restart policy
 * changed by hand is drifted, a container removed by hand is missing, an edited stack is changed
 * (as JSON, parsed, and as the table); --stack NAME lists the containers from the labels alone;
 * apply converges and ps says in sync again.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort, newPrefix, runMoor, show, sweepPrefix, withStack, type TestStack } from './helpers.js';

const prefix = newPrefix();
const ps = suite('e2e: moor ps');
ps.after(() => sweepPrefix(prefix));

interface PsJson {
  stack: string;
  resources: { id: string; kind: string; objects: { name: string; id: string }[]; state: string | null; health: string | null; ports: string[]; sync: string | null; causes: string[] }[];
}

async function psJson(s: TestStack, ...args: string[]): Promise<PsJson> {
  const r = await runMoor(['ps', ...(args.length ? args : [s.relFile]), '--json']);
  assert.is(r.code, 0, show(r));
  return JSON.parse(r.stdout) as PsJson;
}

const syncs = (j: PsJson) => Object.fromEntries(j.resources.map((r) => [r.id, r.sync]));

const body = (port: number, mode: string) => `
  const net = network('backend');
  const data = volume('data');
  container('db', { image: img, command: ['sleep', '3600'], networks: [net], mounts: [{ volume: data, target: '/data' }], env: { MODE: ${JSON.stringify(mode)} },
    healthcheck: { test: ['CMD', 'true'], interval: '500ms' } });
  container('web', { image: img, command: ['httpd', '-f', '-p', '80', '-h', '/www'], networks: [net], ports: [{ container: 80, host: ${port}, hostIp: '127.0.0.1' }] });
`;

ps('in sync after apply; drifted, missing and changed as the plan sees them; --stack from the labels; in sync again after apply', () =>
  withStack(prefix, 'ps', async (s) => {
    const port = await freePort();
    s.write(body(port, 'a'));
    let r = await s.apply();
    assert.is(r.code, 0, show(r));

    let j = await psJson(s);
    assert.is(j.stack, s.name);
    assert.equal(syncs(j), {
      'container.db': 'in sync', 'container.web': 'in sync', 'image.tools': 'in sync', 'network.backend': 'in sync', 'volume.data': 'in sync',
    });
    const web = j.resources.find((x) => x.id === 'container.web')!;
    assert.equal(web.objects.map((o) => o.name), [s.en('web')]);
    assert.is(web.objects[0]!.id, (await s.container('web'))!.Id.slice(0, 12));
    assert.is(web.state, 'running');
    assert.equal(web.ports, [`127.0.0.1:${port}->80/tcp`]);
    assert.equal(j.resources.find((x) => x.id === 'volume.data')!.objects, [{ name: s.en('data'), id: s.en('data') }]);

    // By hand: a restart policy changed (drift in a live setting), a container removed.
    await s.engine.request('POST', `/containers/${s.en('db')}/update`, { body: { RestartPolicy: { Name: 'always', MaximumRetryCount: 0 } } });
    await s.engine.request('DELETE', `/containers/${s.en('web')}`, { query: { force: true } });
    j = await psJson(s);
    assert.is(syncs(j)['container.db'], 'drifted');
    assert.ok(j.resources.find((x) => x.id === 'container.db')!.causes.some((c) => /restart/.test(c)), JSON.stringify(j));
    assert.is(syncs(j)['container.web'], 'missing');
    assert.equal(j.resources.find((x) => x.id === 'container.web')!.objects, []);
    assert.is(syncs(j)['network.backend'], 'in sync');

    r = await runMoor(['ps', s.relFile]);
    assert.is(r.code, 0, show(r));
    assert.match(r.stdout, /^RESOURCE +ENGINE OBJECT +STATE +HEALTH +PORTS +STACK$/m, show(r));
    assert.match(r.stdout, new RegExp(`^container\\.db +${s.en('db')} \\([0-9a-f]{12}\\) +running +(healthy|starting) +- +drifted: restart`, 'm'), show(r));
    assert.match(r.stdout, /^container\.web +- +- +- +- +missing$/m, show(r));

    // Labels only: the containers there are, no judgement.
    j = await psJson(s, '--stack', s.name);
    assert.equal(j.resources.map((x) => [x.id, x.sync, x.objects[0]!.name]), [['container.db', null, s.en('db')]]);

    // The stack edited, not applied: changed (the engine matches the old version).
    s.write(body(port, 'b'));
    j = await psJson(s);
    assert.is(syncs(j)['container.db'], 'drifted', 'drift wins over a change on the same container');
    await s.engine.request('POST', `/containers/${s.en('db')}/update`, { body: { RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } } });
    j = await psJson(s);
    assert.is(syncs(j)['container.db'], 'changed', JSON.stringify(j));

    r = await s.apply();
    assert.is(r.code, 0, show(r));
    j = await psJson(s);
    assert.ok(j.resources.every((x) => x.sync === 'in sync'), JSON.stringify(j));
  }));

ps('usage errors name the problem; a stack never applied is all missing', () =>
  withStack(prefix, 'none', async (s) => {
    s.write(`container('app', { image: img, command: ['sleep', '60'] });`);
    const j = await psJson(s);
    assert.equal(syncs(j), { 'container.app': 'missing', 'image.tools': 'missing' });
    let r = await runMoor(['ps', s.relFile, '--follow']);
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, /moor ps does not (know|take) --follow/, show(r));
    r = await runMoor(['ps', '--stack', s.name, s.relFile]);
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, /takes no stack file/, show(r));
    assert.is(await s.labelledCount(), 0, 'ps changed nothing');
  }));

ps.run();
