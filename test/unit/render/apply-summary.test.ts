import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApplyResult, StepResult } from '../../../core/apply/apply.js';
import { ApplyError } from '../../../core/apply/failure.js';
import { WaitError } from '../../../core/apply/wait.js';
import { EngineError, EngineUnreachableError } from '../../../core/engine/errors.js';
import { renderApplySummary } from '../../../core/render/apply-summary.js';
import { plainStyle } from '../../../core/render/style.js';

const summary = suite('renderApplySummary: what to do after a failed apply');

const failed = (resource: string, error: unknown): StepResult => ({ id: `${resource}:create`, resource, action: 'create', phase: 'create', outcome: { status: 'failed', error }, ms: 1 });
const done = (resource: string): StepResult => ({ id: `${resource}:create`, resource, action: 'create', phase: 'create', outcome: { status: 'done' }, ms: 1 });
const render = (...steps: StepResult[]) => renderApplySummary({ steps, ok: false, interrupted: false } satisfies ApplyResult, plainStyle);
const RERUN = 'Run the same command again to converge what is left.';

summary('an engine that could not be reached, a timeout, a transient 5xx: a re-run converges', () => {
  for (const e of [
    new EngineUnreachableError('unix:///var/run/docker.sock', new Error('connect ECONNREFUSED')),
    new WaitError('timed out after 60s waiting for container db to be healthy (--wait-timeout)'),
    new EngineError(503, 'service unavailable', 'POST /containers/create'),
    new EngineError(500, 'Get "https://registry/v2/": net/http: TLS handshake timeout', 'POST /images/create'),
    new EngineError(500, 'rename failed: device or resource busy', 'POST /containers/x/rename'),
  ]) {
    const text = render(done('network.backend'), failed('container.web', e));
    assert.ok(text.endsWith(RERUN), text);
  }
});

summary('errors that will repeat say what to fix, not "run again" (it said "run again" before)', () => {
  for (const e of [
    new EngineError(400, 'Invalid signal: SIGFOO', 'POST /containers/create'),
    new EngineError(500, 'failed to allocate gateway (10.232.0.1): Requested address is out of range', 'POST /networks/create'),
    new ApplyError('image x:1 is not on the engine and could not be pulled: no such host', false),
    new WaitError('container db is exited (exit code 1), so what depends on it cannot start'),
  ]) {
    const text = render(failed('container.web', e));
    assert.not.ok(text.includes(RERUN), text);
    assert.match(text, /would fail the same way: fix what the failures above name/);
  }
});

summary('mixed: what to fix, and which failures may pass on a re-run', () => {
  const text = render(
    failed('container.web', new EngineError(400, 'Invalid signal: SIGFOO', 'POST /containers/create')),
    failed('container.db', new EngineUnreachableError('unix:///x', new Error('ECONNRESET'))),
  );
  assert.equal(text.split('\n'), [
    'Apply incomplete: 0 created, 0 updated, 0 replaced, 0 removed; 2 failed, 0 not attempted.',
    '  failed:  container.web (create): POST /containers/create: engine answered 400: Invalid signal: SIGFOO',
    `  failed:  container.db (create): cannot reach the Docker engine at unix:///x: ECONNRESET`,
    'Is dockerd running? moor looks at --context, DOCKER_HOST, DOCKER_CONTEXT and the docker CLI\'s current context, or /var/run/docker.sock without any (docs/remote.md).',
    'Running the same command again would fail the same way: fix what the failures above name (the stack, or what is in its way on the engine), then apply again.',
    'The failures of container.db may pass on a re-run.',
  ]);
});

summary('a failed pull with nothing else done: the engine was not changed', () => {
  const skipped: StepResult = { id: 'network.backend:create', resource: 'network.backend', action: 'create', phase: 'create', outcome: { status: 'skipped', because: 'image.x:1:create' }, ms: 0 };
  const text = render(failed('image.x:1', new ApplyError('image x:1 is not on the engine and could not be pulled: no such host', false)), skipped);
  assert.match(text, /skipped: network\.backend \(create\), because image\.x:1 failed\nNothing on the engine was changed\.\nRunning the same command again would fail the same way/);
  assert.not.match(render(done('network.backend'), failed('image.x:1', new Error('x'))), /Nothing on the engine was changed/);
});

summary.run();
