/**
 * Pulls from a private registry through the real engine: moor sends the credentials the docker
 * CLI stores (auths, a credential helper) and the engine uses them against a registry on
 * 127.0.0.1 (test/fixtures/fake-registry.ts) that refuses anonymous pulls. No credential ever
 * appears in moor's output.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isNotFound } from '../../core/engine/errors.js';
import { startFakeRegistry, type FakeRegistry } from '../fixtures/fake-registry.js';
import { newPrefix, show, sweepPrefix, withStack, type TestStack } from './helpers.js';

const prefix = newPrefix();
const USER = 'deploy';
const PASSWORD = `pw-${prefix}-Zq9`;
const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');
const busybox = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'busybox')).find(existsSync);

const reg = suite('e2e: private registries');
let registry: FakeRegistry;
let home: string;
reg.before(async () => {
  assert.ok(busybox, 'busybox on PATH (apt-get install busybox-static)');
  registry = await startFakeRegistry(USER, PASSWORD, busybox!);
  home = mkdtempSync(path.join(tmpdir(), 'moor-e2e-docker-config-'));
});
reg.after(async () => {
  await registry?.close();
  rmSync(home, { recursive: true, force: true });
  await sweepPrefix(prefix);
});

/** A DOCKER_CONFIG folder with `config`, and `bin` for credential helpers. */
function dockerConfig(name: string, config: unknown): { DOCKER_CONFIG: string; PATH: string } {
  const dir = path.join(home, name);
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return { DOCKER_CONFIG: dir, PATH: `${path.join(dir, 'bin')}${path.delimiter}${process.env.PATH}` };
}

function stackWith(s: TestStack, ref: string): void {
  s.writeRaw(`import { stack } from 'moor';

export default stack(${JSON.stringify(s.name)}, ({ container }) => {
  container('app', { image: ${JSON.stringify(ref)}, command: ['/bin/busybox', 'sleep', '3600'] });
});
`);
}

/** Pulled images are the user's, never removed by moor: the test removes the ones it pulled. */
async function removeImage(s: TestStack, ref: string): Promise<void> {
  try {
    await s.engine.request('DELETE', `/images/${encodeURIComponent(ref)}`, { query: { force: true } });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

function assertNoSecret(text: string, ...secrets: string[]): void {
  for (const secret of secrets) assert.not.ok(text.includes(secret), `a credential was printed:\n${text}`);
}

reg('credentials from auths in config.json: the engine pulls the private image with them; apply again is empty', async () => {
  const env = dockerConfig('auths', { auths: { [registry.host]: { auth: basic(USER, PASSWORD) } } });
  let ref = '';
  await withStack(prefix, 'auths', async (s) => {
    ref = `${registry.host}/${s.name}/app:1`;
    stackWith(s, ref);
    try {
      const seen = registry.authorizations.length;
      let r = await s.apply();
      assert.is(r.code, 0, show(r));
      assert.ok(registry.authorizations.slice(seen).includes(`Basic ${basic(USER, PASSWORD)}`), 'the registry got the credentials');
      assert.ok(registry.served.includes(`${s.name}/app:1`), 'the manifest was served');
      assert.is((await s.container('app'))?.State.Running, true, 'the container of the pulled image runs');
      assertNoSecret(r.stdout + r.stderr, PASSWORD, basic(USER, PASSWORD));
      r = await s.plan('--detailed-exitcode');
      assert.is(r.code, 0, show(r));
    } finally {
      await s.destroy();
      await removeImage(s, ref);
    }
  }, { env });
});

reg('credentials from a credsStore helper reach the registry too', async () => {
  const env = dockerConfig('helper', { credsStore: 'moortest' });
  const helper = path.join(env.DOCKER_CONFIG, 'bin', 'docker-credential-moortest');
  writeFileSync(helper, `#!/bin/sh\nread key\n[ "$key" = "${registry.host}" ] || { echo "credentials not found in native keychain"; exit 1; }\necho '{"ServerURL":"${registry.host}","Username":"${USER}","Secret":"${PASSWORD}"}'\n`);
  chmodSync(helper, 0o755);
  let ref = '';
  await withStack(prefix, 'helper', async (s) => {
    ref = `${registry.host}/${s.name}/app:2`;
    stackWith(s, ref);
    try {
      const r = await s.apply();
      assert.is(r.code, 0, show(r));
      assert.ok(registry.served.includes(`${s.name}/app:2`), 'the manifest was served');
      assertNoSecret(r.stdout + r.stderr, PASSWORD);
    } finally {
      await s.destroy();
      await removeImage(s, ref);
    }
  }, { env });
});

reg('wrong or no credentials: apply fails before creating anything, with the engine\'s reason and no credential in the output', async () => {
  const wrong = `wrong-${PASSWORD}`;
  for (const [name, env, said] of [
    ['wrong', dockerConfig('wrong', { auths: { [registry.host]: { auth: basic(USER, wrong) } } }), /Credentials for 127\.0\.0\.1:\d+ were sent \(from auths in .*config\.json\)\.\n  Fix: .*renew the stored credentials \(docker login 127\.0\.0\.1:\d+\)/],
    ['none', dockerConfig('none', {}), /docker login to its registry if it is private/],
  ] as const) {
    await withStack(prefix, `denied-${name}`, async (s) => {
      stackWith(s, `${registry.host}/${s.name}/app:1`);
      for (const json of [false, true]) {
        const r = json ? await s.apply('--json') : await s.apply();
        assert.is(r.code, 1, show(r));
        assert.match(r.stdout + r.stderr, /could not be pulled/, show(r));
        if (!json) assert.match(r.stdout + r.stderr, said, show(r));
        assertNoSecret(r.stdout + r.stderr, wrong, basic(USER, wrong), PASSWORD);
      }
      assert.is(await s.labelledCount(), 0, 'nothing was created');
    }, { env });
  }
});

reg.run();
