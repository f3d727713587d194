/** The mapping (compose model → stack options) and the report, through importCompose(). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { importCompose } from '../../../../core/import/compose/index.js';
import { typecheckStack } from '../../../../core/stack/typecheck.js';
import { REPO } from '../../../e2e/helpers.js';
import { writeProject, yaml } from './helpers.js';

async function run(files: Record<string, string>, opts: { out?: string; secretEnv?: string[]; env?: Record<string, string>; profiles?: string[] } = {}) {
  const p = writeProject(files);
  try {
    const r = await importCompose({ files: [p.file('compose.yml')], out: opts.out ?? p.file('stack.ts'), name: 'shop', secretEnv: opts.secretEnv, env: opts.env ?? {}, profiles: opts.profiles });
    const containers = Object.fromEntries(r.stack.containers.map((c) => [c.name, c.options]));
    return { ...r, containers, dir: p.dir };
  } finally {
    p.remove();
  }
}

const map = suite('importCompose: mapping');

map('a web app: build, env, ports, volumes, healthcheck, depends_on conditions, restart, resources', async () => {
  const r = await run({
    'compose.yml': yaml`
      services:
        web:
          build: { context: ./app, dockerfile: web.Dockerfile, args: [VERSION=2] }
          command: sh -c 'exec httpd -f -p 8080'
          environment: [MODE=prod, DB_PASSWORD=hunter2]
          ports: ["127.0.0.1:8080:8080", "9000-9001:9000-9001/udp", { target: 443, published: "8443", host_ip: 0.0.0.0 }]
          volumes: ["pages:/srv:ro", "./conf:/etc/app", "/cache"]
          tmpfs: ["/run:size=64m,mode=1777"]
          depends_on:
            db: { condition: service_healthy }
            migrate: { condition: service_completed_successfully }
          restart: on-failure:3
          deploy: { resources: { limits: { cpus: "0.5", memory: 64M, pids: 32 } } }
          stop_grace_period: 1m
        db:
          image: postgres:16
          healthcheck: { test: pg_isready, interval: 2s, timeout: 1s, retries: 5, start_period: 10s }
          user: "999"
          labels: [tier=data]
        migrate:
          image: postgres:16
          command: [psql, -c, "select 1"]
          restart: always
      volumes:
        pages: {}
    `,
  }, { secretEnv: ['DB_PASSWORD'] });
  assert.equal(r.stack.images.map((i) => [i.name, i.options]), [['web', { build: { context: './app', dockerfile: 'web.Dockerfile', args: { VERSION: '2' } } }]]);
  const web = r.containers.web!;
  assert.equal(web.image, { $ref: 'webImage' });
  assert.equal(web.command, ['sh', '-c', 'exec httpd -f -p 8080']);
  assert.equal(web.env, { MODE: 'prod', DB_PASSWORD: { $secret: 'DB_PASSWORD' } });
  assert.equal(web.ports, [
    { host: 8080, container: 8080, hostIp: '127.0.0.1' },
    { host: '9000-9001', container: '9000-9001', protocol: 'udp' },
    { host: 8443, container: 443, hostIp: '0.0.0.0' },
  ]);
  assert.equal(web.mounts, [
    { volume: { $ref: 'pages' }, target: '/srv', readOnly: true },
    { bind: './conf', target: '/etc/app' },
    { target: '/cache' },
    { tmpfs: { size: '64m', mode: 0o1777 }, target: '/run' },
  ]);
  assert.equal(web.dependsOn, [{ container: { $ref: 'db' }, condition: 'healthy' }, { container: { $ref: 'migrate' }, condition: 'completed' }]);
  assert.equal(web.restart, { policy: 'on-failure', maxRetries: 3 });
  assert.equal(web.resources, { cpus: 0.5, memory: '64M', pids: 32 });
  assert.is(web.stopTimeout, 60);
  assert.equal(web.networks, [{ $ref: 'defaultNet' }], 'compose\'s default network');
  assert.equal(r.containers.db!.healthcheck, { test: ['CMD-SHELL', 'pg_isready'], interval: '2s', timeout: '1s', startPeriod: '10s', retries: 5 });
  assert.equal(r.containers.db!.labels, { tier: 'data' });
  assert.is(r.containers.migrate!.runOnce, true);
  assert.is(r.containers.migrate!.restart, undefined, 'restart: always cannot go with runOnce');
  assert.ok(r.items.some((i) => i.kind === 'note' && i.key === 'services.migrate.restart'));
  assert.equal(r.stack.networks.map((n) => n.name), ['default']);
  assert.is(r.leftOut, false, JSON.stringify(r.items.filter((i) => i.kind === 'left-out')));
  assert.match(r.text, /DB_PASSWORD: secret\('DB_PASSWORD'\)/);
  assert.not.match(r.text, /hunter2/, 'a --secret-env value never reaches the file');
});

map('--secret-env: a value equal to a marked variable becomes its secret(); a value holding it is left out; elsewhere it stops the import', async () => {
  const env = { PG_PASS: 's3cret-pw' };
  const files = (extra: string) => ({ 'compose.yml': `services:\n  app:\n    image: x\n    environment:\n      DB_PASSWORD: \${PG_PASS}\n      DB_URL: postgres://u:\${PG_PASS}@db/app\n${extra}` });
  const r = await run(files(''), { secretEnv: ['PG_PASS'], env });
  assert.equal(r.containers.app!.env, { DB_PASSWORD: { $secret: 'PG_PASS' } });
  assert.ok(r.items.some((i) => i.kind === 'left-out' && i.key === 'services.app.environment.DB_URL' && /holds the value of PG_PASS/.test(i.why)));
  assert.not.match(r.text, /s3cret-pw/);
  try {
    await run(files('    command: ["run", "--password=\${PG_PASS}"]\n'), { secretEnv: ['PG_PASS'], env });
    assert.unreachable('a command holding the secret must stop the import');
  } catch (e) {
    assert.match((e as Error).message, /the value of PG_PASS, marked --secret-env, would be written into the stack \(line \d+/);
  }
});

map('this round\'s options: security, kernel, dns, logging, devices, networks with aliases and addresses', async () => {
  const r = await run({
    'compose.yml': yaml`
      services:
        app:
          image: app
          cap_add: [NET_ADMIN]
          cap_drop: [ALL]
          privileged: true
          read_only: yes
          init: true
          security_opt: [no-new-privileges:true]
          sysctls: [net.core.somaxconn=1024]
          ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 512 }
          devices: [/dev/fuse, { source: /dev/a, target: /dev/b, permissions: r }]
          shm_size: 64m
          extra_hosts: ["db.local:10.0.0.2", "gw=host-gateway"]
          dns: 1.1.1.1
          dns_search: [example.com]
          dns_opt: [ndots:2]
          logging: { driver: json-file, options: { max-size: 10m, max-file: 3 } }
          tty: true
          stdin_open: true
          platform: linux/amd64
          expose: ["9000", 9001]
          pull_policy: if_not_present
          group_add: [audio, 44]
          networks:
            front: { aliases: [web], ipv4_address: 10.5.0.10 }
            back:
      networks:
        front: { ipam: { config: [{ subnet: 10.5.0.0/24, gateway: 10.5.0.1 }] } }
        back: { internal: true, driver: bridge }
        unused: {}
    `,
  });
  const app = r.containers.app!;
  assert.equal(app.capabilities, { add: ['NET_ADMIN'], drop: ['ALL'] });
  assert.is(app.privileged, true);
  assert.is(app.readOnlyRoot, true);
  assert.is(app.init, true);
  assert.equal(app.securityOptions, ['no-new-privileges:true']);
  assert.equal(app.sysctls, { 'net.core.somaxconn': '1024' });
  assert.equal(app.ulimits, { nofile: { soft: 1024, hard: 2048 }, nproc: 512 });
  assert.equal(app.devices, ['/dev/fuse', { host: '/dev/a', container: '/dev/b', permissions: 'r' }]);
  assert.is(app.shmSize, '64m');
  assert.equal(app.extraHosts, { 'db.local': '10.0.0.2', gw: 'host-gateway' });
  assert.equal(app.dns, { servers: ['1.1.1.1'], search: ['example.com'], options: ['ndots:2'] });
  assert.equal(app.logging, { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } });
  assert.equal([app.tty, app.stdinOpen, app.platform, app.pullPolicy], [true, true, 'linux/amd64', 'missing']);
  assert.equal(app.expose, ['9000', 9001]);
  assert.equal(app.groupAdd, ['audio', 44]);
  assert.equal(app.networks, [{ network: { $ref: 'front' }, aliases: ['web'], ipv4Address: '10.5.0.10' }, { $ref: 'back' }]);
  assert.equal(r.stack.networks.map((n) => [n.name, n.options]), [['front', { subnet: '10.5.0.0/24', gateway: '10.5.0.1' }], ['back', { internal: true }]]);
  assert.ok(r.items.some((i) => i.key === 'networks.unused' && i.kind === 'info'));
  assert.is(r.leftOut, false, JSON.stringify(r.items.filter((i) => i.kind === 'left-out')));
});

map('left out: every key moor cannot map is reported with file:line and why; exit code 3', async () => {
  const r = await run({
    'compose.yml': yaml`
      services:
        app:
          image: app
          container_name: my-app
          pid: host
          deploy: { replicas: 3, placement: { constraints: [node.role==manager] } }
          healthcheck: { interval: 5s }
          links: ["db:database"]
          volumes: ["ext:/data", "logs:/logs:nocopy"]
          network_mode: container:other
          secrets: [token]
        db:
          image: db
          profiles: [never]
      volumes:
        ext: { external: true }
        logs: { driver: rexray }
      secrets:
        token: { environment: TOKEN }
    `,
  });
  const left = r.items.filter((i) => i.kind === 'left-out').map((i) => `${i.loc?.line} ${i.key}`);
  assert.equal(left.sort(), [
    '9 services.app.volumes.0', '9 services.app.volumes.1', '10 services.app.network_mode', '11 services.app.secrets.0',
    '16 volumes.ext', '17 volumes.logs.driver', '4 services.app.container_name', '5 services.app.pid',
    '6 services.app.deploy.placement', '6 services.app.deploy.replicas', '7 services.app.healthcheck', '8 services.app.links.0',
  ].sort());
  assert.is(r.leftOut, true);
  assert.ok(r.items.some((i) => i.key === 'services.db' && i.kind === 'info' && /profile never/.test(i.why)), 'a disabled profile is reported');
  assert.match(r.report.join('\n'), /Left out \(12\) — not in this stack:\n  compose\.yml:4 +services\.app\.container_name: moor names every container/);
  assert.ok(r.text.startsWith(`/**\n * ${r.report[0]}`), 'the report heads the stack file');
  assert.match(r.text, /\/\/ not imported: container_name: moor names every container/);
});

map('nested keys no handler reads are reported, not dropped', async () => {
  const r = await run({
    'compose.yml': yaml`
      services:
        app:
          image: x
          volumes: [{ type: bind, source: ./a, target: /a, bind: { recursive: enabled } }]
          logging: { driver: local, format: json }
          depends_on: { db: { condition: service_started, delay: 3 } }
          deploy: { restart_policy: { condition: any, jitter: 1s } }
        db:
          image: y
    `,
  });
  const left = r.items.filter((i) => i.kind === 'left-out').map((i) => i.key).sort();
  assert.equal(left, ['services.app.depends_on.db.delay', 'services.app.deploy.restart_policy.jitter', 'services.app.logging.format', 'services.app.volumes.0.bind.recursive']);
});

map('paths are relative to the stack file wherever -o writes it', async () => {
  const p = writeProject({ 'proj/compose.yml': 'services:\n  web:\n    build: ./app\n    volumes: ["./data:/data", "../shared:/shared"]\n' });
  try {
    const r = await importCompose({ files: [p.file('proj/compose.yml')], out: p.file('infra/deep/stack.ts'), env: {} });
    assert.equal(r.stack.images[0]!.options, { build: { context: '../../proj/app' } });
    assert.equal(r.stack.containers[0]!.options.mounts, [{ bind: '../../proj/data', target: '/data' }, { bind: '../../shared', target: '/shared' }]);
    assert.is(r.stack.name, 'proj', 'the project directory names the stack');
  } finally {
    p.remove();
  }
});

map('a generated stack using only options of this branch type-checks with moor\'s own check', async () => {
  const dir = path.join(REPO, 'test/.tmp', `map-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const r = await run({
      'compose.yml': yaml`
        name: demo
        services:
          web:
            image: nginx:1.27
            command: nginx -g 'daemon off;'
            environment: { A: 1, B: "true" }
            ports: ["8080:80"]
            volumes: ["data:/data"]
            networks: [front]
            depends_on: { db: { condition: service_healthy } }
            healthcheck: { test: [CMD, true], interval: 1s }
            restart: unless-stopped
            deploy: { resources: { limits: { memory: 32m } } }
          db:
            image: postgres
            networks: { front: { aliases: [database] } }
            network_mode: bridge
        volumes: { data: {} }
        networks: { front: { internal: true } }
      `,
    });
    const file = path.join(dir, 'stack.ts');
    writeFileSync(file, r.text);
    const tc = await typecheckStack(file);
    assert.equal(tc.diagnostics.map((d) => d.summary), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

map('a service name moor cannot take is renamed, and keeps its compose name as a network alias', async () => {
  const r = await run({ 'compose.yml': 'services:\n  Web.App:\n    image: x\n  db:\n    image: y\n    depends_on: [Web.App]\n' });
  assert.equal(r.stack.containers.map((c) => c.name), ['web-app', 'db']);
  assert.equal(r.containers['web-app']!.networks, [{ network: { $ref: 'defaultNet' }, aliases: ['Web.App'] }]);
  assert.equal(r.containers.db!.dependsOn, [{ $ref: 'webApp' }]);
  assert.ok(r.items.some((i) => i.kind === 'note' && i.key === 'services.Web.App'));
});

map.run();
