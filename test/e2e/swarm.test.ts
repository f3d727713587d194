/**
 * Swarm services on a real single-node swarm. The suite inits the swarm only when the engine is
 * not in one already, and leaves it (and removes docker_gwbridge) in `after` only if it did.
 * One stack, applied once and changed step by step: a 3-replica service on an overlay network
 * publishing in host mode (answering on 127.0.0.1) and reached by name (dnsrr) from another
 * service; an env change rolls the tasks (version advanced, plan empty); a hand scale is drift
 * the plan shows and apply repairs; a rollout failing its healthcheck is rolled back by the swarm
 * and reported as an apply failure naming the service; a rotated secret is a new swarm secret;
 * destroy leaves nothing. (On these machines the ingress mesh and VIPs do not answer: ENGINE.md.)
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EngineClient } from '../../core/engine/client.js';
import { eventually, httpGet, newPrefix, REPO, runMoor, show, sweepPrefix, withStack, type TestStack } from './helpers.js';

const run = promisify(execFile);
const docker = async (...args: string[]) => (await run('docker', args, { timeout: 60_000 })).stdout.trim();

const prefix = newPrefix();
const swarm = suite('e2e: swarm services');
let initedHere = false;

swarm.before(async () => {
  const state = await docker('info', '--format', '{{.Swarm.LocalNodeState}}');
  if (state === 'inactive') {
    // Not a manager yet: a stack with services is a plan-time error saying how to make one.
    await withStack(prefix, 'noswarm', async (s) => {
      stageExample(s);
      const r = await runMoor(['plan', s.relFile], { env: { EX_SWARM_TOKEN: 'x', MOOR_SKIP_TYPECHECK: '1' } });
      assert.is(r.code, 1, show(r));
      assert.match(r.stderr, /service\.web: the engine is not a swarm manager[\s\S]*docker swarm init[\s\S]*nothing was changed/, show(r));
    });
    await docker('swarm', 'init', '--advertise-addr', '127.0.0.1');
    initedHere = true;
  }
});

swarm.after(async () => {
  const client = new EngineClient();
  try {
    await removeSwarmObjects(client, prefix);
  } finally {
    client.close();
    await sweepPrefix(prefix);
    if (initedHere) {
      await docker('swarm', 'leave', '--force').catch((e) => console.error(`swarm leave failed: ${(e as Error).message}`));
      // Right after leaving, the bridge may still hold the ingress sandbox for a moment: retry.
      await eventually('docker_gwbridge removed', () => docker('network', 'rm', 'docker_gwbridge').then(() => true, (e: Error) => /No such network|not found/i.test(e.message)), 5_000)
        .catch((e) => console.error(`docker_gwbridge left behind: ${(e as Error).message}`));
    }
  }
});

/** Services and swarm secrets whose name starts with the prefix (the test's only), then their task containers. */
async function removeSwarmObjects(client: EngineClient, base: string): Promise<void> {
  const f = JSON.stringify({ name: [base] });
  const services = await client.request<{ ID: string; Spec: { Name: string } }[]>('GET', '/services', { query: { filters: f } }).catch(() => []);
  for (const s of services.filter((x) => x.Spec.Name.startsWith(base))) await client.request('DELETE', `/services/${s.ID}`).catch(() => undefined);
  await eventually('task containers gone', async () => {
    const left = await client.request<unknown[]>('GET', '/containers/json', { query: { all: 1, filters: JSON.stringify({ name: [base], label: ['com.docker.swarm.task'] }) } });
    return left.length === 0;
  }, 30_000).catch(() => undefined);
  const secrets = await client.request<{ ID: string; Spec: { Name: string } }[]>('GET', '/secrets', { query: { filters: f } }).catch(() => []);
  for (const s of secrets.filter((x) => x.Spec.Name.startsWith(base))) await client.request('DELETE', `/secrets/${s.ID}`).catch(() => undefined);
}

const TOKEN = `T_SWARM_TOKEN_${prefix.toUpperCase()}`;

function source(s: TestStack, o: { msg: string; version?: string }): string {
  return `import { stack, secret } from 'moor';

export default stack(${JSON.stringify(s.name)}, ({ image, network, service }) => {
  const img = image('tools', { build: { context: ${JSON.stringify(s.toolsContext)} } });
  const net = network('backend', { driver: 'overlay', attachable: true });
  service('web', {
    image: img,
    replicas: 3,
    command: ['sh', '-c', 'mkdir -p /w && echo "$MSG" > /w/index.html && exec httpd -f -p 80 -h /w'],
    env: { MSG: ${JSON.stringify(o.msg)} },
    ports: [{ container: 80, mode: 'host' }],
    networks: [net],
    endpointMode: 'dnsrr',
    healthcheck: { test: ['CMD', 'sh', '-c', 'test "$MSG" != bad'], interval: '500ms', timeout: '1s', retries: 1 },
    update: { parallelism: 1, order: 'stop-first', failureAction: 'rollback', monitor: '1s' },
    rollback: { parallelism: 3, monitor: '1s' },
    stopSignal: 'SIGKILL',
    stopTimeout: 1,
  });
  service('client', {
    image: img,
    command: ['sleep', '3600'],
    networks: [net],
    endpointMode: 'dnsrr',
    secrets: { token: secret(${JSON.stringify(TOKEN)}) },
    stopSignal: 'SIGKILL',
    stopTimeout: 1,
  });
});
`;
}

