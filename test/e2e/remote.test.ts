/**
 * Remote engines for real, on 127.0.0.1 in front of the test engine:
 * - ssh://: an sshd (test/fixtures/sshd.ts) whose sessions run `docker system dial-stdio`; apply,
 *   empty plan, a live update, a replacement and destroy go through it, over ONE SSH connection per
 *   moor process (ssh's own debug log counts the authentications), and no ssh process of moor's is
 *   left afterwards, also after Ctrl-C. A backup run (exec hook, attached worker, archive streams)
 *   and a restore go through it too. A host key that is not the pinned one, or none, is refused
 *   with its fingerprint.
 * - TLS: socat requiring a client certificate in front of the engine's socket; apply and plan over
 *   it with DOCKER_TLS_VERIFY / DOCKER_CERT_PATH; without a client certificate, a clear error.
 * - docker contexts made with the docker CLI: --context, DOCKER_CONTEXT and currentContext are
 *   honoured in the CLI's order, an unknown one is an error.
 */
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCerts, processesMentioning, sshClient, startTlsProxy } from '../fixtures/remote-engine.js';
import { otherHostKey, startSshd } from '../fixtures/sshd.js';
import { readTree, sampleTree, treeDiff, writeTree } from './volume-tree.js';
import { freePort, MOOR_BIN, newPrefix, planSummary, REPO, runMoor, show, sweepPrefix, withStack, type TestStack } from './helpers.js';

const run = promisify(execFile);
const prefix = newPrefix();
const remote = suite('e2e: remote engines');
remote.after(() => sweepPrefix(prefix));

const body = (o: { restart: string; mode: string }) => `
  container('app', {
    image: img,
    command: ['sleep', '3600'],
    env: { MODE: ${JSON.stringify(o.mode)} },
    restart: ${JSON.stringify(o.restart)},
    stopSignal: 'SIGKILL',
  });`;

const moor = (s: TestStack, env: Record<string, string>, command: string, ...flags: string[]) =>
  runMoor([command, s.relFile, ...(command === 'plan' ? [] : ['--yes']), ...flags], { env: { MOOR_SKIP_TYPECHECK: '1', MOOR_CACHE_DIR: path.join(s.dir, 'cache'), ...env } });

/** Nothing of moor's ssh is left: no process naming its temp dir, no control directory in it. */
async function assertNoSshLeft(tmp: string, after: string): Promise<void> {
  assert.equal(await processesMentioning(tmp), [], `ssh processes left after ${after}`);
  assert.equal(readdirSync(tmp).filter((f) => f.startsWith('moor-ssh-')), [], `control directory left after ${after}`);
}

const authentications = (log: string) => (readFileSync(log, 'utf8').match(/Authenticated to /g) ?? []).length;

remote('ssh://: apply, empty plan, live update, replace, destroy over one SSH connection each; nothing left behind', async () => {
  const sshd = await startSshd(prefix);
  try {
    await withStack(prefix, 'ssh', async (s) => {
      const ssh = await sshClient(sshd, path.join(s.dir, 'ssh'), sshd.hostKey, true);
      const step = async (what: string, command: string, expect: number, ...flags: string[]) => {
        const before = authentications(ssh.log);
        const r = await moor(s, ssh.env, command, ...flags);
        assert.is(r.code, expect, `${what}${show(r)}`);
        assert.is(authentications(ssh.log) - before, 1, `${what}: one SSH connection per moor process\n${readFileSync(ssh.log, 'utf8').slice(-3000)}`);
        await assertNoSshLeft(ssh.tmp, what);
        return r;
      };
      s.write(body({ restart: 'no', mode: 'one' }));
      const applied = await step('apply', 'apply', 0);
      assert.match(applied.stdout, /Apply complete: 2 created/, show(applied));
      const c1 = await s.container('app');
      assert.ok(c1?.State.Running, 'the container runs on the engine behind ssh');
      assert.is(c1!.Config.Labels?.['moor.stack'], s.name);

      const empty = await step('plan after apply', 'plan', 0, '--detailed-exitcode');
      assert.is(planSummary(empty.stdout), 'none', show(empty));

      s.write(body({ restart: 'always', mode: 'one' }));
      const live = await step('live update', 'apply', 0);
      assert.match(live.stdout, /1 updated/, show(live));
      const c2 = await s.container('app');
      assert.is(c2!.Id, c1!.Id, 'updated in place');
      assert.is(c2!.HostConfig.RestartPolicy.Name, 'always');

      s.write(body({ restart: 'always', mode: 'two' }));
      const replaced = await step('replace', 'apply', 0);
      assert.match(replaced.stdout, /1 replaced/, show(replaced));
      const c3 = await s.container('app');
      assert.is.not(c3!.Id, c1!.Id, 'replaced');
      assert.ok(c3!.Config.Env?.includes('MODE=two'));

      const again = await step('plan after replace', 'plan', 0, '--detailed-exitcode');
      assert.is(planSummary(again.stdout), 'none', show(again));

      await step('destroy', 'destroy', 0);
      assert.is(await s.container('app'), undefined, 'destroyed through ssh');
    });
  } finally {
    await sshd.stop();
  }
});

