/**
 * observe against a fake Engine API: list responses shaped as the engine sends them, so that what
 * observe makes of them (ownership, specs, images, the ledger, which containers it inspects) can be
 * checked without an engine — and planned.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EngineClient } from '../../../core/engine/client.js';
import { EngineError } from '../../../core/engine/errors.js';
import type { ContainerInspect, ContainerSummary, ImageSummary, NetworkSummary, VolumeSummary } from '../../../core/engine/api-types.js';
import { specLabels } from '../../../core/model/labels.js';
import { engineName } from '../../../core/model/names.js';
import { stashLabels, stashVolumeName, verifiedLabels, verifiedMarkerName } from '../../../core/model/migration.js';
import { keyVolumeLabels, keyVolumeName } from '../../../core/model/secret.js';
import type { DesiredStack } from '../../../core/model/spec.js';
import { liveState, observeStack } from '../../../core/observe/observe.js';
import { imageLabels } from '../../../core/plan/image.js';
import { planStack } from '../../../core/plan/plan.js';
import { attachedNetworks, desired, ENGINE, fakeId, planText, shopStack } from '../../fixtures/builders.js';

type Image = ImageSummary & { RepoDigests?: string[] };
interface Engine {
  containers: ContainerSummary[];
  networks: NetworkSummary[];
  volumes: VolumeSummary[];
  images: Image[];
  inspect: Record<string, ContainerInspect>;
  /** What a registry serves: reference → manifest digest (GET /distribution/{ref}/json). */
  registry?: Record<string, string>;
}

/** The engine's answers after moor applied `d` (labels, attachments, tags as the engine reports them). */
function appliedEngine(d: DesiredStack): Engine {
  const images: Image[] = d.images.map((i) => ({
    Id: `sha256:${fakeId(`image:${i.ref}`)}`, RepoTags: [i.ref], Labels: i.build ? imageLabels(d.name, i) : null,
  }));
  const containers: ContainerSummary[] = d.containers.map((c) => {
    const ref = d.images.find((i) => i.name === c.image)!.ref;
    return {
      Id: fakeId(`container:${c.name}`), Names: [`/${engineName(d.name, c.name)}`], Image: ref,
      ImageID: images.find((i) => i.RepoTags!.includes(ref))!.Id,
      Labels: { ...c.labels, ...specLabels(d.name, c) }, State: 'running', Status: 'Up 2 minutes',
      NetworkSettings: { Networks: Object.fromEntries(attachedNetworks(d.name, c).map((n) => [n, { NetworkID: fakeId(n), Aliases: null }])) },
    };
  });
  const inspect: Record<string, ContainerInspect> = {};
  for (const c of d.containers) {
    const id = fakeId(`container:${c.name}`);
    inspect[id] = {
      Id: id, Name: `/${engineName(d.name, c.name)}`, Config: { Labels: {} }, State: { Status: 'running', Running: true, ExitCode: 0 },
      HostConfig: {
        RestartPolicy: { Name: c.restart.policy, MaximumRetryCount: c.restart.maxRetries },
        NanoCpus: c.resources.nanoCpus ?? 0, Memory: c.resources.memoryBytes ?? 0, PidsLimit: c.resources.pids ?? 0,
      },
      NetworkSettings: {
        Networks: Object.fromEntries(attachedNetworks(d.name, c).map((n) => [n, {
          NetworkID: fakeId(n), Aliases: [c.name, ...(c.networks.find((x) => engineName(d.name, x.network) === n)?.aliases ?? []), id.slice(0, 12)],
        }])),
      },
    };
  }
  return {
    containers,
    networks: d.networks.map((n) => ({ Id: fakeId(`network:${n.name}`), Name: engineName(d.name, n.name), Driver: n.driver, Labels: { ...n.labels, ...specLabels(d.name, n) } })),
    volumes: d.volumes.map((v) => ({ Name: engineName(d.name, v.name), Driver: v.driver, Labels: { ...v.labels, ...specLabels(d.name, v) }, Options: null, Mountpoint: '/x' })),
    images,
    inspect,
  };
}

