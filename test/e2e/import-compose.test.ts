/**
 * moor import compose → moor apply gives what docker-compose up gives, on the real engine: the same
 * containers (by service: state, health, command, env, restart policy, networks, mounts, published
 * ports), networks (internal or not) and volumes. The compose file is built on images made here
 * (FROM scratch + static busybox: no registry). Host ports differ on purpose (both run at once):
 * they come from ${WEB_PORT}, read by each tool at its own run. db also carries this round's
 * runtime options (init, capabilities, security options, ulimits, sysctls, extra hosts, DNS search,
 * logging, shm size): the engine must hold the same values from both. After the apply, a plan is empty.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EngineClient } from '../../core/engine/client.js';
import {
  buildToolsImage, eventually, freePort, inspectContainer, inspectNetwork, inspectVolume, newPrefix, REPO, runMoor, show, sweepPrefix,
  type ContainerInfo,
} from './helpers.js';

const prefix = newPrefix();
const test = suite('e2e: moor import compose vs docker-compose up');

function compose(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker-compose', args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

const composeFile = (tools: string) => `
x-tools: &tools
  image: ${tools}
services:
  web:
    build: { context: ../../../fixtures/tools }
    command: httpd -f -p 8080 -h /www
    ports: ["127.0.0.1:\${WEB_PORT}:8080"]
    volumes: ["data:/data:ro"]
    environment: { GREETING: "\${GREETING:-hello}" }
    networks: [front, back]
    restart: unless-stopped
    stop_grace_period: 1s
    depends_on:
      db: { condition: service_healthy }
      init: { condition: service_completed_successfully }
  db:
    <<: *tools
    command: ["sh", "-c", "trap 'exit 0' TERM; touch /ready; sleep 600 & wait"]
    healthcheck: { test: "test -e /ready", interval: 1s, timeout: 1s, retries: 5 }
    networks: [back]
    init: true
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
    ulimits: { nofile: { soft: 1024, hard: 2048 } }
    sysctls: { net.core.somaxconn: 1024 }
    extra_hosts: ["gw.local:10.0.0.1"]
    dns_search: [example.internal]
    logging: { driver: json-file, options: { max-size: 1m } }
    shm_size: 16m
  init:
    <<: *tools
    command: sh -c 'echo ready > /data/state'
    volumes: ["data:/data"]
networks:
  front: {}
  back: { internal: true }
volumes:
  data: {}
`;

type Inspected = ContainerInfo & { HostConfig: Record<string, unknown> };

/** What the comparison looks at, with the owner's prefix taken off names. */
function describe(c: Inspected, strip: (name: string) => string) {
  const h = c.HostConfig;
  const ports = Object.entries(c.HostConfig.PortBindings ?? {}).map(([p, b]) => `${p}@${b.map((x) => x.HostIp).join(',')}`);
  return {
    status: c.State.Status,
    health: c.State.Health?.Status ?? 'none',
    cmd: c.Config.Cmd,
    env: [...(c.Config.Env ?? [])].sort(),
    restart: c.HostConfig.RestartPolicy.Name || 'no',
    networks: Object.keys(c.NetworkSettings.Networks ?? {}).map(strip).sort(),
    mounts: c.Mounts.map((m) => `${m.Type}:${strip(m.Name ?? '')}:${m.Destination}:${m.RW ? 'rw' : 'ro'}`).sort(),
    ports: ports.sort(),
    // Options of this round (security, kernel, DNS, logging), as the engine holds them.
    host: {
      Init: h.Init ?? null, CapAdd: h.CapAdd ?? null, CapDrop: h.CapDrop ?? null, SecurityOpt: h.SecurityOpt ?? null,
      Ulimits: h.Ulimits ?? null, Sysctls: h.Sysctls ?? null, ExtraHosts: h.ExtraHosts ?? null, DnsSearch: h.DnsSearch ?? null,
      LogConfig: h.LogConfig, ShmSize: h.ShmSize,
    },
  };
}

