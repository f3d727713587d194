import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Diagnostic } from '../../../core/diagnostics.js';
import { stack } from '../../../core/stack/define.js';
import type { ContainerOptions } from '../../../core/stack/schema/container.js';
import { normalize } from '../../fixtures/builders.js';

/** Diagnostics without their locations: what, where in the resource. */
const plain = (diags: Diagnostic[]) => diags.map(({ location: _location, detail: _detail, ...rest }) => rest);
const web = (extra: Partial<ContainerOptions>) => normalize(stack('shop', ({ container }) => { container('web', { image: 'nginx:1', ...extra }); }));
const errorsOf = (extra: Partial<ContainerOptions>) => plain(web(extra).diagnostics).map((d) => `${d.field}: ${d.summary}`);
/** The new fields of web's spec only. */
const runtimeOf = (extra: Partial<ContainerOptions>) => {
  const { stack: d, diagnostics } = web(extra);
  assert.equal(plain(diagnostics), []);
  const { kind: _k, name: _n, image: _i, command: _c, entrypoint: _e, env: _v, ports: _p, publishAll: _pa, networkMode: _nm, networks: _nw, mounts: _m,
    volumesFrom: _vf, restart: _r, healthcheck: _h, user: _u, workingDir: _w, hostname: _hn, labels: _l, stopSignal: _ss, stopTimeout: _st, resources: _rs,
    dependsOn: _d, ...rest } = d.containers[0]!;
  return rest;
};

const privileges = suite('runtime options: privileges');

privileges('capabilities are named as the docker CLI sends them (CAP_ and upper case), sorted, each once', () => {
  assert.equal(runtimeOf({ capabilities: { add: ['net_admin', 'CAP_SYS_TIME', 'NET_ADMIN'], drop: ['all'] } }), {
    capabilities: { add: ['CAP_NET_ADMIN', 'CAP_SYS_TIME'], drop: ['ALL'] },
  });
});

privileges('engine defaults leave no trace: false flags, empty lists, 64m of /dev/shm', () => {
  assert.equal(runtimeOf({
    capabilities: { add: [] }, privileged: false, readOnlyRoot: false, init: false, tty: false, stdinOpen: false,
    securityOptions: [], sysctls: {}, ulimits: {}, devices: [], shmSize: '64m', extraHosts: {}, dns: {}, expose: [], groupAdd: [], pullPolicy: 'missing',
  }), {});
});

privileges('flags, security options (sorted) and groups (as text, sorted)', () => {
  assert.equal(runtimeOf({ privileged: true, readOnlyRoot: true, init: true, securityOptions: ['seccomp=unconfined', 'no-new-privileges:true'], groupAdd: [123, 'audio'] }), {
    privileged: true, readOnlyRoot: true, init: true, securityOptions: ['no-new-privileges:true', 'seccomp=unconfined'], groupAdd: ['123', 'audio'],
  });
});

privileges('unknown capabilities, security options and a capability both added and dropped are diagnostics at their field', () => {
  assert.equal(errorsOf({ capabilities: { add: ['NET_ADMIN', 'NET_ADMINN'], drop: ['cap_net_admin'] } }), [
    'capabilities.add[1]: expected a Linux capability like "NET_ADMIN" or "CAP_SYS_TIME", or "ALL" (known: CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, KILL, …)',
  ]);
  assert.equal(errorsOf({ capabilities: { add: ['NET_ADMIN'], drop: ['cap_net_admin'] } }), ['capabilities: capability CAP_NET_ADMIN is both added and dropped']);
  assert.equal(errorsOf({ securityOptions: ['no-new-privileges:yes', 'seccomp=/etc/profile.json', 'selinux=x', 'label=disable', 'no-new-privileges'] }), [
    'securityOptions[0]: no-new-privileges is "true" or "false"',
    'securityOptions[1]: seccomp takes "unconfined" or a profile\'s JSON text (the engine cannot read a file path: read the file in the stack, e.g. readFileSync(\'/etc/profile.json\', \'utf8\'))',
    'securityOptions[2]: "selinux=x" is not a security option: expected one of label=…, apparmor=…, seccomp=…, no-new-privileges=…, systempaths=…, writable-cgroups=… (e.g. "no-new-privileges:true", "seccomp=unconfined")',
  ]);
});

