/**
 * moor against Podman's Docker-compatible API, for real: a private `podman system service`
 * (test/fixtures/podman.ts) on a socket of its own, DOCKER_HOST pointing at it. The core flow:
 * an image built FROM scratch with busybox, a network with DNS (an alias resolved from another
 * container), a volume whose data survives a replacement, a container with a healthcheck and one
 * that waits for it to be healthy (Podman runs no healthcheck without systemd: moor runs them while
 * it waits), a published port; apply → empty plan → a live change (a network connected) and
 * replacements (a restart policy, which Podman cannot update in place, and an env change) →
 * empty plan → destroy. Afterwards nothing of the rig is left: no process, mount, file or cgroup.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execInContainer } from '../../core/engine/exec.js';
import { startPodman } from '../fixtures/podman.js';
import { freePort, newPrefix, planSummary, REPO, show, TOOLS, withStack, type TestStack } from './helpers.js';

const prefix = newPrefix();
const podman = suite('e2e: Podman');
// The rig's engine goes with the rig; the stacks' files (their type-check cache) stay until here.
podman.after(() => rmSync(path.join(REPO, 'test/.tmp', prefix), { recursive: true, force: true }));

interface Knobs { port: number; restart: string; mode: string; front: boolean }

const body = (k: Knobs) => `
  const backend = network('backend');
  const data = volume('data');
  const db = container('db', {
    image: img,
    command: ['sleep', '3600'],
    env: { MODE: ${JSON.stringify(k.mode)} },
    networks: [{ network: backend, aliases: ['database'] }],
    mounts: [{ volume: data, target: '/data' }],
    restart: ${JSON.stringify(k.restart)},
    healthcheck: { test: ['CMD', 'test', '-d', '/data'], interval: '500ms' },
    stopSignal: 'SIGKILL',
  });
  container('web', {
    image: img,
    command: ['httpd', '-f', '-p', '80', '-h', '/www'],
    ports: [{ host: ${k.port}, container: 80, hostIp: '127.0.0.1' }],
    networks: [backend${k.front ? ", network('front')" : ''}],
    dependsOn: [{ container: db, condition: 'healthy' }],
    stopSignal: 'SIGKILL',
  });`;

/** Run a shell command in a container of the stack; its stdout (exit code 0 asserted). */
async function sh(s: TestStack, container: string, script: string): Promise<string> {
  const r = await execInContainer(s.engine, s.en(container), ['sh', '-c', script], { timeoutMs: 15_000 });
  assert.is(r.exitCode, 0, `${script} in ${container}: ${r.stderr}`);
  return r.stdout;
}

podman('the core flow against a Podman socket: build, network DNS, volume, healthcheck + dependsOn, changes, destroy; nothing left', async () => {
  const rig = await startPodman();
  try {
    await withStack(prefix, 'core', async (s) => {
      const port = await freePort();
      const knobs: Knobs = { port, restart: 'unless-stopped', mode: 'one', front: false };
      s.write(body(knobs));

      const applied = await s.apply();
      assert.is(applied.code, 0, show(applied));
      assert.match(applied.stdout, /Apply complete: 5 created, 0 updated, 0 replaced, 0 removed\./, show(applied));
      // Told from /_ping's headers (or /version's components): the engine line names it.
      assert.match(applied.stdout, /^Engine: .*\(Podman \d+\.\d+/m, show(applied));

      const db1 = await s.container('db');
      const web1 = await s.container('web');
      assert.ok(db1?.State.Running && web1?.State.Running, 'both run');
      assert.is(db1!.State.Health?.Status, 'healthy', 'moor ran the healthcheck until db was healthy');
      assert.is(db1!.Config.Labels?.['moor.stack'], s.name);
      const labelled = await s.labelled();
      assert.equal(labelled.networks.map((n) => n.name), [s.en('backend')]);
      assert.ok(labelled.volumes.some((v) => v.name === s.en('data') && v.labels['moor.name'] === 'data'), 'the volume carries moor\'s labels');
      assert.is(labelled.images.length, 1, 'the built image carries moor\'s labels');

      // DNS on the network: the alias resolves from the other container (at the network's DNS server).
      const lookup = await sh(s, 'web', 'nslookup database "$(awk \'/^nameserver/ { print $2; exit }\' /etc/resolv.conf)"');
      const dbIp = Object.values(db1!.NetworkSettings.Networks ?? {})[0] as unknown as { IPAddress: string };
      assert.ok(lookup.includes(dbIp.IPAddress), `database resolves to db's address ${dbIp.IPAddress}:\n${lookup}`);
      // The published port answers (in the rig's network namespace, where podman publishes it).
      const page = await rig.inNetns([path.join(TOOLS, 'busybox'), 'wget', '-qO-', `http://127.0.0.1:${port}/`]);
      assert.match(page, /moor/, page);
      await sh(s, 'db', 'echo kept > /data/file');

      const empty = await s.plan('--detailed-exitcode');
      assert.is(empty.code, 0, show(empty));
      assert.is(planSummary(empty.stdout), 'none', show(empty));

      // A network connected live (same container), and a restart policy Podman cannot update in place.
      Object.assign(knobs, { restart: 'always', front: true });
      s.write(body(knobs));
      const planned = await s.plan();
      assert.match(planned.stdout, /~ restart: "unless-stopped" → "always" {2}# forces replacement # Podman cannot update a container in place/, show(planned));
      const changed = await s.apply();
      assert.is(changed.code, 0, show(changed));
      assert.match(changed.stdout, /1 created, 1 updated, 1 replaced, 0 removed/, show(changed));
      const web2 = await s.container('web');
      assert.is(web2!.Id, web1!.Id, 'web was updated in place');
      assert.ok(Object.keys(web2!.NetworkSettings.Networks ?? {}).includes(s.en('front')), 'web joined front');
      const db2 = await s.container('db');
      assert.is.not(db2!.Id, db1!.Id, 'db was replaced');
      assert.is(db2!.HostConfig.RestartPolicy.Name, 'always');
      assert.is((await sh(s, 'db', 'cat /data/file')).trim(), 'kept', 'the volume\'s data survived the replacement');
      const again = await s.plan('--detailed-exitcode');
      assert.is(again.code, 0, show(again));

      // An env change: a replacement on any engine.
      Object.assign(knobs, { mode: 'two' });
      s.write(body(knobs));
      const replaced = await s.apply();
      assert.is(replaced.code, 0, show(replaced));
      assert.match(replaced.stdout, /0 created, 0 updated, 1 replaced, 0 removed/, show(replaced));
      const db3 = await s.container('db');
      assert.ok(db3!.Config.Env?.includes('MODE=two'), 'the new env');
      assert.ok(db3!.State.Running, 'the new db runs');
      const last = await s.plan('--detailed-exitcode');
      assert.is(last.code, 0, show(last));

      const destroyed = await s.destroy('--volumes');
      assert.is(destroyed.code, 0, show(destroyed));
      assert.is(await s.labelledCount(), 0, 'destroy removed everything the stack had on Podman');
    }, { dockerHost: rig.dockerHost, skipTypecheck: true });
  } finally {
    await rig.stop();
  }
  assert.equal(rig.leftovers(), [], 'the rig left nothing behind');
});

podman.run();
