import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pullImage } from '../../../core/apply/image.js';
import { configKey, DOCKER_HUB_KEY, pullAuth, registryOf } from '../../../core/apply/registry-auth.js';
import { startFakeEngine } from '../../fixtures/fake-engine.js';

const PASSWORD = 's3cr3t-Pa55word';
const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');

/** The JSON an `X-Registry-Auth` value carries (base64url, as the engine decodes it). */
function decode(header: string | undefined): unknown {
  assert.ok(header, 'a header was built');
  assert.not.match(header!, /[+/]/, 'base64url, not base64');
  return JSON.parse(Buffer.from(header!.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString());
}

interface Home { env: NodeJS.ProcessEnv; dir: string; bin: string }

/**
 * A temp DOCKER_CONFIG holding `config`, and a bin folder first on PATH where a fake
 * `docker-credential-test` answers from `store` (registry key → {Username, Secret}) and logs
 * what it was asked on stdin.
 */
async function withDockerConfig(config: unknown, run: (h: Home) => Promise<void>, store: Record<string, { Username: string; Secret: string }> = {}): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'moor-docker-config-'));
  try {
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    if (config !== undefined) writeFileSync(path.join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
    writeFileSync(path.join(dir, 'store.json'), JSON.stringify(store));
    const helper = `#!/usr/bin/env node
const fs = require('fs');
const key = fs.readFileSync(0, 'utf8').trim();
fs.appendFileSync(${JSON.stringify(path.join(dir, 'asked'))}, process.argv[2] + ' ' + key + '\\n');
const store = JSON.parse(fs.readFileSync(${JSON.stringify(path.join(dir, 'store.json'))}, 'utf8'));
if (!store[key]) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
process.stdout.write(JSON.stringify({ ServerURL: key, ...store[key] }));
`;
    for (const name of ['test', 'other']) {
      writeFileSync(path.join(bin, `docker-credential-${name}`), helper.replace("process.argv[2] + ' '", `'${name} ' + process.argv[2] + ' '`));
      chmodSync(path.join(bin, `docker-credential-${name}`), 0o755);
    }
    await run({ env: { ...process.env, DOCKER_CONFIG: dir, PATH: `${bin}${path.delimiter}${process.env.PATH}` }, dir, bin });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const asked = (h: Home) => { try { return readFileSync(path.join(h.dir, 'asked'), 'utf8').trim().split('\n'); } catch { return []; } };

const where = suite('registryOf / configKey');

where('the registry of a reference, as the docker CLI finds it; Docker Hub is keyed by its v1 URL', () => {
  for (const ref of ['busybox', 'busybox:1.36', 'team/app:1', 'docker.io/team/app', 'index.docker.io/team/app', `library/nginx@sha256:${'a'.repeat(64)}`]) {
    assert.is(registryOf(ref), 'docker.io', ref);
    assert.is(configKey(registryOf(ref)), 'https://index.docker.io/v1/', ref);
  }
  assert.is(registryOf('registry.example.com/team/app:2'), 'registry.example.com');
  assert.is(registryOf('localhost:5000/app'), 'localhost:5000');
  assert.is(registryOf('localhost/app'), 'localhost');
  assert.is(registryOf('127.0.0.1:5000/app:1'), '127.0.0.1:5000');
  assert.is(registryOf('Registry/app'), 'Registry', 'an upper-case first part is a host');
  assert.is(configKey('ghcr.io'), 'ghcr.io');
});

const auth = suite('pullAuth');

auth('no config.json: anonymous, nothing to say', () =>
  withDockerConfig(undefined, async ({ env }) => {
    assert.equal(await pullAuth('registry.example.com/app', env), { secrets: [] });
  }));

auth('auths: user and password from `auth`, for the registry of the reference only', () =>
  withDockerConfig({ auths: { 'registry.example.com': { auth: basic('deploy', PASSWORD) } } }, async ({ env, dir }) => {
    const a = await pullAuth('registry.example.com/team/app:1', env);
    assert.equal(decode(a.header), { username: 'deploy', password: PASSWORD, serveraddress: 'registry.example.com' });
    assert.is(a.source, `auths in ${path.join(dir, 'config.json')}`);
    assert.ok(a.secrets.includes(PASSWORD));
    assert.is((await pullAuth('other.example.com/app', env)).header, undefined);
    assert.is((await pullAuth('app', env)).header, undefined);
  }));

auth('auths: a key written as a URL matches its host; Docker Hub uses the https://index.docker.io/v1/ key', () =>
  withDockerConfig({ auths: { 'https://registry.example.com/v2/': { auth: basic('a', 'b:c') }, [DOCKER_HUB_KEY]: { auth: basic('hubuser', PASSWORD) } } }, async ({ env }) => {
    assert.equal(decode((await pullAuth('registry.example.com/x', env)).header), { username: 'a', password: 'b:c', serveraddress: 'registry.example.com' });
    for (const ref of ['team/private:1', 'docker.io/team/private', 'busybox']) {
      assert.equal(decode((await pullAuth(ref, env)).header), { username: 'hubuser', password: PASSWORD, serveraddress: DOCKER_HUB_KEY }, ref);
    }
  }));

auth('auths: an identity token is sent as identitytoken; username and password fields work instead of auth', () =>
  withDockerConfig({ auths: { 'reg.example.com': { auth: '', identitytoken: 'tok-123456' }, 'plain.example.com': { username: 'u1', password: 'p1-secret' } } }, async ({ env }) => {
    const a = await pullAuth('reg.example.com/app', env);
    assert.equal(decode(a.header), { identitytoken: 'tok-123456', serveraddress: 'reg.example.com' });
    const b = await pullAuth('plain.example.com/app', env);
    assert.equal(decode(b.header), { username: 'u1', password: 'p1-secret', serveraddress: 'plain.example.com' });
    assert.ok(b.secrets.includes('p1-secret'));
  }));

auth('credsStore: the helper is asked with the registry key on stdin; its answer is sent; auths are not used', () =>
  withDockerConfig(
    { credsStore: 'test', auths: { 'reg.example.com': { auth: basic('fromfile', 'filepass') } } },
    async (h) => {
      const a = await pullAuth('reg.example.com/app:1', h.env);
      assert.equal(decode(a.header), { username: 'robot', password: PASSWORD, serveraddress: 'reg.example.com' });
      assert.is(a.source, 'credential helper docker-credential-test');
      const hub = await pullAuth('team/app', h.env);
      assert.equal(decode(hub.header), { identitytoken: 'hub-token', serveraddress: DOCKER_HUB_KEY }, 'Username <token> is an identity token');
      // Nothing stored for it: anonymous, as the CLI does, and not a problem.
      assert.equal(await pullAuth('nothing.example.com/app', h.env), { secrets: [] });
      assert.equal(asked(h), ['test get reg.example.com', `test get ${DOCKER_HUB_KEY}`, 'test get nothing.example.com']);
    },
    { 'reg.example.com': { Username: 'robot', Secret: PASSWORD }, [DOCKER_HUB_KEY]: { Username: '<token>', Secret: 'hub-token' } },
  ));

auth('credHelpers: a helper per registry wins over credsStore; other registries keep credsStore', () =>
  withDockerConfig(
    { credsStore: 'test', credHelpers: { 'special.example.com': 'other' } },
    async (h) => {
      assert.equal(decode((await pullAuth('special.example.com/app', h.env)).header), { username: 'u', password: 'special-pass', serveraddress: 'special.example.com' });
      assert.equal(decode((await pullAuth('reg.example.com/app', h.env)).header), { username: 'robot', password: PASSWORD, serveraddress: 'reg.example.com' });
      assert.equal(asked(h), ['other get special.example.com', 'test get reg.example.com']);
    },
    { 'special.example.com': { Username: 'u', Secret: 'special-pass' }, 'reg.example.com': { Username: 'robot', Secret: PASSWORD } },
  ));

auth('a helper that is missing, or a config that is not JSON: anonymous, with the reason kept for the error', async () => {
  await withDockerConfig({ credsStore: 'desktop' }, async ({ env }) => {
    const a = await pullAuth('reg.example.com/app', env);
    assert.is(a.header, undefined);
    assert.match(a.problem!, /^docker-credential-desktop could not be run \(not found on PATH\), so no credentials were sent$/);
  });
  await withDockerConfig('{ "auths": ', async ({ env, dir }) => {
    const a = await pullAuth('reg.example.com/app', env);
    assert.is(a.header, undefined);
    assert.ok(a.problem!.startsWith(`${path.join(dir, 'config.json')} could not be read (`), a.problem);
  });
});

const pull = suite('pullImage with credentials (fake engine)');

pull('the X-Registry-Auth header reaches the engine and decodes to the credentials; anonymous pulls send none', () =>
  withDockerConfig({ auths: { 'reg.example.com': { auth: basic('deploy', PASSWORD) } } }, async ({ env }) => {
    const engine = await startFakeEngine();
    try {
      engine.registry.add('reg.example.com/team/app:1');
      engine.registry.add('public.example.com/app:latest');
      const img = (ref: string) => ({ kind: 'image' as const, name: ref, ref, labels: {} });
      await pullImage(engine.client, img('reg.example.com/team/app:1'), env);
      await pullImage(engine.client, img('public.example.com/app'), env);
      const pulls = engine.requests.filter((r) => r.path === '/images/create');
      assert.is(pulls.length, 2);
      assert.equal(decode(pulls[0]!.headers['x-registry-auth'] as string), { username: 'deploy', password: PASSWORD, serveraddress: 'reg.example.com' });
      assert.is(pulls[1]!.headers['x-registry-auth'], undefined);
    } finally {
      await engine.close();
    }
  }));

pull('a failed pull never shows the credentials, even when the engine quotes them; it says they were sent', () =>
  withDockerConfig({ auths: { 'reg.example.com': { auth: basic('deploy', PASSWORD) } } }, async ({ env }) => {
    const engine = await startFakeEngine();
    try {
      const header = (await pullAuth('reg.example.com/app:1', env)).header!;
      engine.fail('POST /images/create', { status: 500, message: `Get "https://reg.example.com/v2/": unauthorized: password ${PASSWORD} rejected (auth ${header}, basic ${basic('deploy', PASSWORD)})` });
      const img = { kind: 'image' as const, name: 'app', ref: 'reg.example.com/app:1', labels: {} };
      const e = (await pullImage(engine.client, img, env).catch((x: unknown) => x)) as Error;
      const everything = `${e.message} ${String((e.cause as Error)?.message)} ${JSON.stringify(e)}`;
      for (const secret of [PASSWORD, header, basic('deploy', PASSWORD)]) assert.not.ok(everything.includes(secret), `no secret in: ${everything}`);
      assert.match(e.message, /unauthorized: password \*\*\* rejected \(auth \*\*\*, basic \*\*\*\)/);
      assert.match(e.message, /\n  Credentials for reg\.example\.com were sent \(from auths in .*config\.json\)\./);
    } finally {
      await engine.close();
    }
  }));

pull('a broken credential helper does not stop a pull; when the pull fails, the error says why no credentials were sent', () =>
  withDockerConfig({ credsStore: 'desktop' }, async ({ env }) => {
    const engine = await startFakeEngine();
    try {
      const img = { kind: 'image' as const, name: 'app', ref: 'reg.example.com/app:1', labels: {} };
      const e = (await pullImage(engine.client, img, env).catch((x: unknown) => x)) as Error;
      assert.match(e.message, /\n  Note: docker-credential-desktop could not be run \(not found on PATH\), so no credentials were sent\.\n  Fix: .*docker login/);
    } finally {
      await engine.close();
    }
  }));

where.run();
auth.run();
pull.run();
