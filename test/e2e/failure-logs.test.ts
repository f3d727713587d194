/**
 * When a container fails to start or to become healthy during apply, the failure shows its last
 * log lines (the runOnce job's case is in run-once.test.ts). One apply, two failures: a container
 * that exits at once while its dependent waits for it, and one whose healthcheck fails.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { newPrefix, show, sweepPrefix, withStack } from './helpers.js';

const prefix = newPrefix();
const failing = suite('e2e: failures during apply show the container\'s last log lines');
failing.after(() => sweepPrefix(prefix));

failing('a container that exits, and one that turns unhealthy: each failure names it with its last log lines; dependents are not started', () =>
  withStack(prefix, 'fail', async (s) => {
    s.write(`
  const crash = container('crash', { image: img, command: ['sh', '-c', 'echo crash-says-hello; echo "fatal: no config" >&2; sleep 0.5; exit 3'],
    healthcheck: { test: ['CMD', 'false'], interval: '5s' } });
  container('after-crash', { image: img, command: ['sleep', '60'], dependsOn: [{ container: crash, condition: 'healthy' }] });
  const sick = container('sick', { image: img, command: ['sh', '-c', 'echo sick-is-up; exec sleep 3600'],
    healthcheck: { test: ['CMD', 'false'], interval: '500ms', retries: 1 } });
  container('after-sick', { image: img, command: ['sleep', '60'], dependsOn: [{ container: sick, condition: 'healthy' }] });
`);
    const r = await s.apply('--wait-timeout', '30s');
    assert.is(r.code, 1, show(r));
    const text = r.stdout + r.stderr;
    // stdout and stderr lines written within microseconds: the engine's timestamps may put either first.
    const crash = /container crash is exited \(exit code 3\), so what depends on it cannot start\n\s+last log lines of crash:\n((?:\s{4}.*\n?){2})/.exec(text);
    assert.ok(crash, show(r));
    assert.equal(crash![1]!.trim().split(/\n\s*/).sort(), ['crash-says-hello', 'fatal: no config'], show(r));
    assert.match(text, /container sick is unhealthy \(last check exited 1, printing nothing\)\n\s+last log lines of sick:\n\s+sick-is-up/, show(r));
    // Created before the wait, never started.
    assert.is((await s.container('after-crash'))?.State.Status, 'created');
    assert.is((await s.container('after-sick'))?.State.Status, 'created');
  }, { skipTypecheck: true }));

failing('a container nothing waits for that exits right after it started fails the apply (not "Apply complete"), with its last log lines; fixed, the next apply converges', () =>
  withStack(prefix, 'alone', async (s) => {
    s.write(`
  container('lonely', { image: img, command: ['sh', '-c', 'echo "lonely: missing DATABASE_URL" >&2; exit 2'] });
  container('fine', { image: img, command: ['sleep', '60'] });
`);
    const r = await s.apply();
    assert.is(r.code, 1, show(r));
    const text = r.stdout + r.stderr;
    assert.not.match(text, /Apply complete/, show(r));
    assert.match(text, /container lonely exited right after it started \(Exited \(2\)[^)]*\)\n\s+last log lines of lonely:\n\s+lonely: missing DATABASE_URL/, show(r));
    assert.is((await s.container('fine'))?.State.Status, 'running');
    s.write(`
  container('lonely', { image: img, command: ['sleep', '60'] });
  container('fine', { image: img, command: ['sleep', '60'] });
`);
    const fixed = await s.apply();
    assert.is(fixed.code, 0, show(fixed));
    assert.is((await s.plan('--detailed-exitcode')).code, 0);
  }, { skipTypecheck: true }));

failing.run();
