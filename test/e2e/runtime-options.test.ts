/**
 * container() runtime options (issue 14) on the real engine, in ONE apply of one container that
 * carries nearly all of them (and one with none beside it): read back from
 * `GET /containers/{id}/json` and from their effect inside the container (capabilities from
 * /proc/self/status, ulimits, /etc/resolv.conf, /etc/hosts, init as PID 1, a read-only root that
 * refuses a write, a sysctl in /proc/sys, the size of /dev/shm, supplementary groups, the fixed
 * address); then the next plan is empty (no drift from engine defaults); then one option changed is
 * planned as the right replacement; a changed fixed address is applied (old container first).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execInContainer } from '../../core/engine/exec.js';
import { buildToolsImage, newPrefix, show, sweepPrefix, withStack, type TestStack } from './helpers.js';

const prefix = newPrefix();
const opts = suite('e2e: container runtime options');
opts.after(() => sweepPrefix(prefix));

// A subnet of this test file's own (the engine refuses overlapping subnets between test files).
const byte = (i: number) => parseInt(prefix.slice(1 + 2 * i, 3 + 2 * i), 16);
const net = `10.${150 + (byte(0) % 50)}.${byte(1)}`;

const body = (o: { nofile?: number; address?: string } = {}) => `
  const net = network('net', { subnet: '${net}.0/24' });
  container('app', {
    image: img, command: ['sleep', '3600'],
    networks: [{ network: net, ipv4Address: '${o.address ?? `${net}.10`}' }],
    capabilities: { add: ['net_admin'], drop: ['CAP_MKNOD'] },
    readOnlyRoot: true,
    init: true,
    securityOptions: ['no-new-privileges:true'],
    sysctls: { 'net.core.somaxconn': 511 },
    ulimits: { nofile: { soft: ${o.nofile ?? 1000}, hard: 2000 } },
    devices: ['/dev/fuse'],
    shmSize: '32m',
    extraHosts: { 'db.example': '10.1.2.3' },
    dns: { servers: ['10.0.0.53'], search: ['example.com'], options: ['ndots:2'] },
    logging: { driver: 'json-file', options: { 'max-size': '1m', 'max-file': '2' } },
    tty: true, stdinOpen: true,
    platform: 'linux/amd64',
    expose: ['9000', '9001/udp'],
    groupAdd: [1234],
    stopTimeout: '1m30s',
  });
  container('plain', { image: img, command: ['sleep', '3600'], networks: [net] });
`;

/** Run a shell command in a container of the stack: its stdout, or a failure naming the command. */
async function sh(s: TestStack, resource: string, script: string): Promise<{ code: number; out: string }> {
  const r = await execInContainer(s.engine, s.en(resource), ['sh', '-c', script], { timeoutMs: 10_000 });
  return { code: r.exitCode, out: r.stdout + r.stderr };
}

type Inspect = {
  Config: { Tty: boolean; OpenStdin: boolean; ExposedPorts: Record<string, object>; StopTimeout: number };
  HostConfig: Record<string, unknown>;
  NetworkSettings: { Networks: Record<string, { IPAddress: string; IPAMConfig: { IPv4Address?: string } | null }> };
};

