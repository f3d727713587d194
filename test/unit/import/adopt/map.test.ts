import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mapSnapshot } from '../../../../core/import/adopt/map.js';
import { ownedObjects } from '../../../../core/import/adopt/read.js';
import type { ContainerDetail, EngineSnapshot, ImageConfig, NetworkDetail, VolumeDetail } from '../../../../core/import/adopt/engine-types.js';
import { emitStack } from '../../../../core/import/emit.js';
import type { AdoptionRecord } from '../../../../core/model/adoption.js';

const IMAGE_ID = 'sha256:' + 'a'.repeat(64);
const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const image: ImageConfig = {
  Cmd: ['sh'], Env: [PATH], WorkingDir: '/app', User: 'app', ExposedPorts: { '80/tcp': {} }, Labels: { maintainer: 'me' },
  Healthcheck: { Test: ['CMD', 'true'], Interval: 5e9 },
};

/** What Engine 20.10 reports for a container docker-compose 1.29 created (defaults as the engine fills them in). */
function composeContainer(service: string, over: { Config?: Partial<ContainerDetail['Config']>; HostConfig?: Record<string, unknown>; Mounts?: ContainerDetail['Mounts']; networks?: ContainerDetail['NetworkSettings']['Networks'] } = {}): ContainerDetail {
  const id = service.padEnd(12, '0') + 'f'.repeat(52);
  return {
    Id: id, Name: `/shop_${service}_1`, Image: IMAGE_ID, State: { Status: 'running' },
    Config: {
      Image: 'shop_web', Hostname: id.slice(0, 12), Env: [PATH], Cmd: ['sh'], Entrypoint: null, WorkingDir: '/app', User: 'app',
      ExposedPorts: { '80/tcp': {} }, Tty: false, OpenStdin: false, Healthcheck: { Test: ['CMD', 'true'], Interval: 5e9 },
      Labels: { maintainer: 'me', 'com.docker.compose.project': 'shop', 'com.docker.compose.service': service, 'com.docker.compose.container-number': '1', 'com.docker.compose.oneoff': 'False' },
      ...over.Config,
    },
    HostConfig: {
      NetworkMode: 'shop_default', PortBindings: {}, RestartPolicy: { Name: '', MaximumRetryCount: 0 }, VolumesFrom: [], LogConfig: { Type: 'json-file', Config: {} },
      CapAdd: null, CapDrop: null, Privileged: false, ReadonlyRootfs: false, ShmSize: 67108864, IpcMode: 'private', Runtime: 'runc', Memory: 0, MemorySwap: 0,
      NanoCpus: 0, PidsLimit: null, CpuShares: 0, Links: null, Tmpfs: null, PublishAllPorts: false,
      ...over.HostConfig,
    },
    Mounts: over.Mounts ?? [],
    NetworkSettings: { Networks: over.networks ?? { shop_default: { Aliases: [service, id.slice(0, 12)], NetworkID: 'n1' } } },
  };
}

