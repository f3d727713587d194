/**
 * The ssh transport with a stand-in `ssh` (test/fixtures/fake-ssh/ssh) in front of the fake engine:
 * one control master however many requests, at most MAX_CHANNELS channels at once (requests beyond
 * wait, they are not refused), the master and its directory gone after close(), and ssh's failure to
 * connect reported as a MoorError. The real OpenSSH path is test/e2e/remote.test.ts.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EngineClient } from '../../../core/engine/client.js';
import { parseDockerHost } from '../../../core/engine/endpoint.js';
import { EngineSshError } from '../../../core/engine/errors.js';
import { remoteSocketOf } from '../../../core/engine/ssh-forward.js';
import { MAX_CHANNELS } from '../../../core/engine/transport-ssh.js';
import { MoorError } from '../../../core/errors.js';
import { withFakeEngine } from '../../fixtures/fake-engine.js';
import { processesMentioning } from '../../fixtures/remote-engine.js';

const FAKE_SSH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/fake-ssh');
const ssh = suite('ssh transport (stand-in ssh, fake engine)');

async function withEnv<T>(vars: Record<string, string>, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moor-ssh-test-'));
  const saved = { PATH: process.env.PATH, TMPDIR: process.env.TMPDIR, ...Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]])) };
  Object.assign(process.env, { PATH: `${FAKE_SSH}:${process.env.PATH}`, TMPDIR: dir, FAKE_SSH_LOG: path.join(dir, 'channels'), ...vars });
  try {
    return await fn(dir);
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Poll `ok` until it holds or 10 s pass (the assertion after it then says what was wrong). */
async function until(ok: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await ok()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

const channels = (dir: string) => (existsSync(path.join(dir, 'channels')) ? readFileSync(path.join(dir, 'channels'), 'utf8').trim().split('\n').length : 0);
const controlDirs = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('moor-ssh-')) : []);

ssh('one master; requests beyond MAX_CHANNELS wait for a channel; close() ends the master and removes its directory', () => withFakeEngine((engine) => withEnv({ FAKE_ENGINE_SOCK: engine.socketPath }, async (dir) => {
  const client = new EngineClient(parseDockerHost('ssh://u@remote:2222'), 64);
  try {
    await client.engineInfo();
    engine.fail(/^GET \/volumes$/, { hang: true }, { always: true });
    // Streams on connections of their own, all hanging: only MAX_CHANNELS get a channel.
    assert.is((await processesMentioning(dir)).filter((l) => l.includes(' -M ')).length, 1, 'one control master');
    const opened = await Promise.all(Array.from({ length: MAX_CHANNELS + 4 }, () => client.open('GET', '/volumes', { dedicated: true })));
    for (const o of opened) { o.body.end(); o.response.catch(() => undefined); }
    await until(() => channels(dir) - 1 >= MAX_CHANNELS);
    await new Promise((r) => setTimeout(r, 500));
    assert.is(channels(dir) - 1, MAX_CHANNELS, 'channels open at once (after the one of /version)');
    // Ending some gives their channels to the waiting ones.
    for (const o of opened.slice(0, 4)) o.abort();
    await until(() => channels(dir) - 1 >= MAX_CHANNELS + 4);
    assert.is(channels(dir) - 1, MAX_CHANNELS + 4, 'the waiting requests got channels');
    for (const o of opened.slice(4)) o.abort();
  } finally {
    client.close();
  }
  assert.equal(controlDirs(dir), [], 'the control directory is removed');
  await until(async () => (await processesMentioning(dir)).length === 0);
  assert.equal(await processesMentioning(dir), [], 'no ssh process (master or channel) is left');
})));

ssh("ssh's failure to connect is a MoorError with what ssh said", () => withFakeEngine((engine) => withEnv({ FAKE_ENGINE_SOCK: engine.socketPath, FAKE_SSH_MASTER_FAILS: 'deploy@remote: Permission denied (publickey).' }, async () => {
  const client = new EngineClient(parseDockerHost('ssh://deploy@remote'));
  try {
    const e = await client.engineInfo().then(() => assert.unreachable('connected'), (x: unknown) => x);
    assert.instance(e, EngineSshError);
    assert.instance(e, MoorError);
    assert.match((e as Error).message, /^cannot reach the Docker engine at ssh:\/\/deploy@remote over ssh: the server refused moor's login \(deploy@remote: Permission denied \(publickey\)\.\)/);
  } finally {
    client.close();
  }
})));

ssh.run();

const forward = suite('remoteSocketOf: which server socket moor forwards');

forward('a unix socket the server\'s docker CLI names is forwarded; anything else stays on dial-stdio', () => {
  assert.is(remoteSocketOf('unix:///var/run/docker.sock\n'), '/var/run/docker.sock');
  assert.is(remoteSocketOf('unix:///run/user/1000/docker.sock'), '/run/user/1000/docker.sock');
  assert.is(remoteSocketOf('tcp://10.0.0.5:2375'), undefined);
  assert.is(remoteSocketOf('ssh://other'), undefined);
  assert.is(remoteSocketOf(''), undefined);
  assert.is(remoteSocketOf(undefined), undefined);
});

forward.run();
