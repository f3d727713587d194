/**
 * Issue 14 (mounts, networks, env files, builds) on the real engine, one apply shared:
 * - an external network (made by the test) is joined by its own name; destroy leaves it; a missing
 *   one is a plan error naming the stack file line and the network; disconnected by hand, it is
 *   drift that apply repairs live (an update, not a replacement);
 * - an anonymous volume ({ target } only) keeps its data across two replacements (env file change,
 *   build target change): the new container mounts the same engine volume; applied, plans are empty
 *   (the engine-chosen name is no drift);
 * - a bind mount with selinux: 'Z' reaches the engine as a Binds entry `…:ro,Z`; 'Z' → 'z' is a
 *   `mounts` change that forces a replacement, and the engine then has `…:ro,z`;
 * - envFile values are in the container's env under explicit env; a changed file is a planned
 *   change of that key; a missing env file is a plan error;
 * - build target and platform: the built image holds the target stage's file; a target change
 *   rebuilds; a build secret that is not set is a plan error (build-secrets.test.ts builds with one).
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execInContainer } from '../../core/engine/exec.js';
import { isNotFound } from '../../core/engine/errors.js';
import { newPrefix, show, sweepPrefix, TOOLS, withStack, type ContainerInfo, type TestStack } from './helpers.js';

const prefix = newPrefix();
const cp = suite('e2e: external networks, anonymous volumes, selinux binds, env files, build target');
cp.after(() => sweepPrefix(prefix));

const PROXY = `${prefix}-proxy`;

function source(s: TestStack, o: { target: string; network?: string; envFile?: string; extra?: string; selinux?: string }): string {
  return `import { stack, secret } from 'moor';

export default stack(${JSON.stringify(s.name)}, ({ image, network, container }) => {
  const img = image('staged', { build: { context: './ctx', target: ${JSON.stringify(o.target)}, platform: 'linux/amd64' } });
  const proxy = network(${JSON.stringify(o.network ?? PROXY)}, { external: true });
  container('app', {
    image: img, command: ['sh', '-c', 'exec sleep 3600'], stopSignal: 'SIGKILL',
    networks: [proxy],
    mounts: [{ target: '/data' }, { bind: './conf', target: '/conf', readOnly: true, selinux: ${JSON.stringify(o.selinux ?? 'Z')} }],
    envFile: ${JSON.stringify(o.envFile ?? '.env')}, env: { B: 'explicit' },
  });${o.extra ?? ''}
});
`;
}

const sh = (s: TestStack, script: string) => execInContainer(s.engine, s.en('app'), ['sh', '-c', script], { timeoutMs: 10_000 });
const dataVolume = (c: ContainerInfo | undefined) => c?.Mounts.find((m) => m.Destination === '/data');

cp('external network, anonymous volume kept across replacements, selinux bind, env file, build target', async () => {
  const anonymous = new Set<string>();
  await withStack(prefix, 'mn', async (s) => {
    const ctx = path.join(s.dir, 'ctx');
    mkdirSync(ctx, { recursive: true });
    mkdirSync(path.join(s.dir, 'conf'), { recursive: true });
    copyFileSync(path.join(TOOLS, 'busybox'), path.join(ctx, 'busybox'));
    writeFileSync(path.join(ctx, 'Dockerfile'), [
      'FROM scratch AS base', 'COPY busybox /bin/busybox', 'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
      'FROM base AS dev', 'RUN echo dev > /stage', 'FROM base AS prod', 'RUN echo prod > /stage', '',
    ].join('\n'));
    writeFileSync(path.join(s.dir, '.env'), '# settings\nA=1\nB=from-file\nexport C="quoted # kept"\n');
    await s.engine.request('POST', '/networks/create', { body: { Name: PROXY, CheckDuplicate: true } });
    try {
      s.writeRaw(source(s, { target: 'dev' }));
      const applied = await s.apply();
      assert.is(applied.code, 0, show(applied));
      assert.not.match(applied.stdout, new RegExp(`network ${PROXY}`), 'the external network is never planned');
      const first = (await s.container('app'))!;
      assert.equal(Object.keys(first.NetworkSettings.Networks ?? {}), [PROXY]);
      assert.equal(first.HostConfig.Binds, [`${path.join(s.dir, 'conf')}:/conf:ro,Z`]);
      const vol = dataVolume(first);
      assert.ok(vol?.Type === 'volume' && /^[0-9a-f]{64}$/.test(vol.Name ?? ''), JSON.stringify(first.Mounts));
      anonymous.add(vol!.Name!);
      assert.ok(['A=1', 'B=explicit', 'C=quoted # kept'].every((e) => first.Config.Env?.includes(e)), JSON.stringify(first.Config.Env));
      const image = await s.engine.request<{ Architecture: string }>('GET', `/images/${encodeURIComponent(first.Config.Image)}/json`);
      assert.is(image.Architecture, 'amd64');
      assert.is((await sh(s, 'cat /stage; echo kept > /data/f')).stdout, 'dev\n');
      const empty = await s.plan('--detailed-exitcode');
      assert.is(empty.code, 0, `applied stack plans empty${show(empty)}`);

      // The env file changes: a planned change of that key, a replacement that keeps the anonymous volume.
      writeFileSync(path.join(s.dir, '.env'), 'A=2\nB=from-file\nexport C="quoted # kept"\n');
      const changed = await s.plan();
      assert.match(changed.stdout, /env\.A: "1" → "2"/, show(changed));
      assert.ok(changed.stdout.includes(`anonymous volume /data (${vol!.Name!.slice(0, 12)}) is mounted by the new container: its data is kept`), show(changed));
      const replaced = await s.apply();
      assert.is(replaced.code, 0, show(replaced));
      const second = (await s.container('app'))!;
      assert.is(dataVolume(second)?.Name, vol!.Name);
      assert.is((await sh(s, 'cat /data/f')).stdout, 'kept\n');

      // Disconnected from the external network by hand: drift, reconnected live (no replacement).
      await s.engine.request('POST', `/networks/${PROXY}/disconnect`, { body: { Container: s.en('app'), Force: true } });
      const drifted = await s.plan();
      assert.match(drifted.stdout, new RegExp(`~ +container app[\\s\\S]*networks\\.${PROXY}: .*# drift: disconnected outside moor`), show(drifted));
      const reconnected = await s.apply();
      assert.match(reconnected.stdout, /Apply complete: 0 created, 1 updated, 0 replaced, 0 removed\./, show(reconnected));
      assert.equal(Object.keys((await s.container('app'))!.NetworkSettings.Networks ?? {}), [PROXY]);

      // The build target and the relabel change: rebuilt, the container replaced, the data still there.
      s.writeRaw(source(s, { target: 'prod', selinux: 'z' }));
      const retarget = await s.plan();
      assert.match(retarget.stdout, /rebuild: target changed/, show(retarget));
      assert.match(retarget.stdout, /~ mounts: .*selinux Z.* → .*selinux z.*# forces replacement/, show(retarget));
      assert.is((await s.apply()).code, 0);
      assert.is((await sh(s, 'cat /stage /data/f')).stdout, 'prod\nkept\n');
      assert.equal((await s.container('app'))!.HostConfig.Binds, [`${path.join(s.dir, 'conf')}:/conf:ro,z`]);
      assert.is(dataVolume(await s.container('app'))?.Name, vol!.Name);
      assert.is((await s.plan('--detailed-exitcode')).code, 0);

      // Errors at plan time, nothing changed: a missing external network, a missing env file, a build secret not set.
      s.writeRaw(source(s, { target: 'prod', selinux: 'z', network: `${prefix}-nope` }));
      const noNet = await s.plan();
      assert.is(noNet.code, 1, show(noNet));
      assert.match(noNet.stderr, new RegExp(`${s.relFile}:\\d+:\\d+ network\\.${prefix}-nope › external: network "${prefix}-nope" is declared external: true, but the engine has no network named`), show(noNet));
      s.writeRaw(source(s, { target: 'prod', envFile: './missing.env' }));
      const noFile = await s.plan();
      assert.is(noFile.code, 1, show(noFile));
      assert.match(noFile.stderr, new RegExp(`${s.relFile}:\\d+:\\d+ container\\.app › envFile: env file .*missing\\.env does not exist`), show(noFile));
      s.writeRaw(source(s, { target: 'prod', extra: `\n  image('secretive', { build: { context: './ctx', secrets: { npm: secret('MOOR_E2E_UNSET_SECRET') } } });` }));
      const secrets = await s.plan();
      assert.is(secrets.code, 1, show(secrets));
      assert.match(secrets.stderr, /image\.secretive › build\.secrets\.npm: secret MOOR_E2E_UNSET_SECRET is not set \(not in the environment, --env-file or \.env\)/, show(secrets));

      s.writeRaw(source(s, { target: 'prod', selinux: 'z' }));
      const destroyed = await s.destroy();
      assert.is(destroyed.code, 0, show(destroyed));
      assert.ok(destroyed.stdout.includes(`leaves its anonymous volume on the engine with the data: ${vol!.Name} (/data)`), show(destroyed));
      const proxy = await s.engine.request<{ Name: string }>('GET', `/networks/${PROXY}`);
      assert.is(proxy.Name, PROXY, 'destroy leaves the external network');
    } finally {
      await s.engine.request('DELETE', `/networks/${PROXY}`).catch(() => undefined);
      for (const c of await s.engine.request<{ Id: string }[]>('GET', '/containers/json', { query: { all: 1, filters: JSON.stringify({ name: [s.name] }) } })) {
        await s.engine.request('DELETE', `/containers/${c.Id}`, { query: { force: true } }).catch(() => undefined);
      }
      for (const v of anonymous) {
        await s.engine.request('DELETE', `/volumes/${v}`).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
      }
    }
  });
});

cp.run();