/** A client answering from `engine`, filtering lists by label / name prefix / reference as the engine does; it counts requests. */
function fakeClient(engine: Engine) {
  const calls: string[] = [];
  const client = {
    async engineInfo() { return ENGINE; },
    async request(method: string, path: string, opts: { query?: Record<string, unknown> } = {}) {
      calls.push(`${method} ${path}`);
      const f = JSON.parse(String(opts.query?.filters ?? '{}')) as { label?: string[]; name?: string[]; reference?: string[] };
      const match = (labels: Record<string, string> | null, name: string) =>
        (f.label ?? []).every((l) => { const [k, v] = l.split('='); return labels?.[k!] === v; }) &&
        (f.name ?? []).every((n) => name.includes(n));
      switch (path) {
        case '/containers/json': return engine.containers.filter((c) => match(c.Labels, c.Names[0]!.slice(1)));
        case '/networks': return engine.networks.filter((n) => match(n.Labels, n.Name));
        case '/volumes': return { Volumes: engine.volumes.filter((v) => match(v.Labels, v.Name)) };
        // An engine that is not in a swarm (the list a swarm manager answers is tested in services.test.ts).
        case '/services': throw new EngineError(503, 'This node is not a swarm manager.', `${method} ${path}`);
        case '/images/json':
          return engine.images.filter((i) => (f.reference
            ? f.reference.some((r) => (i.RepoTags ?? []).includes(r) || (i.RepoDigests ?? []).includes(r))
            : match(i.Labels, '')));
      }
      const distribution = /^\/distribution\/(.+)\/json$/.exec(path);
      if (distribution && engine.registry?.[distribution[1]!]) return { Descriptor: { digest: engine.registry[distribution[1]!] } };
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

const observe = suite('observeStack');

observe('reads an applied stack back so that planning it again changes nothing: 11 requests (services too) and one inspect per container', async () => {
  const d = shopStack();
  const { client, calls } = fakeClient(appliedEngine(d));
  const o = await observeStack(client, d);
  assert.is(planText(planStack(d, o)), 'No changes. The engine matches stack shop.');
  // + engineInfo: the version call; 9 lists, one of them the running containers publishing web's host port 8080.
  assert.is(calls.length, 10 + d.containers.length);
  assert.is(o.refreshed, true);
});

observe('refresh: false reads the lists only (11 requests) and says so', async () => {
  const d = shopStack();
  const { client, calls } = fakeClient(appliedEngine(d));
  const o = await observeStack(client, d, { refresh: false });
  assert.is(calls.length, 10);
  assert.not.ok(calls.some((c) => c.includes('/containers/') && c.endsWith('/json') && c !== 'GET /containers/json'));
  assert.is(o.refreshed, false);
  assert.match(planText(planStack(d, o)), /--refresh=false: containers were not inspected/);
});

observe('without refresh, inspects only a container whose live attributes the stack changes; refresh inspects every one', async () => {
  const d = shopStack();
  const { client, calls } = fakeClient(appliedEngine(d));
  await observeStack(client, shopStack({ webRestart: 'always' }), { refresh: false });
  assert.equal(calls.filter((c) => c !== 'GET /containers/json' && c.startsWith('GET /containers/')), ['GET /containers/shop-web/json']);
  const again = fakeClient(appliedEngine(d));
  const o = await observeStack(again.client, d, { refresh: true });
  assert.is(again.calls.filter((c) => c !== 'GET /containers/json' && c.startsWith('GET /containers/')).length, d.containers.length);
  assert.is(o.refreshed, true);
  assert.is(planText(planStack(d, o)), 'No changes. The engine matches stack shop.');
});

observe('an object that only shares the stack\'s name prefix is foreign, with no spec', async () => {
  const d = shopStack();
  const engine = appliedEngine(d);
  engine.networks.push({ Id: 'n0', Name: 'shop-legacy', Driver: 'bridge', Labels: { team: 'x' } });
  const o = await observeStack(fakeClient(engine).client, d);
  const legacy = o.networks.find((n) => n.name === 'shop-legacy')!;
  assert.equal([legacy.owner, legacy.resource, legacy.spec], ['foreign', undefined, undefined]);
  assert.ok(o.networks.filter((n) => n.name !== 'shop-legacy').every((n) => n.owner === 'stack' && n.spec));
});

observe('an image pinned by digest that is on the engine is not pulled again, nor its container replaced', async () => {
  const digest = `sha256:${fakeId('digest')}`;
  const d = desired('shop', ({ container }) => { container('web', { image: `nginx@${digest}` }); });
  const engine = appliedEngine(d);
  // The engine lists an image pulled by digest with no tag, under RepoDigests.
  engine.images = engine.images.map((i) => ({ ...i, RepoTags: [], RepoDigests: [`nginx@${digest}`] }));
  const o = await observeStack(fakeClient(engine).client, d);
  assert.is(planText(planStack(d, o)), 'No changes. The engine matches stack shop.');
});

observe('pullPolicy "always": the registry is asked for the digest it serves; the same one as the engine\'s is no change, another is a pull and a replacement', async () => {
  const d = desired('shop', ({ container }) => { container('app', { image: 'busybox:1.36', pullPolicy: 'always' }); });
  const engine = appliedEngine(d);
  engine.images[0]!.RepoDigests = ['busybox@sha256:aaaa'];
  engine.registry = { 'busybox:1.36': 'sha256:aaaa' };
  const same = fakeClient(engine);
  assert.is(planText(planStack(d, await observeStack(same.client, d))), 'No changes. The engine matches stack shop.');
  assert.ok(same.calls.includes('GET /distribution/busybox:1.36/json'));
  engine.registry = { 'busybox:1.36': 'sha256:bbbb' };
  const newer = planText(planStack(d, await observeStack(fakeClient(engine).client, d)));
  assert.match(newer, /\+\/- image busybox:1\.36 +\(pullPolicy "always": the registry serves another image \(sha256:bbbb…\)\)\n +~ digest: "sha256:aaaa" → "sha256:bbbb"/, newer);
  assert.match(newer, /container app .*image id changed/, newer);
  // Without the policy, an image on the engine is never asked about.
  const plain = desired('shop', ({ container }) => { container('app', { image: 'busybox:1.36' }); });
  const quiet = fakeClient(appliedEngine(plain));
  await observeStack(quiet.client, plain);
  assert.not.ok(quiet.calls.some((c) => c.includes('/distribution/')));
});

observe('an image named with its Docker Hub prefix, listed by the engine under its familiar name, is not pulled again', async () => {
  const d = desired('shop', ({ container }) => { container('web', { image: 'docker.io/library/nginx:1.27' }); });
  const engine = appliedEngine(d);
  // The engine reports RepoTags in the familiar form.
  engine.images = engine.images.map((i) => ({ ...i, RepoTags: ['nginx:1.27'] }));
  const o = await observeStack(fakeClient(engine).client, d);
  assert.is(planText(planStack(d, o)), 'No changes. The engine matches stack shop.');
});

observe('host ports in use: one list of the running containers publishing the stack\'s host ports; every network\'s subnets', async () => {
  const d = shopStack();
  const engine = appliedEngine(d);
  engine.containers.push({
    Id: 'other', Names: ['/other-web'], Image: 'x', ImageID: 'sha256:x', Labels: null, State: 'running', Status: 'Up',
    Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }, { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }],
  });
  engine.networks.push({ Id: 'b', Name: 'bridge', Driver: 'bridge', Labels: null, IPAM: { Config: [{ Subnet: '172.17.0.0/16' }] } });
  const seen: unknown[] = [];
  const { client } = fakeClient(engine);
  const spy = { ...client, request: (m: string, p: string, o?: { query?: Record<string, unknown> }) => { seen.push(o?.query?.filters); return client.request(m, p, o as never); }, engineInfo: () => client.engineInfo() } as unknown as EngineClient;
  const o = await observeStack(spy, d, { refresh: false });
  assert.ok(seen.includes(JSON.stringify({ publish: ['8080/tcp', '9000/tcp', '9001/tcp'] })), JSON.stringify(seen));
  assert.equal(o.publishedPorts!.filter((p) => p.container === 'other-web').map((p) => `${p.hostIp}:${p.hostPort}/${p.protocol}`), ['0.0.0.0:8080/tcp', ':::8080/tcp']);
  assert.equal(o.engineNetworks!.find((n) => n.name === 'bridge'), { name: 'bridge', driver: 'bridge', stack: undefined, subnets: ['172.17.0.0/16'] });
  assert.match(planStack(d, o).diagnostics.map((x) => x.summary).join('\n'), /^$/, 'web is running already: nothing to refuse');
});

observe('the engine\'s CPU count is read (GET /info) only when the stack sets a CPU limit', async () => {
  const plain = desired('shop', ({ container }) => { container('web', { image: 'busybox' }); });
  const limited = desired('shop', ({ container }) => { container('web', { image: 'busybox', resources: { cpus: 1.5 } }); });
  const without = fakeClient(appliedEngine(plain));
  await observeStack(without.client, plain, { refresh: false });
  assert.not.ok(without.calls.includes('GET /info'));
  const withCpus = fakeClient(appliedEngine(limited));
  await observeStack(withCpus.client, limited, { refresh: false });
  assert.ok(withCpus.calls.includes('GET /info'), 'read; the fake does not answer it, and observe goes on without it');
});

observe.run();

const live = suite('liveState');

live('reads restart policy, limits and aliases as moor writes them, without the engine\'s own aliases', () => {
  const id = fakeId('c');
  const info: ContainerInspect = {
    Id: id, Name: '/shop-web', Config: { Labels: {} }, State: { Status: 'running', Running: true, ExitCode: 0 },
    HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 }, NanoCpus: 500_000_000, Memory: 0, PidsLimit: -1 },
    NetworkSettings: { Networks: { 'shop-backend': { NetworkID: 'n', Aliases: ['www', 'web', id.slice(0, 12), 'api', 'shop-web'] }, bridge: { NetworkID: 'b', Aliases: null } } },
  };
  assert.equal(liveState(info, 'web'), {
    restart: { policy: 'on-failure', maxRetries: 3 },
    resources: { nanoCpus: 500_000_000, memoryBytes: null, pids: null },
    aliases: { 'shop-backend': ['api', 'www'], bridge: [] },
  });
  assert.equal(liveState({ ...info, HostConfig: { RestartPolicy: { Name: '', MaximumRetryCount: 0 } } }, 'web').restart, { policy: 'no', maxRetries: 0 });
});