const defaultNet: NetworkDetail = {
  Id: 'n1', Name: 'shop_default', Driver: 'bridge', Internal: false, Attachable: true, IPAM: { Config: [{ Subnet: '172.20.0.0/16', Gateway: '172.20.0.1' }] },
  Options: {}, Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.network': 'default' },
};
const dataVol: VolumeDetail = { Name: 'shop_data', Driver: 'local', Options: null, Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.volume': 'data' } };

const snapshot = (containers: ContainerDetail[], more: Partial<EngineSnapshot> = {}): EngineSnapshot => ({
  containers, images: { [IMAGE_ID]: image }, networks: [defaultNet], volumes: [dataVol], loggingDriver: 'json-file', ...more,
});

const map = suite('mapSnapshot: inspect → container() options');

map("what the image or the engine sets by default is left out: only the image reference remains", () => {
  const m = mapSnapshot('shop', snapshot([composeContainer('web')]));
  assert.equal(m.model.containers[0]!.options, { image: 'shop_web', networks: [{ $ref: 'defaultNetwork' }] });
  assert.equal(m.report, []);
});

map("the container's own settings are mapped; the image's env entries and compose's labels are not", () => {
  const c = composeContainer('web', {
    Config: { Env: ['MODE=prod', PATH, 'EMPTY='], Cmd: ['httpd', '-f'], User: 'root', WorkingDir: '/srv', Hostname: 'web1', StopTimeout: 3,
      Labels: { maintainer: 'me', tier: 'front', 'com.docker.compose.service': 'web' }, Healthcheck: { Test: ['CMD-SHELL', 'wget -q localhost'], Interval: 2e9, Retries: 3 } },
    HostConfig: {
      PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '53/udp': [{ HostIp: '', HostPort: '' }] },
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 4 }, Memory: 268435456, MemorySwap: 536870912, NanoCpus: 5e8, PidsLimit: 100,
    },
    Mounts: [{ Type: 'volume', Name: 'shop_data', Source: '/var/lib/docker/volumes/shop_data/_data', Destination: '/data', RW: true },
      { Type: 'bind', Source: '/srv/www', Destination: '/www', RW: false }],
    networks: { shop_default: { Aliases: ['web', 'www', 'webfffff'], NetworkID: 'n1' } },
  });
  const o = mapSnapshot('shop', snapshot([c])).model.containers[0]!.options;
  assert.equal(o, {
    image: 'shop_web', command: ['httpd', '-f'], env: { MODE: 'prod', EMPTY: '' },
    ports: [{ container: 53, protocol: 'udp' }, { container: 80, host: 8080, hostIp: '127.0.0.1' }],
    networks: [{ network: { $ref: 'defaultNetwork' }, aliases: ['www', 'webfffff'] }],
    mounts: [{ volume: { $ref: 'data' }, target: '/data' }, { bind: '/srv/www', target: '/www', readOnly: true }],
    restart: { policy: 'on-failure', maxRetries: 4 },
    healthcheck: { test: ['CMD-SHELL', 'wget -q localhost'], interval: '2s', retries: 3 },
    user: 'root', workingDir: '/srv', hostname: 'web1', labels: { tier: 'front' }, stopTimeout: 3,
    resources: { cpus: 0.5, memory: 268435456, pids: 100 },
  });
});

map('an entrypoint of its own brings the command with it (the engine drops the image\'s command then)', () => {
  const o = mapSnapshot('shop', snapshot([composeContainer('web', { Config: { Entrypoint: ['/bin/sh', '-c'], Cmd: ['sh'] } })])).model.containers[0]!.options;
  assert.equal(o.entrypoint, ['/bin/sh', '-c']);
  assert.equal(o.command, ['sh']);
});

map('settings no option expresses are reported with why; anonymous volumes too', () => {
  const c = composeContainer('web', {
    HostConfig: { Links: ['/shop_db_1:/shop_web_1/db'], CpuShares: 512, IpcMode: 'host' },
    Mounts: [{ Type: 'volume', Name: 'b'.repeat(64), Source: '/x', Destination: '/cache', RW: true }],
  });
  const m = mapSnapshot('shop', snapshot([c]));
  assert.equal(m.report.map((r) => `${r.object}: ${r.field}`), [
    'container web: Mounts /cache', 'container web: HostConfig.Links', 'container web: HostConfig.IpcMode', 'container web: HostConfig.CpuShares',
  ]);
  assert.ok(m.report.every((r) => r.why.length > 10));
});

map('a job that exited 0 with no restart policy is a runOnce container; one stopped otherwise is reported', () => {
  const job = composeContainer('migrate', { });
  job.State = { Status: 'exited', ExitCode: 0 };
  const crashed = composeContainer('web');
  crashed.State = { Status: 'exited', ExitCode: 3 };
  const m = mapSnapshot('shop', snapshot([job, crashed]));
  assert.is(m.model.containers[0]!.options.runOnce, true);
  assert.is(m.model.containers[1]!.options.runOnce, undefined);
  assert.equal(m.report.map((r) => `${r.object}: ${r.field}`), ['container web: State']);
  assert.match(m.report[0]!.why, /exit code 3/);
});

