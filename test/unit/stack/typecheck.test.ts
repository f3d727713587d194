import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseTscOutput, typecheckStack } from '../../../core/stack/typecheck.js';

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

cache('a type error is reported with file:line:col and never cached, by the native compiler and by the bundled API alike', async () => {
  const file = path.join(dir, 'broken.ts');
  writeFileSync(file, 'export const replicas: number = 1;\nexport const name: string = replicas;\nexport const o: { a: { b: number } } = { a: { b: "x" } };\n');
  const seen: string[][] = [];
  for (const engine of ['native', 'ts-morph']) {
    if (engine === 'ts-morph') process.env.MOOR_TYPECHECK = 'ts-morph';
    try {
      for (let i = 0; i < 2; i++) {
        const r = await typecheckStack(file);
        assert.is(r.cached, false);
        assert.is(r.diagnostics.length, 2, JSON.stringify(r.diagnostics));
        assert.equal(r.diagnostics[0]!.location, { file, line: 2, column: 14 });
        assert.match(r.diagnostics[0]!.summary, /Type 'number' is not assignable to type 'string'/);
        assert.equal(r.diagnostics[1]!.location, { file, line: 3, column: 47 });
        seen.push(r.diagnostics.map((d) => `${d.location?.line}:${d.location?.column}`));
      }
    } finally {
      delete process.env.MOOR_TYPECHECK;
    }
  }
  assert.equal(seen[0], seen[2], 'both compilers point at the same places');
});

const parse = suite('parseTscOutput');

parse('errors with their continuation lines, file lists, and paths resolved against the working directory', () => {
  const out = [
    'stack.ts(3,22): error TS2322: Type \'string\' is not assignable to type \'number\'.',
    '  The expected type comes from property \'port\'.',
    '/srv/infra/lib.ts',
    '/srv/infra/stack.ts',
  ].join('\n');
  assert.equal(parseTscOutput(out, '/srv/infra', '/srv/infra/stack.ts'), {
    diagnostics: [{
      severity: 'error',
      summary: "type error: Type 'string' is not assignable to type 'number'.\nThe expected type comes from property 'port'.",
      location: { file: '/srv/infra/stack.ts', line: 3, column: 22 },
    }],
    files: ['/srv/infra/lib.ts', '/srv/infra/stack.ts'],
  });
});

parse.run();

cache.run();