remote('ssh://: a backup run (exec hook, attached worker, archive streams) and a restore go through the SSH connection', async () => {
  const sshd = await startSshd(prefix);
  try {
    await withStack(prefix, 'sshbackup', async (s) => {
      const ssh = await sshClient(sshd, path.join(s.dir, 'ssh'), sshd.hostKey, true);
      s.writeRaw(`import { stack } from 'moor';

export default stack(${JSON.stringify(s.name)}, ({ image, volume, container, backup }) => {
  const img = image('tools', { build: { context: ${JSON.stringify(s.toolsContext)} } });
  const data = volume('data');
  const db = container('db', { image: img, command: ['sleep', '3600'], mounts: [{ volume: data, target: '/data' }], stopSignal: 'SIGKILL' });
  backup('nightly', {
    volumes: [data], target: { hostPath: './archives' }, schedule: '0 3 * * *', keep: { last: 2 }, stop: [db],
    hooks: { before: [{ exec: db, command: ['sh', '-c', 'echo dumped > /data/dump.sql'] }] },
    image: img,
  });
});
`);
      const env = { ...ssh.env, MOOR_SKIP_TYPECHECK: '1', MOOR_CACHE_DIR: path.join(s.dir, 'cache') };
      const applied = await moor(s, ssh.env, 'apply');
      assert.is(applied.code, 0, show(applied));
      const img = `${s.en('tools')}:latest`;
      await writeTree(s.engine, img, s.en('data'), sampleTree(40, 64));
      const before = authentications(ssh.log);
      const run = await runMoor(['backup', 'run', s.relFile, 'nightly'], { env });
      assert.is(run.code, 0, show(run));
      assert.match(run.stdout, /^nightly: archive .* verified/, show(run));
      const saved = await readTree(s.engine, img, s.en('data'));
      assert.ok(saved.some((e) => e.path === 'dump.sql'), 'the before hook ran (exec over ssh)');
      await writeTree(s.engine, img, s.en('data'), [{ header: { name: 'data/dump.sql', mode: 0o600 }, content: Buffer.from('changed') }]);
      const restore = await runMoor(['backup', 'restore', s.relFile, 'nightly', '--yes'], { env });
      assert.is(restore.code, 0, show(restore));
      assert.equal(treeDiff(saved, await readTree(s.engine, img, s.en('data'))), [], 'restored exactly, through ssh');
      assert.is(authentications(ssh.log) - before, 2, 'one SSH connection for each of the two commands');
      await assertNoSshLeft(ssh.tmp, 'backup run and restore');
    });
  } finally {
    await sshd.stop();
  }
});