map('a tag that moved since the container was created is reported: the first apply replaces it', () => {
  const m = mapSnapshot('shop', snapshot([composeContainer('web')], { refs: { shop_web: 'sha256:' + 'c'.repeat(64) } }));
  assert.equal(m.report.map((r) => r.field), ['Image']);
  assert.equal(mapSnapshot('shop', snapshot([composeContainer('web')], { refs: { shop_web: IMAGE_ID } })).report, []);
});

map('the settings of this round\'s options are mapped by their names (capabilities, logging, tty…)', () => {
  const c = composeContainer('web', {
    Config: { Tty: true },
    HostConfig: { CapAdd: ['NET_ADMIN'], Privileged: true, LogConfig: { Type: 'json-file', Config: { 'max-size': '10m' } }, ShmSize: 128 * 1024 * 1024, ExtraHosts: ['db:10.0.0.5'] },
  });
  const o = mapSnapshot('shop', snapshot([c])).model.containers[0]!.options;
  assert.equal(o.capabilities, { add: ['NET_ADMIN'] });
  assert.is(o.privileged, true);
  assert.equal(o.logging, { driver: 'json-file', options: { 'max-size': '10m' } });
  assert.is(o.shmSize, 128 * 1024 * 1024);
  assert.equal(o.extraHosts, { db: '10.0.0.5' });
  assert.is(o.tty, true);
});

map('networks and volumes are named after compose\'s keys; the adoption targets keep engine ids and names', () => {
  const m = mapSnapshot('shop', snapshot([composeContainer('web')]));
  assert.equal(m.model.networks.map((n) => [n.name, n.options]), [['default', { attachable: true }]]);
  assert.match(m.model.networks[0]!.comments![0]!, /172\.20\.0\.0\/16/);
  assert.equal(m.model.volumes.map((v) => [v.name, v.options]), [['data', {}]]);
  assert.equal(m.targets.map((t) => `${t.kind} ${t.resource} ${t.engineName}`), ['network default shop_default', 'volume data shop_data', 'container web shop_web_1']);
});

map("references between adopted containers: compose v2's depends_on label, volumes_from, a shared network namespace", () => {
  const db = composeContainer('db');
  const web = composeContainer('web', {
    Config: { Labels: { 'com.docker.compose.service': 'web', 'com.docker.compose.depends_on': 'db:service_healthy:false,cache:service_started:false' } },
    HostConfig: { VolumesFrom: ['shop_db_1:ro'] },
  });
  const side = composeContainer('side', { HostConfig: { NetworkMode: `container:${web.Id}` }, networks: {} });
  const m = mapSnapshot('shop', snapshot([db, web, side]));
  const [, w, sd] = m.model.containers;
  assert.equal(w!.options.dependsOn, [{ container: { $ref: 'db' }, condition: 'healthy' }]);
  assert.equal(m.report.map((r) => `${r.object}: ${r.field} ${r.why}`), ['container web: depends_on cache: that service is not adopted with it']);
  assert.equal(w!.options.volumesFrom, [{ container: { $ref: 'db' }, readOnly: true }]);
  assert.equal(sd!.options.networkMode, { container: { $ref: 'web' } });
  assert.is(sd!.options.networks, undefined);
});

/** Replica `n` of a compose service scaled with `up --scale` (`shop_web_<n>`), with its own id and aliases. */
function replicaOf(service: string, n: number, over: Parameters<typeof composeContainer>[1] = {}): ContainerDetail {
  const base = composeContainer(service, over);
  const id = `${service}${n}`.padEnd(12, '0') + 'e'.repeat(52);
  return {
    ...base, Id: id, Name: `/shop_${service}_${n}`,
    Config: { ...base.Config, Hostname: id.slice(0, 12), Labels: { ...base.Config.Labels, 'com.docker.compose.container-number': String(n) } },
    NetworkSettings: { Networks: { shop_default: { Aliases: [service, id.slice(0, 12)], NetworkID: 'n1' } } },
  };
}

