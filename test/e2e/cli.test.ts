/**
 * The CLI's conventions on the real engine: apply --json writes JSON lines only to stdout (plan,
 * steps, summary; errors too), human text to stderr; a directory or no argument finds moor.ts or
 * stack.ts; a directory without one and a missing file are one-line errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { newPrefix, runMoor, show, sweepPrefix, withStack } from './helpers.js';

const prefix = newPrefix();
const cli = suite('e2e: CLI conventions');
cli.after(() => sweepPrefix(prefix));

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

cli('apply --json: stdout is JSON lines (plan, step events, summary); stderr is for people', () =>
  withStack(prefix, 'json', async (s) => {
    s.write(`  container('web', { image: img, command: ['sleep', '3600'] });`);
    const r = await s.apply('--json');
    assert.is(r.code, 0, show(r));
    const events = lines(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.is(events[0]!.type, 'plan', show(r));
    assert.equal((events[0]!.plan as { summary: unknown }).summary, { create: 2, update: 0, replace: 0, migrate: 0, delete: 0 });
    const ends = events.filter((e) => e.type === 'step' && e.event === 'end');
    assert.equal(ends.map((e) => [e.resource, e.outcome]).sort(), [['container.web', 'done'], ['image.tools', 'done']]);
    assert.equal(events.at(-1), { type: 'summary', ok: true, interrupted: false, changes: true, steps: { done: 2, failed: 0, skipped: 0, cancelled: 0 } });
    assert.match(r.stderr, /Apply complete/, 'the human summary is on stderr');
    // Which engine: in the plan event, and the first line for people.
    assert.is((events[0]!.plan as { engine: { endpoint: string } }).engine.endpoint, 'unix:///var/run/docker.sock', show(r));
    assert.match(r.stderr.split('\n')[0]!, /^Engine: unix:\/\/\/var\/run\/docker\.sock \(Docker Engine [^,]+, API 1\.\d+\)$/, show(r));
    const plan = await s.plan();
    assert.match(plan.stdout.split('\n')[0]!, /^Engine: unix:\/\/\/var\/run\/docker\.sock \(Docker Engine [^,]+, API 1\.\d+\)$/, show(plan));

    const again = await s.apply('--json');
    assert.equal(lines(again.stdout).map((l) => (JSON.parse(l) as { type: string }).type), ['plan', 'summary'], show(again));

    s.write(`  container('web', { image: img, colour: 'blue' });`);
    const bad = await s.apply('--json');
    assert.is(bad.code, 1, show(bad));
    const [err] = lines(bad.stdout).map((l) => JSON.parse(l) as { type: string; kind: string; diagnostics: { resource: string; line: number }[] });
    assert.is(err?.type, 'error', show(bad));
    assert.is(err?.kind, 'diagnostics');
    assert.is(err?.diagnostics[0]?.resource, 'container.web');
    assert.type(err?.diagnostics[0]?.line, 'number');
  }, { skipTypecheck: true }));

cli('a directory, or no argument, finds its stack file; none there, or a missing file, is a one-line error', () =>
  withStack(prefix, 'find', async (s) => {
    s.write(`  container('web', { image: img, command: ['sleep', '3600'] });`);
    const env = { MOOR_SKIP_TYPECHECK: '1' };
    let r = await runMoor(['plan', s.dir], { env });
    assert.is(r.code, 0, show(r));
    assert.match(r.stdout, /\+\s+container web/, show(r));
    r = await runMoor(['plan'], { env, cwd: s.dir });
    assert.is(r.code, 0, show(r));
    assert.match(r.stdout, /\+\s+container web/, show(r));

    const empty = mkdtempSync(path.join(os.tmpdir(), `${prefix}-empty-`));
    try {
      r = await runMoor(['plan', empty], { env });
      assert.is(r.code, 1, show(r));
      assert.is(lines(r.stderr)[0], `error: no stack file in ${empty}: name one (moor plan path/to/stack.ts) or call it moor.ts or stack.ts`, show(r));
      r = await runMoor(['plan', path.join(empty, 'nope.ts')], { env });
      assert.is(r.code, 1, show(r));
      assert.match(lines(r.stderr)[0]!, /^error: stack file not found: .*nope\.ts$/, show(r));
      assert.not.match(r.stderr, /    at /, 'no stack trace');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }));

cli.run();