opts('applied options read back from the engine and inside the container; no drift; a change is the right replacement', () =>
  withStack(prefix, 'runtime', async (s) => {
    s.write(body());
    let r = await s.apply();
    assert.is(r.code, 0, show(r));
    const info = (await s.container('app')) as unknown as Inspect;
    const h = info.HostConfig;
    assert.equal(
      [h.CapAdd, h.CapDrop, h.ReadonlyRootfs, h.Init, h.SecurityOpt, h.Sysctls, h.Ulimits, h.Devices, h.ShmSize, h.ExtraHosts, h.Dns, h.DnsSearch, h.DnsOptions, h.LogConfig, h.GroupAdd],
      [['CAP_NET_ADMIN'], ['CAP_MKNOD'], true, true, ['no-new-privileges:true'], { 'net.core.somaxconn': '511' }, [{ Name: 'nofile', Hard: 2000, Soft: 1000 }],
        [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }], 32 * 1024 * 1024, ['db.example:10.1.2.3'], ['10.0.0.53'],
        ['example.com'], ['ndots:2'], { Type: 'json-file', Config: { 'max-file': '2', 'max-size': '1m' } }, ['1234']],
    );
    assert.equal([info.Config.Tty, info.Config.OpenStdin, info.Config.ExposedPorts, info.Config.StopTimeout], [true, true, { '9000/tcp': {}, '9001/udp': {} }, 90]);
    const endpoint = info.NetworkSettings.Networks[s.en('net')]!;
    assert.equal([endpoint.IPAddress, endpoint.IPAMConfig?.IPv4Address], [`${net}.10`, `${net}.10`]);

    // Their effect inside the container.
    const status = (await sh(s, 'app', 'cat /proc/self/status')).out;
    const capEff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(status)![1]}`);
    assert.ok(capEff & (1n << 12n), `CAP_NET_ADMIN (12) is effective: ${capEff.toString(16)}`);
    assert.not.ok(capEff & (1n << 27n), `CAP_MKNOD (27) is dropped: ${capEff.toString(16)}`);
    assert.match(status, /NoNewPrivs:\s*1/);
    assert.match(status, /Groups:.*\b1234\b/);
    // The container's own process (PID 1, docker-init here) has the limits set; an exec'd shell's
    // soft limit is the engine's choice (this Docker 20.10 with runc 1.1.5 on kernel 6.18 gives it the hard one).
    assert.match((await sh(s, 'app', 'grep "open files" /proc/1/limits')).out, /Max open files\s+1000\s+2000\s/);
    const resolv = (await sh(s, 'app', 'cat /etc/resolv.conf')).out;
    assert.match(resolv, /search example\.com/, resolv);
    assert.match(resolv, /options ndots:2/, resolv);
    assert.match((await sh(s, 'app', 'cat /etc/hosts')).out, /10\.1\.2\.3\s+db\.example/);
    assert.match((await sh(s, 'app', 'cat /proc/1/cmdline | tr "\\0" " "')).out, /docker-init -- sleep 3600/, 'init is PID 1');
    const write = await sh(s, 'app', 'touch /written-here');
    assert.is.not(write.code, 0);
    assert.match(write.out, /Read-only file system/);
    assert.is((await sh(s, 'app', 'cat /proc/sys/net/core/somaxconn')).out.trim(), '511');
    assert.match((await sh(s, 'app', 'df -k /dev/shm | tail -1')).out, /^\S+\s+32768\s/);
    assert.is((await sh(s, 'app', 'test -c /dev/fuse && echo device')).out.trim(), 'device');
    assert.match((await sh(s, 'app', 'ip -4 addr')).out, new RegExp(`inet ${net.replace(/\./g, '\\.')}\\.10/24`));
    // A container without them gets the engine's defaults, which the plan below must not call drift.
    const plain = ((await s.container('plain')) as unknown as Inspect).HostConfig;
    assert.equal([plain.CapAdd, plain.ReadonlyRootfs, plain.Init ?? null, plain.ShmSize, plain.LogConfig], [null, false, null, 64 * 1024 * 1024, { Type: 'json-file', Config: {} }]);

    r = await s.plan('--detailed-exitcode');
    assert.is(r.code, 0, `no drift from engine defaults${show(r)}`);

    s.write(body({ nofile: 1500 }));
    r = await s.plan('--detailed-exitcode');
    assert.is(r.code, 2, show(r));
    // Its fixed address: the old container goes first (-/+), and the plan says why.
    assert.match(r.stdout, /-\/\+ container app .*ulimits\.nofile changed; its fixed address cannot be held by two containers: the old one goes first/, show(r));
    assert.match(r.stdout, /ulimits\.nofile: "1000:2000" → "1500:2000"\s+# forces replacement # the engine sets it only when it creates the container/, show(r));
    assert.not.match(r.stdout, /container plain/, show(r));

    // A new fixed address: the old container lets go of its address before the new one is created.
    s.write(body({ address: `${net}.20` }));
    r = await s.apply();
    assert.is(r.code, 0, show(r));
    const moved = (await s.container('app')) as unknown as Inspect;
    assert.is(moved.NetworkSettings.Networks[s.en('net')]!.IPAddress, `${net}.20`);
    r = await s.plan('--detailed-exitcode');
    assert.is(r.code, 0, show(r));
  }));

// This machine's engine has no GPU, and runs without every capability (it cannot grant privileged):
// both are created with their fields, and their start fails naming the option and what is missing.
opts('GPUs without a GPU driver, privileged on an engine that lacks capabilities: created, then a start error naming the option', () =>
  withStack(prefix, 'host-bound', async (s) => {
    s.write(`  container('ml', { image: img, command: ['sleep', '3600'], gpus: 'all' });
  container('root', { image: img, command: ['sleep', '3600'], privileged: true });`);
    const r = await s.apply();
    assert.is(r.code, 1, show(r));
    const out = r.stderr + r.stdout;
    assert.match(out, /container \S+-ml could not start: it requests GPUs \(gpus\), but the engine has no device driver for them/, show(r));
    const info = (await s.container('ml')) as unknown as Inspect;
    assert.equal(info.HostConfig.DeviceRequests, [{ Driver: '', Count: -1, DeviceIDs: null, Capabilities: [['gpu']], Options: {} }]);
    assert.is(((await s.container('root')) as unknown as Inspect).HostConfig.Privileged, true);
    const started = (await s.container('root'))?.State.Running;
    if (!started) assert.match(out, /container \S+-root could not start: it asks for privileged, but the engine itself runs without some of those capabilities/, show(r));
  }));

opts('pullPolicy: "never" refuses a missing image at plan time and runs a present one; "always" asks the registry, and says when it cannot', () =>
  withStack(prefix, 'pull', async (s) => {
    const ref = `${s.name}-local:1`;
    const uses = (policy: string) => s.write(`  container('app', { image: '${ref}', command: ['sleep', '3600'], pullPolicy: '${policy}' });`);
    uses('never');
    let r = await s.apply();
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr + r.stdout, new RegExp(`container\\.app.*pullPolicy[^]*image ${ref} is not on the engine, and pullPolicy "never" forbids pulling it`), show(r));
    assert.is(await s.labelledCount(), 0);

    await buildToolsImage(s.engine, ref); // on the engine, in no registry (removed by the cleanup: it is named after the stack)
    r = await s.apply();
    assert.is(r.code, 0, show(r));
    r = await s.plan('--detailed-exitcode');
    assert.is(r.code, 0, show(r));

    // No registry answers here: "always" cannot know whether the image is current, and says so.
    uses('always');
    r = await s.plan();
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr + r.stdout, /container\.app › pullPolicy: pullPolicy "always": cannot ask the registry which image \S+-local:1 is now \(the engine has one\)/, show(r));
  }));

opts.run();
