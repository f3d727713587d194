/**
 * A stack file's compiled bundle: CommonJS when it can be (no ES module loader on a plan), an ES
 * module when the stack needs one (top-level await, a package it imports); either way the
 * declarations' locations and a thrown error's line are the .ts file's, mapped through the
 * bundle's own source map (Node's source-map support is not turned on).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { importStackModule } from '../../../core/stack/import.js';
import { collectStack } from '../../../core/stack/collect.js';
import { isStackDefinition, type StackDefinition } from '../../../core/stack/define.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
const bundles = suite('stack bundles');

let dir = '';
let cache = '';
const before = process.env.MOOR_CACHE_DIR;
bundles.before.each(() => {
  // Inside the repository: `moor` and its node_modules resolve from here, as from a user's project.
  mkdirSync(path.join(REPO, 'test', '.tmp'), { recursive: true });
  dir = mkdtempSync(path.join(REPO, 'test', '.tmp', 'bundle-'));
  cache = path.join(dir, '.cache');
  process.env.MOOR_CACHE_DIR = cache;
});
bundles.after.each(() => {
  if (before === undefined) delete process.env.MOOR_CACHE_DIR;
  else process.env.MOOR_CACHE_DIR = before;
  rmSync(dir, { recursive: true, force: true });
});

/** Write the stack, import it, and say which format its cached bundle has. */
async function load(source: string, extra: Record<string, string> = {}): Promise<{ file: string; def: StackDefinition; format: string; mod: Record<string, unknown> }> {
  const file = path.join(dir, 'stack.ts');
  writeFileSync(file, source);
  for (const [name, text] of Object.entries(extra)) writeFileSync(path.join(dir, name), text);
  const mod = await importStackModule(file);
  const def = mod.default;
  if (!isStackDefinition(def)) throw new Error('no stack definition');
  const manifest = readFileSync(path.join(cache, 'stacks', (await import('node:fs')).readdirSync(path.join(cache, 'stacks')).find((f) => f.endsWith('.json'))!), 'utf8');
  const bundle = (JSON.parse(manifest) as { bundle: string }).bundle;
  return { file, def, format: path.extname(bundle), mod };
}

const lineOf = (file: string, marker: string) => readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(marker)) + 1;

bundles('a plain stack is a CommonJS bundle; its declarations sit on the .ts lines, also through a local module', async () => {
  const { file, def, format } = await load(`import { stack } from 'moor';
import { addWeb } from './helper';

// a comment that esbuild drops: lines below shift in the source, not in the bundle
export default stack('fmt-cjs', ({ container, network }) => {
  network('net'); // NET
  addWeb(container);
});
`, { 'helper.ts': `export function addWeb(container: (n: string, o: object) => unknown) {
  container('web', { image: 'busybox:1' }); // WEB
}
` });
  assert.is(format, '.cjs');
  // (Its diagnostics may hold the late declarations other tests left in this process on purpose.)
  const { declarations } = await collectStack(def, file);
  assert.equal(declarations.map((d) => [d.name, path.basename(d.location.file), d.location.line]), [
    ['net', 'stack.ts', lineOf(file, '// NET')],
    ['web', 'helper.ts', lineOf(path.join(dir, 'helper.ts'), '// WEB')],
  ]);
  assert.is(declarations[0]!.location.column, readFileSync(file, 'utf8').split('\n')[lineOf(file, '// NET') - 1]!.indexOf('network') + 1);
});

bundles('top-level await makes an ES module bundle, with the same locations and a thrown error on its line', async () => {
  const { file, def, format } = await load(`import { stack } from 'moor';

const port = await Promise.resolve(8080);
export default stack('fmt-esm', ({ container }) => {
  container('web', { image: 'busybox:1', env: { PORT: String(port) } }); // WEB
  throw new Error('stop here'); // THROWS
});
`);
  assert.is(format, '.mjs');
  const threw = (await collectStack(def, file)).diagnostics.filter((d) => /threw/.test(d.summary));
  assert.is(threw.length, 1);
  assert.match(threw[0]!.summary, /threw: stop here/);
  assert.equal(threw[0]!.location, { file, line: lineOf(file, '// THROWS'), column: 9 });
});

bundles('a stack importing a package stays an ES module (require() cannot load one in Node 20)', async () => {
  const { def, format, file } = await load(`import { stack } from 'moor';
import { z } from 'zod';

export default stack('fmt-pkg', ({ network }) => {
  network(z.string().parse('net')); // NET
});
`);
  assert.is(format, '.mjs');
  const { declarations } = await collectStack(def, file);
  assert.equal(declarations.map((d) => [d.name, d.location.line]), [['net', lineOf(file, '// NET')]]);
});

bundles("import.meta.url, __filename and __dirname are the stack file's in either format", async () => {
  for (const tla of ['', 'await Promise.resolve();\n']) {
    const { file, mod, format } = await load(`import { stack } from 'moor';
${tla}export const where = [import.meta.url, __filename, __dirname];
export default stack('fmt-meta', () => {});
`);
    assert.is(format, tla ? '.mjs' : '.cjs');
    assert.equal(mod.where, [pathToFileURL(file).href, file, path.dirname(file)]);
    rmSync(cache, { recursive: true, force: true });
  }
});

bundles.run();
