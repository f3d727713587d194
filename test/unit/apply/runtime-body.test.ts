import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { containerCreateBody } from '../../../core/apply/container-body.js';
import type { ContainerOptions } from '../../../core/stack/schema/container.js';
import { containerSpec, desired } from '../../fixtures/builders.js';

const bodyOf = (extra: Partial<ContainerOptions>, address?: string) => {
  const d = desired('rt', ({ network, container }) => {
    const a = network('a', { subnet: '10.77.0.0/24' });
    const b = network('b', { subnet: '10.78.0.0/24' });
    container('app', { image: 'busybox', networks: [{ network: a, ...(address ? { ipv4Address: address } : {}) }, { network: b, ipv4Address: '10.78.0.7' }], ...extra });
  });
  return containerCreateBody('rt', 'busybox:latest', containerSpec(d, 'app'));
};
const hostConfig = (b: ReturnType<typeof bodyOf>) => b.body.HostConfig as Record<string, unknown>;
const BASE_HOST = ['NetworkMode', 'PortBindings', 'PublishAllPorts', 'Mounts', 'VolumesFrom', 'RestartPolicy', 'NanoCpus', 'Memory', 'PidsLimit'];

const body = suite('containerCreateBody: runtime options');

body('every option becomes its Engine API field, as the docker CLI sends it', () => {
  const b = bodyOf({
    capabilities: { add: ['net_admin'], drop: ['MKNOD'] }, privileged: true, readOnlyRoot: true, init: true, securityOptions: ['no-new-privileges:true'],
    sysctls: { 'net.ipv4.ip_forward': 1 }, ulimits: { nofile: { soft: 1024, hard: 2048 } }, devices: ['/dev/fuse'], shmSize: '32m',
    extraHosts: { 'db.local': '10.0.0.5' }, dns: { servers: ['10.0.0.53'], search: ['example.com'], options: ['ndots:2'] },
    logging: { driver: 'json-file', options: { 'max-size': '1m' } }, tty: true, stdinOpen: true, platform: 'linux/amd64', gpus: 'all',
    expose: ['9000-9001/udp'], groupAdd: [123], stopTimeout: '1m30s',
  }, '10.77.0.10');
  const host = hostConfig(b);
  assert.equal(Object.fromEntries(Object.entries(host).filter(([k]) => !BASE_HOST.includes(k))), {
    CapAdd: ['CAP_NET_ADMIN'], CapDrop: ['CAP_MKNOD'], Privileged: true, ReadonlyRootfs: true, Init: true, SecurityOpt: ['no-new-privileges:true'],
    Sysctls: { 'net.ipv4.ip_forward': '1' }, Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
    Devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }], ShmSize: 32 * 1024 * 1024,
    ExtraHosts: ['db.local:10.0.0.5'], Dns: ['10.0.0.53'], DnsSearch: ['example.com'], DnsOptions: ['ndots:2'],
    LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } },
    DeviceRequests: [{ Driver: '', Count: -1, DeviceIDs: null, Capabilities: [['gpu']], Options: {} }], GroupAdd: ['123'],
  });
  assert.is(b.body.Tty, true);
  assert.is(b.body.OpenStdin, true);
  assert.is(b.body.StopTimeout, 90);
  assert.equal(b.body.ExposedPorts, { '9000/udp': {}, '9001/udp': {} });
  assert.equal(b.query, { platform: 'linux/amd64' });
  assert.equal(b.body.NetworkingConfig, { EndpointsConfig: { 'rt-a': { Aliases: ['app'], IPAMConfig: { IPv4Address: '10.77.0.10' } } } });
  assert.equal(b.extraNetworks, [{ network: 'rt-b', aliases: ['app'], ipv4Address: '10.78.0.7' }]);
});

body('without them, the body is what it was: no runtime field, no query', () => {
  const b = bodyOf({});
  assert.equal(Object.keys(hostConfig(b)), BASE_HOST);
  assert.equal(['Tty', 'OpenStdin'].filter((k) => k in b.body), []);
  assert.equal(b.query, {});
  assert.equal(b.body.NetworkingConfig, { EndpointsConfig: { 'rt-a': { Aliases: ['app'] } } });
});

body.run();
