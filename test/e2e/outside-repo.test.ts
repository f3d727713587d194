/**
 * A stack in a project of its own, outside moor's repository: a temp dir with a package.json and
 * node_modules/moor linked to this checkout, as `npm install moor` would leave it. plan must work
 * with and without "type": "module" (the real type-check runs), and apply must reach the engine.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EngineClient } from '../../core/engine/client.js';
import { inspectContainer, newPrefix, REPO, runMoor, show, sweepEngine, sweepPrefix, TOOLS, type RunResult } from './helpers.js';

const prefix = newPrefix();
const outside = suite('e2e: stack outside the repo');
outside.after(() => sweepPrefix(prefix));

interface Project { dir: string; name: string; run(...args: string[]): Promise<RunResult> }

async function withProject(slug: string, packageJson: Record<string, unknown>, fn: (p: Project) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-${slug}-`));
  const name = `${prefix}-${slug}`;
  const client = new EngineClient();
  let failure: unknown;
  try {
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `moor-e2e-${slug}`, private: true, ...packageJson }, null, 2));
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(REPO, path.join(dir, 'node_modules', 'moor'), 'dir');
    mkdirSync(path.join(dir, 'infra'));
    writeFileSync(path.join(dir, 'infra', 'stack.ts'), `import { stack } from 'moor';

export default stack(${JSON.stringify(name)}, ({ image, container }) => {
  const img = image('tools', { build: { context: ${JSON.stringify(path.relative(path.join(dir, 'infra'), TOOLS))} } });
  container('web', { image: img, command: ['httpd', '-f', '-p', '80', '-h', '/www'], stopSignal: 'SIGKILL' });
});
`);
    const env = { MOOR_CACHE_DIR: path.join(dir, '.moor-cache') };
    await fn({ dir, name, run: (...args) => runMoor(args, { cwd: dir, env }) });
  } catch (e) {
    failure = e;
  } finally {
    try {
      await sweepEngine(client, name);
    } catch (e) {
      if (failure === undefined) failure = e;
    } finally {
      client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (failure !== undefined) throw failure;
}

async function planAndApply(p: Project): Promise<void> {
  const plan = await p.run('plan', 'infra/stack.ts', '--detailed-exitcode');
  assert.is(plan.code, 2, show(plan));
  assert.match(plan.stdout, /Plan: 2 to create, 0 to update, 0 to replace, 0 to delete\./, show(plan));

  const apply = await p.run('apply', 'infra/stack.ts', '--yes');
  assert.is(apply.code, 0, show(apply));
  const client = new EngineClient();
  try {
    const web = await inspectContainer(client, `${p.name}-web`);
    assert.is(web?.State.Running, true, 'the container runs');
    assert.is(web?.Config.Labels?.['moor.stack'], p.name);
  } finally {
    client.close();
  }
  const again = await p.run('plan', 'infra/stack.ts', '--detailed-exitcode');
  assert.is(again.code, 0, show(again));
  assert.match(again.stdout, /No changes\. The engine matches infra\/stack\.ts\./, show(again));

  const destroy = await p.run('destroy', 'infra/stack.ts', '--yes');
  assert.is(destroy.code, 0, show(destroy));
}

outside('a stack in an ES module package ("type": "module")', () =>
  withProject('esm', { type: 'module' }, planAndApply));

outside('a stack in a package without "type" (CommonJS by default)', () =>
  withProject('cjs', {}, planAndApply));

outside.run();