test('same containers, networks, volumes, ports and health; a plan after apply is empty', async () => {
  const client = new EngineClient();
  const dir = path.join(REPO, 'test/.tmp', prefix, 'proj');
  const stackName = `${prefix}-moor`;
  const project = `${prefix}-compose`;
  const tools = `${prefix}-tools:1`;
  mkdirSync(dir, { recursive: true });
  const [moorPort, composePort] = [await freePort(), await freePort()];
  try {
    await buildToolsImage(client, tools);
    writeFileSync(path.join(dir, 'docker-compose.yml'), composeFile(tools));
    const stackFile = path.join(REPO, 'test/.tmp', prefix, 'infra', 'stack.ts');

    const imported = await runMoor(['import', 'compose', path.join(dir, 'docker-compose.yml'), '-o', stackFile, '--name', stackName], { env: { WEB_PORT: String(moorPort) } });
    assert.is(imported.code, 0, show(imported));
    assert.match(imported.stdout, /Left out: nothing/);

    const [applied, up] = await Promise.all([
      runMoor(['apply', stackFile, '--yes'], { timeoutMs: 90_000 }),
      compose(['-p', project, 'up', '-d'], dir, { WEB_PORT: String(composePort) }),
    ]);
    assert.is(applied.code, 0, show(applied));
    assert.is(up.code, 0, up.out);

    const strip = (n: string) => n.replace(`${stackName}-`, '').replace(`${project}_`, '');
    for (const service of ['web', 'db', 'init']) {
      const mine = await eventually(`moor's ${service}`, async () => {
        const c = await inspectContainer(client, `${stackName}-${service}`);
        return c && (service !== 'db' || c.State.Health?.Status === 'healthy') ? c : undefined;
      });
      const theirs = await eventually(`compose's ${service}`, async () => {
        const c = await inspectContainer(client, `${project}_${service}_1`);
        return c && (service !== 'db' || c.State.Health?.Status === 'healthy') ? c : undefined;
      });
      const a = describe(mine as Inspected, strip);
      const b = describe(theirs as Inspected, strip);
      // The host ports differ by design; the container side and the address are compared.
      assert.equal(a.ports.map((p) => p.replace(/\d+@/, '@')), b.ports.map((p) => p.replace(/\d+@/, '@')), service);
      assert.equal({ ...a, ports: [] }, { ...b, ports: [] }, `${service}: moor's container differs from compose's`);
      if (service === 'db') {
        // Not two empty sides: the options are really there.
        assert.equal([a.host.Init, a.host.CapDrop, a.host.Sysctls], [true, ['ALL'], { 'net.core.somaxconn': '1024' }]);
        assert.is(a.health, 'healthy');
      }
    }
    assert.is((await inspectContainer(client, `${stackName}-init`))!.State.Status, 'exited');
    for (const [name, internal] of [['front', false], ['back', true]] as const) {
      const mine = (await inspectNetwork(client, `${stackName}-${name}`)) as { Internal?: boolean } | undefined;
      const theirs = (await inspectNetwork(client, `${project}_${name}`)) as { Internal?: boolean } | undefined;
      assert.ok(mine && theirs, `network ${name} on both sides`);
      assert.is(mine.Internal, internal);
      assert.is(theirs.Internal, internal);
    }
    assert.ok(await inspectVolume(client, `${stackName}-data`), 'moor made the volume');
    assert.ok(await inspectVolume(client, `${project}_data`), 'compose made the volume');

    const again = await runMoor(['plan', stackFile]);
    assert.is(again.code, 0, show(again));
    assert.match(again.stdout, /No changes\./, show(again));
  } finally {
    const down = await compose(['-p', project, 'down', '-v', '--rmi', 'local', '-t', '1'], dir, { WEB_PORT: String(composePort) }).catch((e: Error) => ({ code: 1, out: e.message }));
    client.close();
    await sweepPrefix(prefix);
    if (down.code !== 0) console.error(`docker-compose down: ${down.out}`);
  }
});

test.run();
