/**
 * Build contexts honour `.dockerignore` on the real engine: what it excludes is neither uploaded
 * (the built image does not hold it) nor hashed (editing it plans no rebuild).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, newPrefix, REPO, show, sweepPrefix, withStack } from './helpers.js';

const prefix = newPrefix();
const ignore = suite('e2e: .dockerignore');
ignore.after(() => sweepPrefix(prefix));

const DOCKERIGNORE = ['# test context', 'big', '*.env', '!public.env', 'Dockerfile', ''].join('\n');

ignore('a big ignored folder and an ignored secret stay out of the image; editing them plans nothing; a sent file rebuilds', () =>
  withStack(prefix, 'ctx', async (s) => {
    const ctx = path.join(s.dir, 'ctx');
    mkdirSync(path.join(ctx, 'big', 'deep'), { recursive: true });
    execFileSync('bash', [path.join(REPO, 'scripts/prepare-busybox.sh'), ctx]);
    // The Dockerfile is ignored too: Docker still sends it (the build would fail without it).
    writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCOPY . /ctx\n');
    writeFileSync(path.join(ctx, '.dockerignore'), DOCKERIGNORE);
    writeFileSync(path.join(ctx, 'app.txt'), 'v1');
    writeFileSync(path.join(ctx, 'public.env'), 'MODE=demo');
    writeFileSync(path.join(ctx, 'db.env'), 'PASSWORD=hunter2');
    // 256 MB that would travel on every build and be read on every plan.
    writeFileSync(path.join(ctx, 'big', 'blob.bin'), '');
    truncateSync(path.join(ctx, 'big', 'blob.bin'), 256 * 1024 * 1024);
    writeFileSync(path.join(ctx, 'big', 'deep', 'note.txt'), 'x');
    s.writeRaw(`import { stack } from 'moor';

export default stack(${JSON.stringify(s.name)}, ({ image, container }) => {
  const img = image('ctx', { build: { context: 'ctx' } });
  container('lister', { image: img, command: ['sh', '-c', 'find /ctx | sort; echo END; sleep 3600'] });
});
`);
    let r = await s.apply();
    assert.is(r.code, 0, show(r));

    // What the image holds, listed by a container of it.
    const logs = await eventually('the lister container to list /ctx', async () => {
      const out = (await s.engine.requestRaw('GET', `/containers/${s.en('lister')}/logs`, { query: { stdout: 1 } })).toString();
      return out.includes('END') ? out : undefined;
    });
    const listed = logs.split('\n').map((l) => l.replace(/^[^/]*/, '').trim()).filter((l) => l.startsWith('/ctx'));
    for (const kept of ['/ctx/app.txt', '/ctx/public.env', '/ctx/busybox']) assert.ok(listed.includes(kept), `${kept} in the image: ${listed.join(' ')}`);
    for (const gone of ['/ctx/big', '/ctx/big/blob.bin', '/ctx/big/deep/note.txt', '/ctx/db.env']) assert.not.ok(listed.includes(gone), `${gone} is not in the image: ${listed.join(' ')}`);
    const [built] = (await s.labelled()).images;
    assert.ok(built, 'the image was built');
    const image = await s.engine.request<{ Size: number }>('GET', `/images/${built!.id}/json`);
    assert.ok(image.Size < 32 * 1024 * 1024, `the image is small (${image.Size} bytes): the big folder was not copied`);

    r = await s.plan('--detailed-exitcode');
    assert.is(r.code, 0, `applied: empty plan${show(r)}`);

    // Editing ignored files, and adding one to the ignored folder, changes nothing.
    writeFileSync(path.join(ctx, 'db.env'), 'PASSWORD=changed');
    writeFileSync(path.join(ctx, 'big', 'deep', 'new.txt'), 'y');
    writeFileSync(path.join(ctx, 'other.env'), 'TOKEN=abc');
    r = await s.plan('--detailed-exitcode');
    assert.is(r.code, 0, `ignored files edited: no rebuild${show(r)}`);

    // A sent file, or the .dockerignore itself, does.
    writeFileSync(path.join(ctx, 'public.env'), 'MODE=prod');
    r = await s.plan('--detailed-exitcode');
    assert.is(r.code, 2, `a sent file changed: rebuild${show(r)}`);
    assert.match(r.stdout, /image ctx  \(rebuild: content of the build context changed\)/, show(r));
    r = await s.apply();
    assert.is(r.code, 0, show(r));
    r = await s.plan('--detailed-exitcode');
    assert.is(r.code, 0, `applied again: empty plan${show(r)}`);
    writeFileSync(path.join(ctx, '.dockerignore'), `${DOCKERIGNORE}other.env\n`);
    r = await s.plan('--detailed-exitcode');
    assert.is(r.code, 2, `.dockerignore changed: rebuild${show(r)}`);
  }));

ignore.run();
