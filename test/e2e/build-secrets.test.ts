/**
 * Build secrets on the real engine: an image whose Dockerfile mounts a secret
 * (`RUN --mount=type=secret,id=token`) is built through moor's BuildKit session.
 * - the build step saw the value (the image holds its md5, written by that step);
 * - the value is nowhere else: not in the image's config or history, not in the plan (text or
 *   --json), not in apply's output; the applied stack plans empty;
 * - a secret that is not set is a plan error naming the image and build.secrets.<id>;
 * - the session also works when the engine connection is a command's stdio (CommandConn, what the
 *   ssh:// transport uses: `socat` to the local socket stands in for `ssh … docker system dial-stdio`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildImage } from '../../core/apply/image.js';
import { EngineClient } from '../../core/engine/client.js';
import { CommandConn } from '../../core/engine/command-conn.js';
import { execInContainer } from '../../core/engine/exec.js';
import { newPrefix, REPO, runMoor, show, sweepPrefix, TOOLS, withStack } from './helpers.js';

const prefix = newPrefix();
const bs = suite('e2e: build secrets');
bs.after(() => sweepPrefix(prefix));

const TOKEN = `tok-${randomBytes(12).toString('hex')}`;

bs('a secret mounted into one build step reaches it and nothing else', async () => {
  await withStack(prefix, 'bs', async (s) => {
    const ctx = path.join(s.dir, 'ctx');
    mkdirSync(ctx, { recursive: true });
    copyFileSync(path.join(TOOLS, 'busybox'), path.join(ctx, 'busybox'));
    // A nonce of this run before the step: BuildKit's cache key does not cover secret values.
    writeFileSync(path.join(ctx, 'nonce'), prefix);
    writeFileSync(path.join(ctx, 'Dockerfile'), [
      'FROM scratch', 'COPY busybox /bin/busybox', 'RUN ["/bin/busybox", "--install", "-s", "/bin"]', 'COPY nonce /nonce',
      'RUN --mount=type=secret,id=token md5sum /run/secrets/token | cut -c1-32 > /token.md5', '',
    ].join('\n'));
    s.writeRaw(`import { stack, secret } from 'moor';

export default stack(${JSON.stringify(s.name)}, ({ image, container }) => {
  const img = image('tok', { build: { context: './ctx', secrets: { token: secret('MOOR_E2E_BUILD_TOKEN') } } });
  container('app', { image: img, command: ['sh', '-c', 'exec sleep 3600'], stopSignal: 'SIGKILL' });
});
`);
    const env = { MOOR_E2E_BUILD_TOKEN: TOKEN, MOOR_CACHE_DIR: path.join(s.dir, '..', 'cache') };
    const moor = (...args: string[]) => runMoor([...args], { env });

    const unset = await runMoor(['plan', s.relFile], { env: { MOOR_CACHE_DIR: env.MOOR_CACHE_DIR, MOOR_E2E_BUILD_TOKEN: undefined } });
    assert.is(unset.code, 1, show(unset));
    assert.match(unset.stderr, /image\.tok › build\.secrets\.token: secret MOOR_E2E_BUILD_TOKEN is not set \(not in the environment, --env-file or \.env\)/, show(unset));

    const planned = await moor('plan', s.relFile, '--json');
    assert.is(planned.code, 0, show(planned));
    const text = await moor('plan', s.relFile);
    assert.match(text.stdout, /\+ +image tok/, show(text));
    const applied = await moor('apply', s.relFile, '--yes');
    assert.is(applied.code, 0, show(applied));
    for (const r of [planned, text, applied]) assert.not.ok((r.stdout + r.stderr).includes(TOKEN), `the value is not in the output${show(r)}`);

    const md5 = await execInContainer(s.engine, s.en('app'), ['cat', '/token.md5'], { timeoutMs: 10_000 });
    assert.is(md5.stdout.trim(), createHash('md5').update(TOKEN).digest('hex'), 'the build step read the secret');
    const ls = await execInContainer(s.engine, s.en('app'), ['sh', '-c', 'cat /run/secrets/token 2>&1; true'], { timeoutMs: 10_000 });
    assert.not.ok(ls.stdout.includes(TOKEN), 'the secret is not in the image');
    const ref = `${s.name}-tok:latest`;
    const config = JSON.stringify(await s.engine.request('GET', `/images/${encodeURIComponent(ref)}/json`));
    const history = JSON.stringify(await s.engine.request('GET', `/images/${encodeURIComponent(ref)}/history`));
    assert.not.ok(config.includes(TOKEN) || history.includes(TOKEN), 'not in the image config or history');
    assert.match(history, /RUN --mount=type=secret,id=token|md5sum \/run\/secrets\/token/);

    const again = await moor('plan', s.relFile, '--detailed-exitcode');
    assert.is(again.code, 0, `applied stack plans empty${show(again)}`);
    const destroyed = await moor('destroy', s.relFile, '--yes');
    assert.is(destroyed.code, 0, show(destroyed));
  });
});

bs('the session works over a command connection (the kind of stream the ssh:// transport dials)', async () => {
  const client = new EngineClient();
  const ctx = path.join(REPO, 'test/.tmp', prefix, 'conn-ctx');
  const ref = `${prefix}-conn:latest`;
  // Every connection of this client is `socat - UNIX-CONNECT:…`, a child process's stdio.
  const transport = (client as unknown as { transport: { dial: (done: (e: Error | null, s?: CommandConn) => void) => void } }).transport;
  transport.dial = (done) => done(null, new CommandConn(spawn('socat', ['-', 'UNIX-CONNECT:/var/run/docker.sock']), (code, err) => new Error(`socat exited ${code}: ${err}`)));
  try {
    mkdirSync(ctx, { recursive: true });
    copyFileSync(path.join(TOOLS, 'busybox'), path.join(ctx, 'busybox'));
    writeFileSync(path.join(ctx, 'nonce'), `${prefix}-conn`);
    writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCOPY nonce /nonce\nRUN --mount=type=secret,id=t md5sum /run/secrets/t | cut -c1-32 > /t.md5\n');
    await buildImage(client, prefix, {
      kind: 'image', name: 'conn', ref, labels: {},
      build: { context: ctx, dockerfile: 'Dockerfile', args: {}, contextHash: '', secrets: { t: 'env:T' } },
    }, new Map([['env:T', TOKEN]]));
    const out = execFileSync('docker', ['run', '--rm', ref, 'cat', '/t.md5'], { encoding: 'utf8' });
    assert.is(out.trim(), createHash('md5').update(TOKEN).digest('hex'));
  } finally {
    client.close();
    const local = new EngineClient();
    await local.request('DELETE', `/images/${encodeURIComponent(ref)}`).catch(() => undefined);
    local.close();
  }
});

bs.run();
