import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { typecheckStack } from '../../../core/stack/typecheck.js';

const cache = suite('typecheckStack: the cache');
const dir = mkdtempSync(path.join(tmpdir(), 'moor-typecheck-'));
const saved = process.env.MOOR_CACHE_DIR;
cache.before(() => { process.env.MOOR_CACHE_DIR = path.join(dir, 'cache'); });
cache.after(() => {
  if (saved === undefined) delete process.env.MOOR_CACHE_DIR; else process.env.MOOR_CACHE_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

cache('switching between two versions of a stack checks each once: both are cached', async () => {
  const file = path.join(dir, 'stack.ts');
  const a = 'export const replicas: number = 1;\n';
  const b = 'export const replicas: number = 2;\n';
  writeFileSync(file, a);
  assert.equal(await typecheckStack(file), { diagnostics: [], cached: false });
  writeFileSync(file, b);
  assert.equal(await typecheckStack(file), { diagnostics: [], cached: false });
  writeFileSync(file, a);
  assert.equal(await typecheckStack(file), { diagnostics: [], cached: true }, 'version a is still cached');
  writeFileSync(file, b);
  assert.equal(await typecheckStack(file), { diagnostics: [], cached: true }, 'version b is cached too');
});

cache('a type error is reported with file:line:col and never cached', async () => {
  const file = path.join(dir, 'broken.ts');
  writeFileSync(file, 'export const replicas: number = 1;\nexport const name: string = replicas;\n');
  for (let i = 0; i < 2; i++) {
    const r = await typecheckStack(file);
    assert.is(r.cached, false);
    assert.is(r.diagnostics.length, 1);
    assert.equal(r.diagnostics[0]!.location, { file, line: 2, column: 14 });
    assert.match(r.diagnostics[0]!.summary, /Type 'number' is not assignable to type 'string'/);
  }
});

cache.run();