privileges.run();

const kernel = suite('runtime options: sysctls, ulimits, devices, shm');

kernel('sysctls become text, ulimits soft/hard pairs, devices full triples; all sorted', () => {
  assert.equal(runtimeOf({
    sysctls: { 'net.ipv4.ip_forward': 1, 'kernel.shmmax': '65536' },
    ulimits: { nproc: 512, nofile: { soft: 1024, hard: 4096 } },
    devices: ['/dev/sda:/dev/xvda:r', '/dev/fuse', { host: '/dev/net/tun' }, '/dev/null:mr'],
    shmSize: '128m',
  }), {
    sysctls: { 'kernel.shmmax': '65536', 'net.ipv4.ip_forward': '1' },
    ulimits: { nofile: { soft: 1024, hard: 4096 }, nproc: { soft: 512, hard: 512 } },
    devices: [
      { host: '/dev/fuse', container: '/dev/fuse', permissions: 'rwm' },
      { host: '/dev/net/tun', container: '/dev/net/tun', permissions: 'rwm' },
      { host: '/dev/null', container: '/dev/null', permissions: 'rm' },
      { host: '/dev/sda', container: '/dev/xvda', permissions: 'r' },
    ],
    shmSize: 128 * 1024 * 1024,
  });
});

kernel('sysctls outside the container\'s namespaces, unknown ulimits, soft above hard and bad devices are diagnostics', () => {
  assert.equal(errorsOf({ sysctls: { 'vm.swappiness': 10, 'net.core.somaxconn': 1024 } }), [
    'sysctls["vm.swappiness"]: sysctl "vm.swappiness" is not in a container\'s own kernel namespace: only net.*, fs.mqueue.* and the IPC kernel.* ones (kernel.msgmax, kernel.msgmnb, kernel.msgmni, kernel.sem, kernel.shmall, kernel.shmmax, kernel.shmmni, kernel.shm_rmid_forced) can be set per container',
  ]);
  assert.equal(errorsOf({ ulimits: { nofiles: 10, nofile: { soft: 4096, hard: 1024 } } }), [
    'ulimits.nofiles: expected a ulimit name: core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack',
    'ulimits.nofile.soft: the soft limit cannot be above the hard limit',
  ]);
  assert.equal(errorsOf({ devices: ['dev/fuse', '/dev/a:/dev/b:rwx', { host: '/dev/a', permissions: 'rr' }] }), [
    'devices[0]: expected "/dev/HOST", "/dev/HOST:/dev/CONTAINER" or "/dev/HOST:/dev/CONTAINER:rwm"',
    'devices[1]: "rwx" is not device permissions (r, w and m, e.g. "rwm")',
    'devices[2].permissions: expected device permissions made of r, w and m, e.g. "rwm" or "r"',
  ]);
  assert.equal(errorsOf({ devices: ['/dev/a:/dev/x', '/dev/b:/dev/x'] }), ['devices: two devices at /dev/x in the container']);
});

kernel('net.* sysctls with networkMode host would change the host: a diagnostic', () => {
  assert.equal(errorsOf({ networkMode: 'host', sysctls: { 'net.ipv4.ip_forward': 1 } }), [
    'sysctls["net.ipv4.ip_forward"]: sysctl net.ipv4.ip_forward cannot be set with networkMode "host": it would change the host\'s own network stack',
  ]);
});

kernel('in another container\'s network namespace: no DNS servers, extra hosts or exposed ports, as the engine refuses them', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    const web = container('web', { image: 'nginx:1' });
    container('side', { image: 'busybox', networkMode: { container: web }, dns: { servers: ['10.0.0.53'], search: ['x.example'] }, extraHosts: { a: '10.0.0.1' }, expose: [9000] });
  }));
  assert.equal(diagnostics.map((d) => `${d.resource} ${d.field}: ${d.summary}`), [
    'container.side dns.servers: DNS servers cannot be set with networkMode { container }: the container uses "web"\'s network namespace, its name resolution and ports (the engine refuses it)',
    'container.side extraHosts: extra hosts cannot be set with networkMode { container }: the container uses "web"\'s network namespace, its name resolution and ports (the engine refuses it)',
    'container.side expose: exposed ports cannot be set with networkMode { container }: the container uses "web"\'s network namespace, its name resolution and ports (the engine refuses it)',
  ]);
});

