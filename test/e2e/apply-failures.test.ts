/**
 * Failures that used to surface half-way through an apply, on the real engine: an image that
 * cannot be pulled (found out before anything else is created), a host port already taken (named,
 * with its holder; no half-made container), a stopSignal and a gateway the engine would refuse
 * (plan diagnostics), a build context that is a symlink, and destroy when someone else tagged the
 * image moor built.
 */
import { symlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort, newPrefix, planSummary, show, sweepPrefix, TOOLS, withStack, type TestStack } from './helpers.js';

const prefix = newPrefix();
const failures = suite('e2e: apply failures found early and explained');
failures.after(() => sweepPrefix(prefix));

const UNPULLABLE = 'moor-nonexistent.invalid/none:1';

async function counts(s: TestStack): Promise<string> {
  const l = await s.labelled();
  return `containers ${l.containers.length}, networks ${l.networks.length}, volumes ${l.volumes.length}, images ${l.images.length}`;
}

failures('an image that cannot be pulled is a plan error (its registry asked, nothing pulled); apply creates nothing', () =>
  withStack(prefix, 'pull', async (s) => {
    s.writeRaw(`import { stack } from 'moor';
export default stack(${JSON.stringify(s.name)}, ({ network, volume, container }) => {
  container('app', {
    image: ${JSON.stringify(UNPULLABLE)},
    networks: [network('backend')],
    mounts: [{ volume: volume('data'), target: '/data' }],
  });
});
`);
    for (const r of [await s.plan(), await s.apply()]) {
      assert.is(r.code, 1, show(r));
      assert.match(r.stderr, new RegExp(`container\\.app › image: image ${UNPULLABLE.replace(/[./]/g, '\\$&')} is not on the engine and could not be pulled: .*no such host`), show(r));
      assert.match(r.stderr, /nothing was changed/, show(r));
      assert.is(await counts(s), 'containers 0, networks 0, volumes 0, images 0', 'the engine is unchanged');
    }
  }, { skipTypecheck: true }));

failures('a stopSignal and a gateway the engine refuses are plan diagnostics; apply creates nothing', () =>
  withStack(prefix, 'refused', async (s) => {
    s.write(`
  const backend = network('backend', { subnet: '10.231.0.0/24', gateway: '10.232.0.1' });
  container('app', { image: img, command: ['sleep', '60'], networks: [backend], stopSignal: 'SIGFOO' });
`);
    for (const r of [await s.plan(), await s.apply()]) {
      assert.is(r.code, 1, show(r));
      assert.match(r.stderr, /network\.backend › gateway: gateway 10\.232\.0\.1 is outside the subnet 10\.231\.0\.0\/24/, show(r));
      assert.match(r.stderr, /container\.app › stopSignal: expected a Linux signal name/, show(r));
      assert.is(await s.labelledCount(), 0, 'nothing created');
    }
  }, { skipTypecheck: true }));

