/**
 * The build function: an async one is awaited (never a partial stack); a declaration from a promise
 * it did not await, or a throw, stops the command at the stack file's line with nothing changed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { newPrefix, show, sweepPrefix, withStack, type TestStack } from './helpers.js';

const prefix = newPrefix();
const build = suite('e2e: build function');
build.after(() => sweepPrefix(prefix));

function source(s: TestStack, head: string, body: string): string {
  return `import { stack } from 'moor';

export default stack(${JSON.stringify(s.name)}, ${head} {
  const img = image('tools', { build: { context: ${JSON.stringify(s.toolsContext)} } });
${body}
});
`;
}

const A = `  container('a', { image: img, command: ['sleep', '3600'] });`;

build('an async build function is awaited: containers declared after an await are kept, and apply again is empty', () =>
  withStack(prefix, 'async', async (s) => {
    s.writeRaw(source(s, '({ image, container }) =>', `${A}\n  container('b', { image: img, command: ['sleep', '3600'] });`));
    let r = await s.apply();
    assert.is(r.code, 0, show(r));
    // The same stack, now reading its "configuration" asynchronously before declaring b.
    s.writeRaw(source(s, 'async ({ image, container }) =>', `${A}\n  const replicas = await new Promise<number>((ok) => setTimeout(() => ok(1), 20));\n  if (replicas) container('b', { image: img, command: ['sleep', '3600'] });`));
    r = await s.plan('--detailed-exitcode');
    assert.is(r.code, 0, `no change: b is still in the stack${show(r)}`);
    r = await s.apply();
    assert.is(r.code, 0, show(r));
    assert.is((await s.container('b'))?.State.Running, true, 'b still runs');
  }));

build('a declaration from a promise the build function did not await: plan and apply fail at its line, nothing is deleted', () =>
  withStack(prefix, 'late', async (s) => {
    s.writeRaw(source(s, '({ image, container }) =>', `${A}\n  container('b', { image: img, command: ['sleep', '3600'] });`));
    let r = await s.apply();
    assert.is(r.code, 0, show(r));
    const text = source(s, '({ image, container }) =>', `${A}\n  void Promise.resolve().then(() => container('b', { image: img, command: ['sleep', '3600'] }));`);
    s.writeRaw(text);
    const line = text.split('\n').findIndex((l) => l.includes('void Promise')) + 1;
    for (r of [await s.plan(), await s.apply()]) {
      assert.is(r.code, 1, show(r));
      assert.match(r.stderr, new RegExp(`${s.relFile.replace(/[.]/g, '\\.')}:${line}:\\d+ container\\.b`), show(r));
      assert.match(r.stderr, /declared after the stack's build function had finished/, show(r));
      assert.not.match(r.stdout + r.stderr, /    at /, 'no stack trace');
    }
    assert.is((await s.container('b'))?.State.Running, true, 'b was not removed');
  }));

build('a build function that throws names the line that threw', () =>
  withStack(prefix, 'throws', async (s) => {
    const text = source(s, '({ image, container }) =>', `${A}\n  if (!process.env.NO_SUCH_VARIABLE_HERE) throw new Error('set NO_SUCH_VARIABLE_HERE');`);
    s.writeRaw(text);
    const line = text.split('\n').findIndex((l) => l.includes('throw new Error')) + 1;
    const r = await s.plan();
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, new RegExp(`${s.relFile.replace(/[.]/g, '\\.')}:${line}:\\d+: the stack's build function threw: set NO_SUCH_VARIABLE_HERE`), show(r));
    assert.is(await s.labelledCount(), 0);
  }, { skipTypecheck: true }));

build.run();
