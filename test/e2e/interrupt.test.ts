/**
 * Ctrl-C during apply on the real engine: the step in flight finishes, nothing new starts, moor
 * says what was done and what was not and exits 130; the next apply converges and plan is empty.
 */
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MOOR_BIN, REPO, newPrefix, show, sweepPrefix, withStack } from './helpers.js';

const prefix = newPrefix();
const interrupt = suite('e2e: Ctrl-C during apply');
interrupt.after(() => sweepPrefix(prefix));

/** Run moor apply; send SIGINT (count times, 30 ms apart) as soon as stderr shows `when`. */
function applyInterrupted(file: string, env: Record<string, string>, when: RegExp, count: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MOOR_BIN, 'apply', file, '--yes', '--concurrency', '1'], { cwd: REPO, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (!sent && when.test(stderr)) {
        sent = true;
        for (let i = 0; i < count; i++) setTimeout(() => child.kill('SIGINT'), i * 30);
      }
    });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`apply did not end\n${stdout}\n${stderr}`)); }, 120_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? 1, stdout, stderr }); });
  });
}

const BODY = `
  const backend = network('backend');
  const db = container('db', { image: img, command: ['sh', '-c', 'sleep 2; touch /ready; exec sleep 3600'], networks: [backend],
    healthcheck: { test: ['CMD', 'sh', '-c', 'test -f /ready'], interval: '1s' } });
  container('web', { image: img, command: ['sleep', '3600'], networks: [backend] });
  container('api', { image: img, command: ['sleep', '3600'], networks: [backend], dependsOn: [{ container: db, condition: 'healthy' }] });
`;

interrupt('one Ctrl-C: what is in flight finishes, the rest is listed as not started, exit 130; the next apply converges', () =>
  withStack(prefix, 'once', async (s) => {
    s.write(BODY);
    const r = await applyInterrupted(s.relFile, { MOOR_SKIP_TYPECHECK: '1', MOOR_CACHE_DIR: `${s.dir}/cache` }, /network backend: creating/, 1);
    const run = { ...r, command: 'moor apply (Ctrl-C)' };
    assert.is(r.code, 130, show(run));
    assert.match(r.stderr, /Ctrl-C: finishing the steps in flight/, show(run));
    assert.match(r.stdout, /Apply interrupted: .*not started\./, show(run));
    assert.match(r.stdout, /not started: container\.api \(create\)/, show(run));
    assert.match(r.stdout, /Run the same command again to converge/, show(run));
    assert.not.match(r.stdout + r.stderr, /    at /, 'no stack trace');
    assert.is(await s.container('api'), undefined, 'nothing new was started after Ctrl-C');

    const again = await s.apply();
    assert.is(again.code, 0, show(again));
    assert.is((await s.container('api'))?.State.Running, true);
    const plan = await s.plan('--detailed-exitcode');
    assert.is(plan.code, 0, show(plan));
  }, { skipTypecheck: true }));

interrupt('a second Ctrl-C stops at once with exit 130; the next apply converges', () =>
  withStack(prefix, 'twice', async (s) => {
    s.write(BODY);
    const r = await applyInterrupted(s.relFile, { MOOR_SKIP_TYPECHECK: '1', MOOR_CACHE_DIR: `${s.dir}/cache` }, /image tools: creating/, 2);
    assert.is(r.code, 130, show({ ...r, command: 'moor apply (Ctrl-C twice)' }));
    assert.match(r.stderr, /Apply aborted/, r.stderr);
    const again = await s.apply();
    assert.is(again.code, 0, show(again));
    const plan = await s.plan('--detailed-exitcode');
    assert.is(plan.code, 0, show(plan));
  }, { skipTypecheck: true }));

interrupt.run();
