import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planStack } from '../../../core/plan/plan.js';
import { stack } from '../../../core/stack/define.js';
import { parseEnvFile } from '../../../core/stack/env-file.js';
import { containerSpec, nodeOf, normalize, observed } from '../../fixtures/builders.js';

const syntax = suite('env files: compose syntax');

syntax('comments, blank lines, export, quotes, escapes and inline comments', () => {
  const { env, problems } = parseEnvFile([
    '# a comment', '', 'PLAIN=value', 'export EXPORTED=yes', '  SPACED = padded  ', 'EMPTY=',
    'DQ="a # not a comment\\n\\"q\\""  # comment', "SQ='lit\\n ${X}'", 'INLINE=val # comment', 'HASH=a#b', 'URL=${HOST}:80', 'PLAIN=again',
  ].join('\n'), '/f/.env');
  assert.equal(problems, []);
  assert.equal(env, {
    PLAIN: 'again', EXPORTED: 'yes', SPACED: 'padded', EMPTY: '', DQ: 'a # not a comment\n"q"', SQ: 'lit\\n ${X}', INLINE: 'val', HASH: 'a#b', URL: '${HOST}:80',
  });
});

syntax('a bare name, an unclosed quote and text after a quote are problems naming file:line', () => {
  const { problems } = parseEnvFile('OK=1\nFROM_SHELL\nOPEN="abc\nQ="a" b', '/f/.env');
  assert.equal(problems.map((p) => p.split(':').slice(0, 2).join(':')), ['/f/.env:2', '/f/.env:3', '/f/.env:4']);
  assert.match(problems[0]!, "secret('FROM_SHELL')");
});

syntax.run();

const merge = suite('env files: normalized into env');
let dir = '';
merge.before.each(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'moor-envfile-')); });
merge.after.each(() => { rmSync(dir, { recursive: true, force: true }); });

const shop = (file: string, env: Record<string, string> = { B: 'explicit' }) => normalize(stack('shop', ({ container }) => {
  container('web', { image: 'nginx:1.27', envFile: ['.env', file], env });
}), path.join(dir, 'stack.ts'));

merge('files relative to the stack file, a later file over an earlier one, explicit env over both', () => {
  writeFileSync(path.join(dir, '.env'), 'A=1\nB=file\nC=first\n');
  writeFileSync(path.join(dir, '.env.web'), 'C=second\n');
  const { stack: d, diagnostics } = shop('.env.web');
  assert.equal(diagnostics, []);
  assert.equal(containerSpec(d, 'web').env, { A: '1', B: 'explicit', C: 'second' });
  // Named for the validated-stack cache, which must read a changed file as a changed stack.
  assert.equal(shop('.env.web').readFiles, [path.join(dir, '.env'), path.join(dir, '.env.web')]);
});

merge('a missing file is an error naming the path and the field; a bad line names file:line', () => {
  writeFileSync(path.join(dir, '.env'), 'A=1\nBARE\n');
  const { diagnostics } = shop('nope.env');
  assert.equal(diagnostics.map((x) => [x.severity, x.resource, x.field]), [['error', 'container.web', 'envFile[0]'], ['error', 'container.web', 'envFile[1]']]);
  assert.match(diagnostics[0]!.summary, `${path.join(dir, '.env')}:2`);
  assert.is(diagnostics[1]!.summary, `env file ${path.join(dir, 'nope.env')} does not exist`);
  assert.ok(diagnostics[1]!.location?.line);
});

merge('a changed value in the file is a planned change of that key (a replacement)', () => {
  writeFileSync(path.join(dir, '.env'), 'A=1\n');
  writeFileSync(path.join(dir, '.env.web'), 'C=x\n');
  const before = shop('.env.web').stack;
  writeFileSync(path.join(dir, '.env'), 'A=2\n');
  const node = nodeOf(planStack(shop('.env.web').stack, observed(before)), 'container.web');
  assert.is(node.action, 'replace');
  assert.equal(node.changes, [{ path: 'env.A', before: '1', after: '2', forcesReplacement: true, source: 'change' }]);
});

merge.run();