remote('ssh://: Ctrl-C (twice) during an apply leaves no ssh process of moor\'s behind', async () => {
  const sshd = await startSshd(prefix);
  try {
    await withStack(prefix, 'sigint', async (s) => {
      const ssh = await sshClient(sshd, path.join(s.dir, 'ssh'));
      // A container that never becomes healthy, and one waiting for it: apply waits until interrupted.
      s.write(`
  const app = container('app', {
    image: img,
    command: ['sleep', '3600'],
    healthcheck: { test: ['CMD', 'false'], interval: '1s', retries: 1000 },
    stopSignal: 'SIGKILL',
  });
  container('after', { image: img, command: ['sleep', '3600'], dependsOn: [{ container: app, condition: 'healthy' }], stopSignal: 'SIGKILL' });`);
      const child = spawn(process.execPath, [MOOR_BIN, 'apply', s.relFile, '--yes'], {
        cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1', MOOR_SKIP_TYPECHECK: '1', MOOR_CACHE_DIR: path.join(s.dir, 'cache'), ...ssh.env },
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
      try {
        const deadline = Date.now() + 60_000;
        while (!(await s.container('app'))?.State.Running) {
          if (Date.now() > deadline || child.exitCode !== null) assert.unreachable(`the container never ran:\n${out}`);
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.ok((await processesMentioning(ssh.tmp)).length > 0, 'moor\'s ssh runs while it applies');
        child.kill('SIGINT');
        await new Promise((r) => setTimeout(r, 300));
        if (child.exitCode === null) child.kill('SIGINT');
        assert.is(await exited, 130, out);
        assert.not.ok((await s.container('after'))?.State.Running, 'the waiting step was given up');
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await assertNoSshLeft(ssh.tmp, 'Ctrl-C');
    });
  } finally {
    await sshd.stop();
  }
});

remote('ssh://host/PATH: the named engine socket is forwarded from the start; the server needs no docker CLI', async () => {
  // Sessions on this server find no `docker` (PATH=/nonexistent): only a channel to the socket can work.
  const sshd = await startSshd(prefix, ['SetEnv PATH=/nonexistent']);
  try {
    await withStack(prefix, 'sshpath', async (s) => {
      // Another name for the engine's socket, so the test proves that the URL's path is the one used.
      const alias = path.join(s.dir, 'engine-alias.sock');
      symlinkSync('/var/run/docker.sock', alias);
      const ssh = await sshClient(sshd, path.join(s.dir, 'ssh'), sshd.hostKey, true);
      const named = { ...ssh.env, DOCKER_HOST: `ssh://moor-remote${alias}` };
      s.write(body({ restart: 'no', mode: 'one' }));
      const applied = await moor(s, named, 'apply');
      assert.is(applied.code, 0, show(applied));
      assert.match(applied.stdout, /Apply complete: 2 created/, show(applied));
      assert.match(applied.stdout + applied.stderr, new RegExp(`ssh://moor-remote${alias.replace(/[.]/g, '\\.')}`), `names the engine${show(applied)}`);
      assert.ok((await s.container('app'))?.State.Running, 'the container runs on the engine behind ssh');
      const before = authentications(ssh.log);
      const empty = await moor(s, named, 'plan', '--detailed-exitcode');
      assert.is(empty.code, 0, show(empty));
      assert.is(planSummary(empty.stdout), 'none', show(empty));
      assert.is(authentications(ssh.log) - before, 1, 'one SSH connection');
      await assertNoSshLeft(ssh.tmp, 'plan over a named socket');
      // Without the path, moor asks the server's docker CLI which socket to use: there is none here.
      const asked = await moor(s, ssh.env, 'plan');
      assert.is(asked.code, 1, show(asked));
      assert.match(asked.stderr, /the docker CLI is needed on the engine's host/, show(asked));
      assert.not.match(asked.stderr, /internal error/);
      await assertNoSshLeft(ssh.tmp, 'a server without a docker CLI');
      assert.is((await moor(s, named, 'destroy')).code, 0);
    });
  } finally {
    await sshd.stop();
  }
});

remote('ssh://: a changed or unknown host key is refused, naming the host and the fingerprint; nothing is left', async () => {
  const sshd = await startSshd(prefix);
  try {
    await withStack(prefix, 'hostkey', async (s) => {
      s.write(body({ restart: 'no', mode: 'one' }));
      const changed = await sshClient(sshd, path.join(s.dir, 'changed'), await otherHostKey(sshd));
      const r1 = await moor(s, changed.env, 'plan');
      assert.is(r1.code, 1, show(r1));
      assert.match(r1.stderr, /^error: cannot reach the Docker engine at ssh:\/\/moor-remote over ssh: the host key of \[127\.0\.0\.1\]:\d+ has CHANGED/m, show(r1));
      assert.ok(r1.stderr.includes(changed.fingerprint), `names the fingerprint ${changed.fingerprint}${show(r1)}`);
      assert.not.match(r1.stderr, /internal error/);
      await assertNoSshLeft(changed.tmp, 'a changed host key');

      const unknown = await sshClient(sshd, path.join(s.dir, 'unknown'), null);
      const r2 = await moor(s, unknown.env, 'apply');
      assert.is(r2.code, 1, show(r2));
      assert.match(r2.stderr, /no host key is known for \[127\.0\.0\.1\]:\d+/, show(r2));
      assert.ok(r2.stderr.includes(unknown.fingerprint), `names the fingerprint ${unknown.fingerprint}${show(r2)}`);
      assert.is(readFileSync(path.join(s.dir, 'unknown', 'known_hosts'), 'utf8'), '', 'the key was not added');
      assert.is(await s.labelledCount(), 0, 'nothing was created');
      await assertNoSshLeft(unknown.tmp, 'an unknown host key');
    });
  } finally {
    await sshd.stop();
  }
});

remote('TLS: apply and plan with DOCKER_TLS_VERIFY and a client certificate; without one, or with an untrusted one, a clear error', async () => {
  await withStack(prefix, 'tls', async (s) => {
    const certs = await makeCerts(path.join(s.dir, 'certs'));
    const proxy = await startTlsProxy(certs, await freePort());
    try {
      const env = { DOCKER_HOST: `tcp://127.0.0.1:${proxy.port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs.client };
      s.write(body({ restart: 'no', mode: 'tls' }));
      const applied = await moor(s, env, 'apply');
      assert.is(applied.code, 0, show(applied));
      assert.ok((await s.container('app'))?.State.Running, 'created over TLS');
      const empty = await moor(s, env, 'plan', '--detailed-exitcode');
      assert.is(empty.code, 0, show(empty));

      const noCert = await moor(s, { ...env, DOCKER_CERT_PATH: certs.noClient }, 'plan');
      assert.is(noCert.code, 1, show(noCert));
      assert.match(noCert.stderr, /^error: cannot talk TLS to the Docker engine at tcp:\/\/127\.0\.0\.1:\d+: .*no client certificate/m, show(noCert));
      assert.not.match(noCert.stderr, /internal error/);
      const wrongCert = await moor(s, { ...env, DOCKER_CERT_PATH: certs.wrongClient }, 'plan');
      assert.is(wrongCert.code, 1, show(wrongCert));
      assert.match(wrongCert.stderr, /^error: cannot talk TLS to the Docker engine at tcp:\/\/127\.0\.0\.1:\d+: the engine refused moor's client certificate/m, show(wrongCert));

      // Without the TLS variables moor speaks plain HTTP, which the TLS endpoint refuses: a clear error.
      const plain = await moor(s, { DOCKER_HOST: `tcp://127.0.0.1:${proxy.port}` }, 'plan');
      assert.is(plain.code, 1, show(plain));
      assert.match(plain.stderr, /^error: cannot reach the Docker engine at tcp:\/\/127\.0\.0\.1:\d+: .*If it expects TLS, set DOCKER_TLS_VERIFY=1/m, show(plain));

      const destroyed = await moor(s, env, 'destroy');
      assert.is(destroyed.code, 0, show(destroyed));
    } finally {
      await proxy.stop();
    }
  });
});

remote('contexts: --context, then DOCKER_HOST, then DOCKER_CONTEXT, then currentContext; an unknown one is an error', async () => {
  await withStack(prefix, 'ctx', async (s) => {
    s.write(body({ restart: 'no', mode: 'ctx' }));
    const config = path.join(s.dir, 'docker-config');
    const docker = (...args: string[]) => run('docker', ['--config', config, ...args]);
    await docker('context', 'create', 't1', '--docker', 'host=unix:///var/run/docker.sock');
    await docker('context', 'create', 'gone', '--docker', `host=unix://${s.dir}/no-engine.sock`);
    const base = { DOCKER_CONFIG: config, DOCKER_HOST: '' };
    const missing = new RegExp(`cannot reach the Docker engine at unix://${s.dir}/no-engine.sock`);

    // currentContext: the CLI's `context use`.
    await docker('context', 'use', 'gone');
    const current = await moor(s, base, 'plan');
    assert.is(current.code, 1, show(current));
    assert.match(current.stderr, missing, show(current));
    assert.match(current.stderr, /no-engine\.sock \(docker context "gone"\): /, show(current));
    // DOCKER_CONTEXT before currentContext; --context before everything, DOCKER_HOST included.
    const byEnv = await moor(s, { ...base, DOCKER_CONTEXT: 't1' }, 'plan');
    assert.is(byEnv.code, 0, show(byEnv));
    const byFlag = await moor(s, { ...base, DOCKER_HOST: `unix://${s.dir}/other.sock` }, 'apply', '--context', 't1');
    assert.is(byFlag.code, 0, show(byFlag));
    assert.ok((await s.container('app'))?.State.Running, 'applied through context t1');
    // DOCKER_HOST before DOCKER_CONTEXT.
    const host = await moor(s, { ...base, DOCKER_CONTEXT: 't1', DOCKER_HOST: `unix://${s.dir}/no-engine.sock` }, 'plan');
    assert.match(host.stderr, missing, show(host));

    const unknown = await moor(s, base, 'plan', '--context', 'nope');
    assert.is(unknown.code, 1, show(unknown));
    assert.match(unknown.stderr, /^error: the docker context "nope" \(from --context\) does not exist in .*known contexts: gone, t1/m, show(unknown));
    const unknownEnv = await moor(s, { ...base, DOCKER_CONTEXT: 'nope2' }, 'plan');
    assert.match(unknownEnv.stderr, /the docker context "nope2" \(from DOCKER_CONTEXT\) does not exist/, show(unknownEnv));

    // backup takes --context too.
    const backup = await runMoor(['backup', 'list', s.relFile, '--context', 'nope'], { env: { ...base, MOOR_SKIP_TYPECHECK: '1' } });
    assert.is(backup.code, 1, show(backup));
    assert.match(backup.stderr, /the docker context "nope" \(from --context\) does not exist/, show(backup));
    const listed = await runMoor(['backup', 'list', s.relFile, '--context', 't1'], { env: { ...base, MOOR_SKIP_TYPECHECK: '1' } });
    assert.is(listed.code, 0, show(listed));

    const destroyed = await moor(s, base, 'destroy', '--context', 't1');
    assert.is(destroyed.code, 0, show(destroyed));
  });
});

remote.run();