failures('a network driver the engine does not have is a plan diagnostic (the engine refused the create half-way before); nothing is created', () =>
  withStack(prefix, 'driver', async (s) => {
    s.write(`
  const mesh = network('mesh', { driver: 'weave' });
  const data = volume('data');
  container('app', { image: img, command: ['sleep', '60'], networks: [mesh], mounts: [{ volume: data, target: '/data' }] });
`);
    for (const r of [await s.plan(), await s.apply()]) {
      assert.is(r.code, 1, show(r));
      assert.match(r.stderr, /network\.mesh › driver: network driver "weave" is not available on the engine \(it has .*bridge/, show(r));
      assert.is(await s.labelledCount(), 0, 'nothing created');
    }
  }, { skipTypecheck: true }));

failures('a CPU limit above the engine host\'s CPUs is a plan diagnostic (the engine refused the create before); nothing is created', () =>
  withStack(prefix, 'cpus', async (s) => {
    s.write(`
  const data = volume('data');
  container('busy', { image: img, command: ['sleep', '60'], mounts: [{ volume: data, target: '/data' }], resources: { cpus: 1000 } });
`);
    const cpus = (await s.engine.request<{ NCPU: number }>('GET', '/info')).NCPU;
    for (const r of [await s.plan(), await s.apply()]) {
      assert.is(r.code, 1, show(r));
      assert.match(r.stderr, new RegExp(`container\\.busy › resources\\.cpus: resources\\.cpus 1000 is more than the ${cpus} CPUs of the engine's host`), show(r));
      assert.is(await s.labelledCount(), 0, 'nothing created');
    }
  }, { skipTypecheck: true }));

failures('a bind mount source that does not exist is a plan diagnostic (the engine refused the create before); nothing is created', () =>
  withStack(prefix, 'bind', async (s) => {
    s.write(`
  const data = volume('data');
  container('app', { image: img, command: ['sleep', '60'], mounts: [{ volume: data, target: '/data' }, { bind: './missing', target: '/site' }] });
`);
    for (const r of [await s.plan(), await s.apply()]) {
      assert.is(r.code, 1, show(r));
      assert.match(r.stderr, new RegExp(`container\\.app › mounts: bind mount source ${path.join(s.dir, 'missing').replace(/[.]/g, '\\.')} \\(for /site\\) does not exist on the engine's host`), show(r));
      assert.is(await s.labelledCount(), 0, 'nothing created');
    }
  }, { skipTypecheck: true }));

// Containers are put on a network of their own, not the engine's default bridge (one test fewer
// that depends on docker0).
const webOn = (port: number) => `
  container('web', { image: img, command: ['httpd', '-f', '-p', '80', '-h', '/www'], ports: [{ host: ${port}, container: 80, hostIp: '127.0.0.1' }], networks: [network('net')], stopSignal: 'SIGKILL' });
`;

failures('a host port a process outside the engine holds: apply names it, leaves no container; once freed, apply converges', async () => {
  const port = await freePort();
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
  let open = true;
  try {
    await withStack(prefix, 'port', async (s) => {
      s.write(webOn(port));
      const r = await s.apply();
      assert.is.not(r.code, 0, show(r));
      assert.match(r.stdout + r.stderr, new RegExp(`container\\.web › ports: container ${s.en('web')} could not start: host port 127\\.0\\.0\\.1:${port} \\(for 80/tcp\\) is already in use by a process outside the engine\\. It was removed again`), show(r));
      assert.not.match(r.stdout + r.stderr, /Run the same command again/, show(r));
      assert.is(await s.container('web'), undefined, 'no half-made container left');
      const again = await s.plan();
      assert.equal(planSummary(again.stdout), { create: 1, update: 0, replace: 0, delete: 0 }, show(again));

      await new Promise((resolve) => holder.close(resolve));
      open = false;
      const ok = await s.apply();
      assert.is(ok.code, 0, show(ok));
      assert.is((await s.container('web'))?.State.Running, true);
      const after = await s.plan();
      assert.is(planSummary(after.stdout), 'none', show(after));
    }, { skipTypecheck: true });
  } finally {
    if (open) holder.close();
  }
});

failures('a host port another container publishes is a plan diagnostic naming that container', async () => {
  const port = await freePort();
  await withStack(prefix, 'owner', async (a) => {
    a.write(webOn(port));
    const first = await a.apply();
    assert.is(first.code, 0, show(first));
    await withStack(prefix, 'second', async (b) => {
      b.write(webOn(port));
      const r = await b.plan();
      assert.is(r.code, 1, show(r));
      assert.match(r.stderr, new RegExp(`container\\.web › ports: host port 127\\.0\\.0\\.1:${port} is already in use by container ${a.en('web')} \\(stack "${a.name}"\\)`), show(r));
      const applied = await b.apply();
      assert.is(applied.code, 1, show(applied));
      assert.is(await b.labelledCount(), 0, 'nothing of the second stack was created');
    }, { skipTypecheck: true });
  }, { skipTypecheck: true });
});

failures('destroy removes the tag moor gave its image when someone tagged it too (409 before); their tag stays', () =>
  withStack(prefix, 'tagged', async (s) => {
    s.write(`  container('app', { image: img, command: ['sleep', '600'], networks: [network('net')], stopSignal: 'SIGKILL' });`);
    const r = await s.apply();
    assert.is(r.code, 0, show(r));
    const extra = `${s.name}-extra`;
    await s.engine.request('POST', `/images/${encodeURIComponent(`${s.name}-tools:latest`)}/tag`, { query: { repo: extra, tag: '1' } });
    const d = await s.destroy();
    assert.is(d.code, 0, show(d));
    const tags = async (ref: string) => s.engine.request<{ RepoTags: string[] }>('GET', `/images/${encodeURIComponent(ref)}/json`).then((i) => i.RepoTags, () => undefined);
    assert.equal(await tags(`${extra}:1`), [`${extra}:1`], 'the other tag keeps the image');
    assert.is(await tags(`${s.name}-tools:latest`), undefined, "moor's tag is gone");
    assert.is((await s.labelled()).containers.length, 0);
  }, { skipTypecheck: true }));

failures('a build context that is a symlink to a directory builds; the next plan is empty', () =>
  withStack(prefix, 'symlink', async (s) => {
    symlinkSync(TOOLS, path.join(s.dir, 'ctx'));
    s.writeRaw(`import { stack } from 'moor';
export default stack(${JSON.stringify(s.name)}, ({ image, network, container }) => {
  container('app', { image: image('tools', { build: { context: './ctx' } }), command: ['sleep', '600'], networks: [network('net')], stopSignal: 'SIGKILL' });
});
`);
    const r = await s.apply();
    assert.is(r.code, 0, show(r));
    assert.is((await s.container('app'))?.State.Running, true);
    const again = await s.plan();
    assert.is(planSummary(again.stdout), 'none', show(again));
  }, { skipTypecheck: true }));

failures.run();
