/**
 * runOnce containers on the real engine: a job that exits 0 is done (no drift, not run again), its
 * dependents start after it completed; a changed job runs again; a failing job fails the apply
 * with its exit code and last log lines, and what depends on it is not started.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { newPrefix, show, sweepPrefix, withStack } from './helpers.js';

const prefix = newPrefix();
const once = suite('e2e: runOnce containers');
once.after(() => sweepPrefix(prefix));

const body = (job: string) => `
  const data = volume('data');
  const migrate = container('migrate', {
    image: img, runOnce: true, mounts: [{ volume: data, target: '/data' }],
    command: ['sh', '-c', ${JSON.stringify(job)}],
  });
  container('web', {
    image: img, mounts: [{ volume: data, target: '/data' }], dependsOn: [migrate],
    command: ['sh', '-c', 'test -f /data/migrated && exec sleep 3600'],
  });
`;

once('a job that exits 0 is done: dependents start after it, the next plan is empty, it is not run again; a changed job runs again', () =>
  withStack(prefix, 'ok', async (s) => {
    s.write(body('sleep 1; echo v1 > /data/migrated'));
    let r = await s.apply();
    assert.is(r.code, 0, show(r));
    const job = await s.container('migrate');
    assert.is(job?.State.Status, 'exited');
    assert.is((job?.State as { ExitCode?: number }).ExitCode, 0);
    assert.is((await s.container('web'))?.State.Running, true, 'web found /data/migrated: it started after the job completed');

    r = await s.plan('--detailed-exitcode');
    assert.is(r.code, 0, `a completed job is not drift${show(r)}`);
    r = await s.apply();
    assert.is(r.code, 0, show(r));
    assert.match(r.stdout, /No changes/, show(r));
    assert.is((await s.container('migrate'))?.State.StartedAt, job?.State.StartedAt, 'not run again');

    s.write(body('echo v2 > /data/migrated'));
    r = await s.apply();
    assert.is(r.code, 0, show(r));
    assert.match(r.stdout, /container migrate/, show(r));
    const again = await s.container('migrate');
    assert.is.not(again?.State.StartedAt, job?.State.StartedAt, 'a changed job runs again');
    assert.is(again?.State.Status, 'exited');
    r = await s.plan('--detailed-exitcode');
    assert.is(r.code, 0, show(r));
  }));

once('a failing job fails the apply with its exit code and last log lines; its dependents are not started', () =>
  withStack(prefix, 'fails', async (s) => {
    s.write(body('echo "applying 0042_users"; echo "ERROR: relation users exists" >&2; exit 3'));
    let r = await s.apply();
    assert.is(r.code, 1, show(r));
    const text = r.stdout + r.stderr;
    assert.match(text, /container migrate exited with code 3/, show(r));
    assert.match(text, /ERROR: relation users exists/, show(r));
    assert.match(text, /applying 0042_users/, show(r));
    assert.is(await s.container('web'), undefined, 'web was not created');

    // The next plan says the job runs again, and does not call it drift by a person.
    r = await s.plan();
    assert.match(r.stdout, /state: "exited" → "completed"  # drift: its last run failed \(exit code 3\): it runs again/, show(r));
    s.write(body('echo fixed > /data/migrated'));
    r = await s.apply();
    assert.is(r.code, 0, show(r));
    assert.is((await s.container('web'))?.State.Running, true);
  }));

once.run();
