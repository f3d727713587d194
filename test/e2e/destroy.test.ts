/**
 * destroy removes everything the stack owns but its volumes; --volumes removes those too.
 * Removing a volume from the stack is data loss: apply refuses it without --allow-data-loss.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { demoBody, freePort, inspectVolume, newPrefix, planSummary, show, sweepPrefix, withStack } from './helpers.js';

const prefix = newPrefix();
const destroy = suite('e2e: destroy');
destroy.after(() => sweepPrefix(prefix));

destroy('destroy keeps only the volume; destroy --volumes removes it too', () =>
  withStack(prefix, 'destroy', async (s) => {
    const port = await freePort();
    s.write(demoBody({ port }));
    const applied = await s.apply();
    assert.is(applied.code, 0, show(applied));
    const before = await s.labelled();
    assert.is(before.containers.length, 2);
    assert.is(before.images.length, 1);

    const d = await s.destroy();
    assert.is(d.code, 0, show(d));
    assert.match(d.stdout, new RegExp(`volume ${s.en('data')} is kept`), show(d));
    const left = await s.labelled();
    assert.equal(left.containers, [], 'no container left');
    assert.equal(left.networks, [], 'no network left');
    assert.equal(left.images, [], 'no image left');
    assert.equal(left.volumes.map((v) => v.name), [s.en('data')], 'only the data volume is left');
    assert.is(await s.container('db'), undefined);

    const again = await s.destroy();
    assert.is(again.code, 0, `a second destroy has nothing to do${show(again)}`);
    assert.ok(await inspectVolume(s.engine, s.en('data')), 'the volume is still kept');

    const all = await s.destroy('--volumes');
    assert.is(all.code, 0, show(all));
    // The volume holds no files: moor measured it, so it is deleted without the data-loss warning.
    assert.match(all.stdout, /-   volume data  \(destroy --volumes\)/, show(all));
    assert.not.match(all.stdout, /DATA LOSS/, show(all));
    assert.is(await inspectVolume(s.engine, s.en('data')), undefined, 'the volume is gone');
    assert.is(await s.labelledCount(), 0, 'nothing labelled with the stack remains');
  }, { skipTypecheck: true }));

const withVolume = `
  const data = volume('data');
  container('db', {
    image: img,
    command: ['sh', '-c', 'echo precious > /data/file; exec sleep 3600'],
    mounts: [{ volume: data, target: '/data' }],
    stopSignal: 'SIGKILL',
  });
`;
const withoutVolume = `
  container('db', {
    image: img,
    command: ['sh', '-c', 'echo precious > /data/file; exec sleep 3600'],
    stopSignal: 'SIGKILL',
  });
`;

destroy('removing a volume from the stack is refused without --allow-data-loss, done with it', () =>
  withStack(prefix, 'dataloss', async (s) => {
    s.write(withVolume);
    const applied = await s.apply();
    assert.is(applied.code, 0, show(applied));
    const db0 = await s.container('db');
    assert.ok(db0?.State.Running);

    s.write(withoutVolume);
    const plan = await s.plan('--detailed-exitcode');
    assert.is(plan.code, 2, show(plan));
    assert.match(plan.stdout, /-\s+volume data/, show(plan));
    assert.match(plan.stdout, /DATA LOSS: volume/, show(plan));

    const refused = await s.apply();
    assert.is(refused.code, 1, show(refused));
    assert.match(refused.stderr, new RegExp(`refusing to delete volume ${s.en('data')}`), show(refused));
    assert.match(refused.stderr, /--allow-data-loss/, show(refused));
    assert.ok(await inspectVolume(s.engine, s.en('data')), 'the volume is still there');
    const db1 = await s.container('db');
    assert.is(db1?.Id, db0.Id, 'nothing was changed: the container was not replaced either');
    assert.is(db1?.State.Running, true);

    const allowed = await s.apply('--allow-data-loss');
    assert.is(allowed.code, 0, show(allowed));
    assert.is(await inspectVolume(s.engine, s.en('data')), undefined, 'the volume is gone');
    const db2 = await s.container('db');
    assert.ok(db2 && db2.Id !== db0.Id, 'db was recreated without the mount');
    assert.equal(db2.Mounts.filter((m) => m.Type === 'volume' && m.Name === s.en('data')), []);

    const after = await s.plan('--detailed-exitcode');
    assert.is(after.code, 0, show(after));
    assert.is(planSummary(after.stdout), 'none');
  }, { skipTypecheck: true }));

destroy('destroy honours a container\'s stopTimeout instead of waiting the default 10 s', () =>
  withStack(prefix, 'stoptime', async (s) => {
    // `sleep` as PID 1 ignores SIGTERM: the engine kills it after the stop timeout.
    s.write(`
  container('sleeper', { image: img, command: ['sleep', '3600'], stopTimeout: 1 });
`);
    const applied = await s.apply();
    assert.is(applied.code, 0, show(applied));
    const started = Date.now();
    const d = await s.destroy();
    const seconds = (Date.now() - started) / 1000;
    assert.is(d.code, 0, show(d));
    assert.is(await s.container('sleeper'), undefined);
    // The container's own step: the whole command also deletes the image, which a loaded disk can slow down.
    const step = Number(/container sleeper: removed in ([\d.]+)s/.exec(d.stderr)?.[1] ?? seconds);
    assert.ok(step < 6, `removing the container took ${step.toFixed(1)} s (destroy ${seconds.toFixed(1)} s) with stopTimeout: 1${show(d)}`);
  }, { skipTypecheck: true }));

destroy.run();
