/**
 * Every folder of examples/ with a stack.ts, for real: prepare busybox in its tools/ context,
 * apply, check what its README promises on the published ports, require the next plan to be
 * empty (`plan --detailed-exitcode` → 0), and destroy with --volumes in a `finally` (after taking
 * `protect: true` out of the test's copy: it would refuse the destroy).
 *
 * Isolation: each example is copied to test/.tmp/<prefix>/<example>/ (relative paths such as
 * ./tools and ./site come along) and its stack renamed `<prefix>-<example>`, so this test only
 * ever creates, and removes, objects named after its own prefix — never a copy of the example
 * someone applied by hand. What cannot be renamed are the examples' fixed host ports
 * (127.0.0.1:18000-18999) and the ports-and-networks subnet: two runs of this file at the same
 * time, or an example applied by hand, make the second apply fail with a port or subnet conflict.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { httpGet, newPrefix, REPO, show, sweepPrefix, withStack, type RunResult, type TestStack } from './helpers.js';

const EXAMPLES = path.join(REPO, 'examples');

/** Example folders: every directory of examples/ holding a stack.ts. */
const examples = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(EXAMPLES, d.name, 'stack.ts')))
  .map((d) => d.name)
  .sort();

/** What each README says you can observe after apply, checked over HTTP on the published ports. */
const checks: Record<string, () => Promise<void>> = {
  'web-and-worker': async () => {
    assert.match((await httpGet(18080, '/', 20_000)).body, /written by the worker/);
  },
  'data-container': async () => {
    assert.is((await httpGet(18100, '/', 20_000)).body.trim(), 'hello from the data container');
    assert.match((await httpGet(18101, '/', 20_000)).body, /hello from the sidecar/);
  },
  mounts: async () => {
    assert.match((await httpGet(18200, '/', 20_000)).body, /moor mounts example/);
  },
  'ports-and-networks': async () => {
    for (const port of [18300, 18301, 18302]) {
      assert.is((await httpGet(port, '/', 20_000)).body.trim(), `api on container port ${port - 10300}`);
    }
  },
  'safe-changes': async () => {
    assert.match((await httpGet(18400, '/', 20_000)).body, /^written by db at \d{4}-\d\d-\d\dT/);
  },
};

/** Copy the example next to the test's other files, renamed to the test's own stack name. */
function stage(s: TestStack, example: string): void {
  const src = path.join(EXAMPLES, example);
  if (existsSync(path.join(src, 'tools'))) {
    execFileSync('bash', [path.join(REPO, 'scripts/prepare-busybox.sh'), path.join(src, 'tools')], { stdio: 'inherit' });
  }
  cpSync(src, s.dir, { recursive: true });
  const source = readFileSync(path.join(src, 'stack.ts'), 'utf8');
  const named = /\bstack\(\s*(['"])[a-z0-9][a-z0-9_-]*\1/g;
  assert.is(source.match(named)?.length, 1, `examples/${example}/stack.ts should call stack('<name>', …) exactly once`);
  s.writeRaw(source.replace(named, `stack('${s.name}'`));
}

const prefix = newPrefix();
const test = suite('e2e: examples');
test.after(() => sweepPrefix(prefix));

test('examples/ has example folders', () => {
  assert.ok(examples.length >= 4, `found ${examples.join(', ')}`);
});

for (const example of examples) {
  test(`examples/${example}: apply, the next plan is empty, destroy --volumes`, () =>
    withStack(prefix, example, async (s) => {
      stage(s, example);
      let destroyed: RunResult | undefined;
      try {
        const applied = await s.apply();
        assert.is(applied.code, 0, show(applied));
        await checks[example]?.();

        const plan = await s.plan('--detailed-exitcode');
        assert.is(plan.code, 0, show(plan));
        assert.match(plan.stdout, /No changes\./, show(plan));
      } finally {
        // Also after a failure; a failed destroy is reported below, and withStack sweeps what is left.
        // protect: true (examples/safe-changes) refuses destroy: take it out of the test's copy first.
        s.writeRaw(readFileSync(s.file, 'utf8').replace(/^[ \t]*protect: true,[^\n]*\n/gm, ''));
        destroyed = await s.destroy('--volumes');
      }
      assert.is(destroyed.code, 0, show(destroyed));
      assert.is(await s.labelledCount(), 0, 'destroy --volumes leaves nothing labelled with the stack');
    }));
}

test.run();
