/**
 * Invalid stacks: every problem is reported at once, naming the stack file (file:line:col), the
 * resource and the field; plan and apply exit 1 and nothing is created on the engine.
 * One test runs on the real type-check path (no MOOR_SKIP_TYPECHECK).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { newPrefix, show, sweepPrefix, withStack, type RunResult, type TestStack } from './helpers.js';

const prefix = newPrefix();
const validation = suite('e2e: validation');
validation.after(() => sweepPrefix(prefix));

/** Three resources, three different mistakes: a port of the wrong type, an unknown option, a network by name. */
const INVALID_BODY = `
  const backend = network('backend');
  container('db', { image: img, command: ['sleep', '3600'], ports: [{ container: true, host: 8081 }] });
  container('web', { image: img, colour: 'blue' });
  container('api', { image: img, networks: ['backend'] });
`;

/** 1-based line and column of the first occurrence of `needle` in the stack file. */
function position(s: TestStack, source: string, needle: string): string {
  const lines = source.split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `"${needle}" is in the stack file`);
  return `${s.relFile}:${i + 1}:${lines[i]!.indexOf(needle) + 1}`;
}

async function assertNothingCreated(s: TestStack, r: RunResult): Promise<void> {
  assert.match(r.stderr, /3 errors; nothing was changed\./, show(r));
  assert.not.match(r.stdout, /Apply complete/, show(r));
  assert.is(await s.labelledCount(), 0, 'nothing labelled with the stack exists');
  assert.is(await s.container('db'), undefined);
}

validation('an invalid stack reports every error with file, line, resource and field; nothing is created', () =>
  withStack(prefix, 'invalid', async (s) => {
    s.write(INVALID_BODY);
    const source = (await import('node:fs')).readFileSync(s.file, 'utf8');

    for (const r of [await s.plan(), await s.apply()]) {
      assert.is(r.code, 1, show(r));
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
      assert.is(errors.length, 3, `three diagnostics${show(r)}`);
      // Each diagnostic points at the line of the stack file that declared the resource.
      const at = (decl: string) => `error: ${position(s, source, decl)} `;
      const db = errors.find((l) => l.includes('container.db'));
      const web = errors.find((l) => l.includes('container.web'));
      const api = errors.find((l) => l.includes('container.api'));
      assert.ok(db && web && api, `one diagnostic per container${show(r)}`);
      assert.ok(db.startsWith(at("container('db'")), `db diagnostic names ${position(s, source, "container('db'")}:\n${db}`);
      assert.match(db, /container\.db › ports\[0\]\.container: /);
      assert.ok(web.startsWith(at("container('web'")), `web diagnostic names ${position(s, source, "container('web'")}:\n${web}`);
      assert.match(web, /container\.web.*colour/);
      assert.ok(api.startsWith(at("container('api'")), `api diagnostic names ${position(s, source, "container('api'")}:\n${api}`);
      assert.match(api, /container\.api › networks\[0\]: expected a network handle/);
      await assertNothingCreated(s, r);
    }
  }, { skipTypecheck: true }));

validation('type errors (real type-check) are all reported at file:line:col; nothing is created', () =>
  withStack(prefix, 'typeerr', async (s) => {
    s.write(INVALID_BODY);
    const source = (await import('node:fs')).readFileSync(s.file, 'utf8');

    for (const r of [await s.plan(), await s.apply()]) {
      assert.is(r.code, 1, show(r));
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
      assert.is(errors.length, 3, `three type errors${show(r)}`);
      assert.ok(errors.every((l) => /type error/.test(l)), show(r));
      for (const needle of ['container: true', 'colour', "'backend'] }"]) {
        const where = `error: ${position(s, source, needle)}: type error: `;
        assert.ok(errors.some((l) => l.startsWith(where)), `a type error at ${where}${show(r)}`);
      }
      await assertNothingCreated(s, r);
    }
  }));

validation.run();