/** The running task containers of a service, by engine name. */
async function taskContainers(s: TestStack, service: string): Promise<string[]> {
  const out = await docker('ps', '-q', '--filter', `label=com.docker.swarm.service.name=${s.en(service)}`);
  return out ? out.split('\n') : [];
}

async function serviceInfo(s: TestStack, service: string): Promise<{ version: number; replicas: number; env: string[] }> {
  const info = await s.engine.request<{ Version: { Index: number }; Spec: { Mode: { Replicated: { Replicas: number } }; TaskTemplate: { ContainerSpec: { Env?: string[] } } } }>('GET', `/services/${s.en(service)}`);
  return { version: info.Version.Index, replicas: info.Spec.Mode.Replicated.Replicas, env: info.Spec.TaskTemplate.ContainerSpec.Env ?? [] };
}

/** What every web task serves, through its host-mode port on 127.0.0.1. */
async function webBodies(s: TestStack): Promise<string[]> {
  const bodies: string[] = [];
  for (const id of await taskContainers(s, 'web')) {
    const port = Number((await docker('port', id, '80/tcp')).split('\n')[0]!.split(':').pop());
    bodies.push((await httpGet(port)).body.trim());
  }
  return bodies.sort();
}

swarm('a service stack: apply, reach, roll, drift, failed rollout, secret rotation, destroy', async () => {
  await withStack(prefix, 'svc', async (s) => {
    const env = (token: string) => ({ [TOKEN]: token });
    const moor = (cmd: 'plan' | 'apply' | 'destroy', token: string, ...flags: string[]) =>
      import('./helpers.js').then(({ runMoor }) => runMoor([cmd, s.relFile, ...(cmd === 'plan' ? [] : ['--yes', '--wait-timeout', '60s']), ...flags], { env: { MOOR_CACHE_DIR: `${s.dir}/../cache`, MOOR_SKIP_TYPECHECK: '1', ...env(token) } }));
    try {
      s.writeRaw(source(s, { msg: 'one' }));
      let r = await moor('apply', 'tok-1');
      assert.is(r.code, 0, show(r));
      assert.match(r.stderr + r.stdout, /service web: .*3\/3 tasks running|3\/3 tasks running/, show(r));
      assert.equal(await webBodies(s), ['one', 'one', 'one']);
      // Reached by name from the other service: dnsrr names resolve to every task's IP.
      const [client] = await taskContainers(s, 'client');
      const lookup = await docker('exec', client!, 'nslookup', 'web', '127.0.0.11');
      const ips = [...lookup.matchAll(/Address: (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!).filter((ip) => ip !== '127.0.0.11');
      assert.is(ips.length, 3, lookup);
      const got = await docker('exec', client!, 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${ips[0]} 80`);
      assert.match(got, /one/);
      assert.is(await docker('exec', client!, 'cat', '/run/secrets/token'), 'tok-1');
      r = await moor('plan', 'tok-1');
      assert.match(r.stdout, /No changes\./, show(r));

      // env change and a rotated secret: rolling updates, version advanced, plan empty after.
      const before = await serviceInfo(s, 'web');
      const oldSecrets = await docker('secret', 'ls', '-q', '--filter', `label=moor.stack=${s.name}`);
      s.writeRaw(source(s, { msg: 'two' }));
      r = await moor('plan', 'tok-2');
      assert.match(r.stdout, /~\s+service web/, show(r));
      assert.match(r.stdout, /env\.MSG/, show(r));
      assert.match(r.stdout, /~\s+service client/, show(r));
      assert.not.match(r.stdout + r.stderr, /tok-2/, 'secret value in plan output');
      r = await moor('apply', 'tok-2');
      assert.is(r.code, 0, show(r));
      assert.not.match(r.stdout + r.stderr, /tok-2/, 'secret value in apply output');
      // Rolled one task at a time (parallelism 1): apply's progress counts the tasks on the new spec up.
      const rolled = ['1/3', '2/3', '3/3'].map((n) => r.stderr.indexOf(`service web: ${n} tasks running`));
      assert.ok(rolled.every((at, i) => at >= 0 && (i === 0 || at > rolled[i - 1]!)), `rolling progress in order${show(r)}`);
      const after = await serviceInfo(s, 'web');
      assert.ok(after.version > before.version, `version ${before.version} → ${after.version}`);
      assert.ok(after.env.includes('MSG=two'));
      assert.equal(await webBodies(s), ['two', 'two', 'two']);
      const [client2] = await taskContainers(s, 'client');
      assert.is(await docker('exec', client2!, 'cat', '/run/secrets/token'), 'tok-2');
      const newSecrets = await docker('secret', 'ls', '-q', '--filter', `label=moor.stack=${s.name}`);
      assert.is(newSecrets.split('\n').length, 1, newSecrets);
      assert.is.not(newSecrets, oldSecrets, 'the rotated value is a new swarm secret, the old one removed');
      const labels = await docker('secret', 'inspect', newSecrets, '--format', '{{json .Spec.Labels}}');
      assert.not.match(labels, /tok-2/);
      r = await moor('plan', 'tok-2');
      assert.match(r.stdout, /No changes\./, show(r));

      // Scaled by hand: drift shown, apply repairs it.
      await docker('service', 'scale', '-d', `${s.en('web')}=5`);
      r = await moor('plan', 'tok-2');
      assert.match(r.stdout, /~\s+service web/, show(r));
      assert.match(r.stdout, /scaled outside moor \(3 → 5\)/, show(r));
      r = await moor('apply', 'tok-2');
      assert.is(r.code, 0, show(r));
      assert.is((await serviceInfo(s, 'web')).replicas, 3);
      await eventually('3 web tasks', async () => (await taskContainers(s, 'web')).length === 3, 20_000);
      r = await moor('plan', 'tok-2');
      assert.match(r.stdout, /No changes\./, show(r));

      // A rollout failing its healthcheck: the swarm rolls it back; apply fails naming the service.
      s.writeRaw(source(s, { msg: 'bad' }));
      r = await moor('apply', 'tok-2');
      assert.is.not(r.code, 0, show(r));
      assert.match(r.stdout + r.stderr, /rollout of service web failed and was rolled back/, show(r));
      const back = await serviceInfo(s, 'web');
      assert.ok(back.env.includes('MSG=two'), 'the swarm runs the previous spec again');
      await eventually('3 web tasks after the rollback', async () => (await taskContainers(s, 'web')).length === 3, 20_000);
      assert.equal(await webBodies(s), ['two', 'two', 'two']);
      r = await moor('plan', 'tok-2');
      assert.match(r.stdout, /env\.MSG/, `the change is still pending: ${show(r)}`);

      r = await moor('destroy', 'tok-2');
      assert.is(r.code, 0, show(r));
      const left = await Promise.all([
        docker('service', 'ls', '-q', '--filter', `label=moor.stack=${s.name}`),
        docker('secret', 'ls', '-q', '--filter', `label=moor.stack=${s.name}`),
        docker('network', 'ls', '-q', '--filter', `label=moor.stack=${s.name}`),
        docker('ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${s.en('web')}`),
      ]);
      assert.equal(left, ['', '', '', ''], 'destroy leaves nothing');
    } finally {
      await removeSwarmObjects(s.engine, s.name);
    }
  }, { skipTypecheck: true });
});