kernel.run();

const naming = suite('runtime options: hosts, DNS, logging, terminal, platform, GPUs, expose');

naming('extra hosts sorted by name; DNS lists keep their order (resolv.conf reads them in order), each once', () => {
  assert.equal(runtimeOf({
    extraHosts: { 'z.local': '10.0.0.9', 'host.docker.internal': 'host-gateway', 'v6.local': '::1' },
    dns: { servers: ['10.0.0.53', '1.1.1.1', '10.0.0.53'], search: ['b.example', 'a.example'], options: ['ndots:2'] },
  }), {
    extraHosts: { 'host.docker.internal': 'host-gateway', 'v6.local': '::1', 'z.local': '10.0.0.9' },
    dns: { servers: ['10.0.0.53', '1.1.1.1'], search: ['b.example', 'a.example'], options: ['ndots:2'] },
  });
});

naming('logging options sorted; tty, stdinOpen, platform kept; GPUs as device requests; exposed ports expanded like ports', () => {
  assert.equal(runtimeOf({
    logging: { driver: 'json-file', options: { 'max-size': '1m', 'max-file': '2' } }, tty: true, stdinOpen: true, platform: 'linux/amd64',
    gpus: [{ driver: 'nvidia', deviceIds: ['0', '1'] }, { count: 2, capabilities: ['utility', 'gpu'] }], expose: ['9001-9002/udp', 9000, '9000'],
  }), {
    logging: { driver: 'json-file', options: { 'max-file': '2', 'max-size': '1m' } }, tty: true, stdinOpen: true, platform: 'linux/amd64',
    gpus: [
      { driver: 'nvidia', count: 0, deviceIds: ['0', '1'], capabilities: ['gpu'] },
      { driver: '', count: 2, deviceIds: [], capabilities: ['gpu', 'utility'] },
    ],
    expose: ['9000/tcp', '9001/udp', '9002/udp'],
  });
  assert.equal(runtimeOf({ gpus: 'all' }), { gpus: [{ driver: '', count: -1, deviceIds: [], capabilities: ['gpu'] }] });
  assert.equal(runtimeOf({ gpus: 1 }), { gpus: [{ driver: '', count: 1, deviceIds: [], capabilities: ['gpu'] }] });
});

naming('bad addresses, names, platforms, GPU requests and ports are diagnostics at their field', () => {
  assert.equal(errorsOf({
    extraHosts: { 'db.local': '10.0.0.300', '-bad': '10.0.0.1' }, dns: { servers: ['dns.google'], options: ['ndots 2'] },
    logging: { driver: 'json file' }, platform: 'amd64', gpus: [{ count: 1, deviceIds: ['0'] }],
  }), [
    'extraHosts["db.local"]: expected an IP address or "host-gateway"',
    'extraHosts["-bad"]: expected a host name',
    'dns.servers[0]: expected an IPv4 or IPv6 address',
    'dns.options[0]: expected a resolver option like "ndots:2" or "rotate"',
    'logging.driver: expected a log driver name like "json-file", "local" or "none"',
    'platform: expected a platform like "linux/amd64" or "linux/arm64/v8"',
    'gpus[0]: use either count or deviceIds, not both',
  ]);
  assert.equal(errorsOf({ expose: ['90000', '9010-9000'] }), ['expose[0]: ports go from 1 to 65535, a range from low to high', 'expose[1]: ports go from 1 to 65535, a range from low to high']);
});

naming('stopTimeout takes a duration in whole seconds', () => {
  const spec = web({ stopTimeout: '1m30s' }).stack.containers[0]!;
  assert.is(spec.stopTimeout, 90);
  assert.is(web({ stopTimeout: 7 }).stack.containers[0]!.stopTimeout, 7);
  assert.equal(errorsOf({ stopTimeout: '1500ms' }), ['stopTimeout: the engine takes whole seconds, e.g. "90s" or "1m30s"']);
});

naming.run();
