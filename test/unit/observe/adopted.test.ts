/**
 * observe with an adoption record: objects under compose's names and without moor labels are the
 * stack's own through the record, read with one more round of list calls; planning the stack they
 * were adopted with changes nothing.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EngineClient } from '../../../core/engine/client.js';
import { EngineError } from '../../../core/engine/errors.js';
import type { ContainerInspect, ContainerSummary, NetworkSummary, VolumeSummary } from '../../../core/engine/api-types.js';
import { adoptionLabels, type AdoptedEntry } from '../../../core/model/adoption.js';
import { ledgerLabels } from '../../../core/model/ledger.js';
import { observeStack } from '../../../core/observe/observe.js';
import { planStack } from '../../../core/plan/plan.js';
import { ENGINE, fakeId, planText, shopStack } from '../../fixtures/builders.js';

/** compose v2 names: they share the stack's `shop-` prefix, which alone would make them foreign. */
const NAMES: Record<string, string> = { frontend: 'shop_frontend', backend: 'shop_backend', data: 'shop_data' };
const cname = (c: string) => `shop-${c}-1`;

function adoptedEngine() {
  const d = shopStack();
  const imageId = (ref: string) => `sha256:${fakeId(`image:${ref}`)}`;
  const entries: AdoptedEntry[] = [];
  const networks: NetworkSummary[] = d.networks.map((n) => {
    entries.push({ kind: 'network', resource: n.name, id: fakeId(`network:${n.name}`), engineName: NAMES[n.name]!, spec: n, since: '' });
    return { Id: fakeId(`network:${n.name}`), Name: NAMES[n.name]!, Driver: 'bridge', Labels: { 'com.docker.compose.project': 'shop' } };
  });
  const volumes: VolumeSummary[] = d.volumes.map((v) => {
    entries.push({ kind: 'volume', resource: v.name, id: NAMES[v.name]!, engineName: NAMES[v.name]!, spec: v, since: '' });
    return { Name: NAMES[v.name]!, Driver: 'local', Labels: { 'com.docker.compose.project': 'shop' }, Options: null, Mountpoint: '/x' };
  });
  const attached = (c: (typeof d.containers)[number]) =>
    c.networkMode.type === 'networks' ? c.networks.map((n) => NAMES[n.network]!) : c.networkMode.type === 'container' ? [] : [c.networkMode.type];
  const inspect: Record<string, ContainerInspect> = {};
  const containers: ContainerSummary[] = d.containers.map((c) => {
    const id = fakeId(`container:${c.name}`);
    const ref = d.images.find((i) => i.name === c.image)?.ref ?? c.image;
    entries.push({ kind: 'container', resource: c.name, id, engineName: cname(c.name), spec: c, since: '' });
    inspect[id] = {
      Id: id, Name: `/${cname(c.name)}`, Config: { Labels: {} }, State: { Status: 'running', Running: true, ExitCode: 0 },
      HostConfig: { RestartPolicy: { Name: c.restart.policy, MaximumRetryCount: c.restart.maxRetries }, NanoCpus: c.resources.nanoCpus ?? 0, Memory: c.resources.memoryBytes ?? 0, PidsLimit: c.resources.pids ?? 0 },
      NetworkSettings: { Networks: Object.fromEntries(attached(c).map((n) => [n, {
        NetworkID: fakeId(n), Aliases: [c.name, id.slice(0, 12), ...(c.networks.find((x) => NAMES[x.network] === n)?.aliases ?? [])],
      }])) },
    };
    return {
      Id: id, Names: [`/${cname(c.name)}`], Image: ref, ImageID: imageId(ref), Labels: { 'com.docker.compose.service': c.name },
      State: 'running', Status: c.healthcheck ? 'Up 2 minutes (healthy)' : 'Up 2 minutes',
      NetworkSettings: { Networks: Object.fromEntries(attached(c).map((n) => [n, { NetworkID: fakeId(n), Aliases: null }])) },
    };
  });
  volumes.push({ Name: 'shop.moor-adopted.1', Driver: 'local', Labels: adoptionLabels('shop', entries), Options: null, Mountpoint: '/y' });
  const images = [...new Set(d.containers.map((c) => d.images.find((i) => i.name === c.image)?.ref ?? c.image))]
    .map((ref) => ({ Id: imageId(ref), RepoTags: [ref], Labels: null }));
  return { d, containers, networks, volumes, images, inspect };
}