/** examples/swarm-services copied next to the test's files, renamed to the test's stack name (as examples.test.ts does). */
function stageExample(s: TestStack): void {
  const src = path.join(REPO, 'examples/swarm-services');
  execFileSync('bash', [path.join(REPO, 'scripts/prepare-busybox.sh'), path.join(src, 'tools')], { stdio: 'ignore' });
  cpSync(src, s.dir, { recursive: true });
  s.writeRaw(readFileSync(path.join(src, 'stack.ts'), 'utf8').replace(/\bstack\('ex-swarm-services'/, `stack('${s.name}'`));
}

swarm('examples/swarm-services: apply (type-checked), the worker reaches web by name, the secret is a file, plan empty, destroy', async () => {
  await withStack(prefix, 'example', async (s) => {
    stageExample(s);
    // Type-checked once (apply), not again for the plan and destroy that follow.
    const moor = (...args: string[]) => runMoor([args[0]!, s.relFile, ...args.slice(1)], {
      env: { EX_SWARM_TOKEN: 'example-token', MOOR_CACHE_DIR: path.join(s.dir, '..', 'cache'), MOOR_SKIP_TYPECHECK: args[0] === 'apply' ? undefined : '1' },
    });
    try {
      let r = await moor('apply', '--yes');
      assert.is(r.code, 0, show(r));
      assert.is((await taskContainers(s, 'web')).length, 3);
      const [worker] = await taskContainers(s, 'worker');
      assert.is(await docker('exec', worker!, 'cat', '/run/secrets/token'), 'example-token');
      const last = await eventually('the worker fetched a page from web', async () => {
        const out = await docker('exec', worker!, 'cat', '/tmp/last').catch(() => '');
        return /^hello from /.test(out) && out;
      }, 20_000);
      assert.match(last, /^hello from \w+/);
      r = await moor('plan', '--detailed-exitcode');
      assert.is(r.code, 0, show(r));
      r = await moor('destroy', '--yes');
      assert.is(r.code, 0, show(r));
      assert.is(await docker('service', 'ls', '-q', '--filter', `label=moor.stack=${s.name}`), '');
    } finally {
      await removeSwarmObjects(s.engine, s.name);
    }
  });
});

swarm.run();