map('a compose service scaled to 3 containers is one container with replicas: 3; each container is a replica target', () => {
  const env = { Env: ['MODE=prod', PATH] };
  // Listed out of compose's order: the replicas follow its container numbers.
  const m = mapSnapshot('shop', snapshot([replicaOf('web', 2, { Config: env }), replicaOf('web', 10, { Config: env }), replicaOf('web', 1, { Config: env }), composeContainer('db')]));
  assert.equal(m.model.containers.map((c) => [c.name, c.options]), [
    ['web', { image: 'shop_web', replicas: 3, env: { MODE: 'prod' }, networks: [{ $ref: 'defaultNetwork' }] }],
    ['db', { image: 'shop_web', networks: [{ $ref: 'defaultNetwork' }] }],
  ]);
  assert.equal(m.targets.filter((t) => t.kind === 'container').map((t) => `${t.resource}#${t.replica ?? '-'} ${t.engineName}`), ['web#1 shop_web_1', 'web#2 shop_web_2', 'web#3 shop_web_10', 'db#- shop_db_1']);
  assert.equal(m.report, []);
  assert.match(emitStack(m.model), /container\('web', \{ image: 'shop_web', replicas: 3,/);
});

map('scaled containers whose settings differ, or that publish a fixed host port, stay separate containers; the report says why', () => {
  const differ = mapSnapshot('shop', snapshot([replicaOf('web', 1), replicaOf('web', 2, { Config: { Env: ['MODE=other', PATH] } })]));
  assert.equal(differ.model.containers.map((c) => [c.name, c.options.replicas]), [['web', undefined], ['web-2', undefined]]);
  assert.equal(differ.report.map((r) => `${r.object}: ${r.field} — ${r.why}`), ['compose service web: replicas — its 2 containers are adopted as separate containers: their settings differ']);
  const port = { HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } } };
  const fixed = mapSnapshot('shop', snapshot([replicaOf('web', 1, port), replicaOf('web', 2, port)]));
  assert.equal(fixed.model.containers.map((c) => c.name), ['web', 'web-2']);
  assert.match(fixed.report[0]!.why, /a fixed host port/);
});

map('objects whose names make the same resource name get distinct ones', () => {
  const a = composeContainer('web', { Config: { Labels: {} } });
  a.Name = '/app.one';
  const b = composeContainer('api', { Config: { Labels: {} } });
  b.Name = '/app-one';
  assert.equal(mapSnapshot('shop', snapshot([a, b])).model.containers.map((c) => c.name), ['app-one', 'app-one-2']);
});

map.run();

const owned = suite('ownedObjects: refusing what another stack owns');

owned('moor labels of the same kind, or another stack\'s adoption record, name the stack', () => {
  const mine = composeContainer('web', { Config: { Labels: { 'moor.stack': 'billing', 'moor.kind': 'container' } } });
  const fromImage = composeContainer('db', { Config: { Labels: { 'moor.stack': 'tools', 'moor.kind': 'image' } } });
  const record: AdoptionRecord = { generation: 1, volumes: ['crm.moor-adopted.1'], entries: [{ kind: 'volume', resource: 'data', id: 'shop_data', engineName: 'shop_data', spec: { kind: 'volume', name: 'data', provider: { name: 'local', options: {} }, driver: 'local', driverOpts: {}, labels: {} }, since: '' }] };
  const found = ownedObjects(snapshot([mine, fromImage]), new Map([['crm', record]]));
  assert.equal(found, [
    { object: 'container shop_web_1', stack: 'billing', how: 'labels' },
    { object: 'volume shop_data', stack: 'crm', how: 'adoption record' },
  ]);
});

owned.run();

const emit = suite('emitStack (the minimal emitter)');

emit('handles named after reserved words get a safe variable; references follow it', () => {
  const text = emitStack({ name: 'shop', header: ['Adopted.'], images: [], networks: [{ varName: 'default', name: 'default', options: {} }], volumes: [],
    containers: [{ varName: 'web', name: 'web', options: { image: 'x', networks: [{ $ref: 'default' }], env: { A: "it's" } } }] });
  assert.match(text, /const default_ = network\('default'\);/);
  assert.match(text, /networks: \[default_\]/);
  assert.match(text, /A: ("it's"|'it\\'s')/);
  assert.match(text, /^\/\*\*\n \* Adopted\.\n \*\//);
});

emit.run();