live.run();

observe('migration stash, its verified marker and the secret key are bookkeeping, not volumes of the stack; still 10 requests', async () => {
  const d = shopStack();
  const engine = appliedEngine(d);
  const vol = engine.volumes[0]!;
  const resource = vol.Labels!['moor.name']!;
  engine.volumes.push(
    { Name: stashVolumeName(vol.Name), Driver: 'local', Labels: stashLabels('shop', resource), Options: null, Mountpoint: '/x' },
    { Name: verifiedMarkerName(vol.Name), Driver: 'local', Labels: verifiedLabels('shop', resource, { digest: 'd1', files: 3, bytes: 10 }), Options: null, Mountpoint: '/x' },
    { Name: keyVolumeName('shop'), Driver: 'local', Labels: keyVolumeLabels('shop', Buffer.alloc(32, 7)), Options: null, Mountpoint: '/x' },
  );
  const { client, calls } = fakeClient(engine);
  const o = await observeStack(client, d, { refresh: false });
  assert.equal(o.volumes.map((v) => v.name).sort(), d.volumes.map((v) => engineName('shop', v.name)).sort());
  assert.equal(o.migrations[resource], {
    volume: vol.Name, stash: stashVolumeName(vol.Name), verified: { marker: verifiedMarkerName(vol.Name), digest: 'd1', files: 3, bytes: 10 },
  });
  assert.equal(o.secretKey, { volume: keyVolumeName('shop'), key: Buffer.alloc(32, 7).toString('base64') });
  assert.is(calls.length, 9);
});