function fakeClient(engine: ReturnType<typeof adoptedEngine>) {
  const calls: string[] = [];
  const client = {
    async engineInfo() { return ENGINE; },
    async request(method: string, path: string, opts: { query?: Record<string, unknown> } = {}) {
      calls.push(`${method} ${path} ${String(opts.query?.filters ?? '')}`);
      const f = JSON.parse(String(opts.query?.filters ?? '{}')) as { label?: string[]; name?: string[]; id?: string[]; reference?: string[] };
      const match = (labels: Record<string, string> | null, name: string, id = '') =>
        (f.label ?? []).every((l) => { const [k, v] = l.split('='); return labels?.[k!] === v; }) &&
        (!f.name || f.name.some((n) => name.includes(n))) && (!f.id || f.id.some((i) => id.startsWith(i)));
      switch (path) {
        case '/containers/json': return engine.containers.filter((c) => match(c.Labels, c.Names[0]!.slice(1), c.Id));
        case '/networks': return engine.networks.filter((n) => match(n.Labels, n.Name));
        case '/volumes': return { Volumes: engine.volumes.filter((v) => match(v.Labels, v.Name)) };
        case '/images/json': return engine.images.filter((i) => !f.reference || f.reference.some((r) => i.RepoTags.includes(r)));
        // Not a swarm manager (observe lists swarm services once; observe/services.test.ts covers a manager).
        case '/services': throw new EngineError(503, 'This node is not a swarm manager.', `${method} ${path}`);
      }
      // By id, or by name as observe asks first (a name no container has is a 404).
      const inspect = /^\/containers\/([^/]+)\/json$/.exec(path);
      if (inspect) {
        const found = engine.inspect[inspect[1]!] ?? Object.values(engine.inspect).find((i) => i.Name === `/${decodeURIComponent(inspect[1]!)}`);
        if (found) return found;
        if ((opts as { okStatuses?: number[] }).okStatuses?.includes(404)) return undefined;
      }
      throw new Error(`fake engine: unexpected ${method} ${path}`);
    },
  };
  return { client: client as unknown as EngineClient, calls };
}

const observe = suite('observeStack with an adoption record');

observe('adopted objects are the stack\'s, with the recorded spec; planning the same stack changes nothing', async () => {
  const engine = adoptedEngine();
  const { client, calls } = fakeClient(engine);
  const o = await observeStack(client, engine.d);
  assert.ok(o.containers.every((c) => c.owner === 'stack' && c.adopted && c.spec && c.live), 'every container adopted and inspected');
  assert.equal(o.networks.filter((n) => n.adopted).map((n) => `${n.resource}=${n.name}`).sort(), ['backend=shop_backend', 'frontend=shop_frontend']);
  assert.equal(o.volumes.map((v) => `${v.resource}=${v.name}`), ['data=shop_data'], 'the record volume is not a volume of the stack');
  assert.is(o.adoption?.entries.length, engine.d.containers.length + 3);
  assert.is(planText(planStack(engine.d, o)), 'No changes. The engine matches stack shop.');
  // One more round: the adopted containers by id and the adopted volumes by name.
  assert.equal(calls.filter((c) => c.includes('"id"') || c.includes('"name":["shop_data"]')).length, 2);
});

observe('refresh: false: aliases moor set live on an adopted network are read from the ledger under its name (no inspect needed)', async () => {
  const engine = adoptedEngine();
  const web = engine.d.containers.find((c) => c.name === 'web')!;
  const aliases = { shop_backend: ['www', 'x'], shop_frontend: [] };
  engine.volumes.push({ Name: 'shop.moor-live.1', Driver: 'local', Options: null, Mountpoint: '/z',
    Labels: ledgerLabels('shop', { [fakeId('container:web')]: { restart: web.restart, resources: web.resources, aliases } }) });
  const { client, calls } = fakeClient(engine);
  await observeStack(client, shopStack({ webAliases: ['www', 'x'] }), { refresh: false });
  assert.equal(calls.filter((c) => /^GET \/containers\/\w+\/json/.test(c)), []);
});

observe('without a record no extra call is made and compose-named objects stay foreign', async () => {
  const engine = adoptedEngine();
  engine.volumes = engine.volumes.filter((v) => !v.Name.includes('moor-adopted'));
  const { client, calls } = fakeClient(engine);
  const o = await observeStack(client, engine.d);
  assert.is(o.adoption, undefined);
  assert.not.ok(calls.some((c) => c.includes('"id"')));
  assert.ok(o.containers.every((c) => c.owner === 'foreign'));
});

observe.run();
