/**
 * The compose corpus (test/fixtures/compose-corpus/, ≥ 30 files): every entry imports; what it
 * leaves out is exactly test/fixtures/compose-corpus/expected.json (a change in the mapping shows
 * here); and every generated stack that uses only options this branch has passes moor's own load —
 * type-check and option validation — (the others name the options of this round they wait for).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { corpusEntries, corpusFiles } from '../../../bench/import-corpus.js';
import type { ImportedStack } from '../../../core/import/emit.js';
import { importCompose } from '../../../core/import/compose/index.js';
import { containerOptionsSchema } from '../../../core/stack/schema/container.js';
import { loadStack } from '../../../core/stack/load.js';
import { REPO } from '../../e2e/helpers.js';

const expected = JSON.parse(readFileSync(path.join(REPO, 'test/fixtures/compose-corpus/expected.json'), 'utf8')) as Record<string, string[]>;

/**
 * Options of this round (/work/API-ROUND.md) that a branch not merged yet adds (mountsnet: anonymous
 * and SELinux-labelled mounts, envFile, external networks, build target/platform/secrets): what a
 * generated stack waits for. Container options are read from the schema, so the list shrinks by itself.
 */
export function waitsFor(stack: ImportedStack): string[] {
  const known = new Set(Object.keys(containerOptionsSchema.shape));
  const out = new Set<string>();
  for (const c of stack.containers) {
    for (const k of Object.keys(c.options)) if (!known.has(k)) out.add(k);
    for (const m of (c.options.mounts as Record<string, unknown>[] | undefined) ?? []) {
      if (Object.keys(m).length === 1 && 'target' in m) out.add('anonymous volume mount');
      if ('selinux' in m) out.add('mounts.selinux');
    }
  }
  for (const n of stack.networks) if ('external' in n.options) out.add('network external');
  for (const i of stack.images) {
    const b = i.options.build as Record<string, unknown>;
    for (const k of ['target', 'platform', 'secrets']) if (k in b) out.add(`build.${k}`);
  }
  return [...out].sort();
}

const corpus = suite('compose corpus');

corpus('at least 30 entries; each imports and leaves out exactly what expected.json says', async () => {
  const entries = corpusEntries();
  assert.ok(entries.length >= 30, `${entries.length} entries`);
  const actual: Record<string, string[]> = {};
  for (const entry of entries) {
    const files = corpusFiles(entry);
    const r = await importCompose({ files, out: path.join(path.dirname(files[0]!), 'stack.ts'), env: {} });
    actual[entry] = r.items.filter((i) => i.kind === 'left-out').map((i) => `${path.basename(i.loc!.file)}:${i.loc!.line} ${i.key}`).sort();
    assert.is(r.leftOut, actual[entry]!.length > 0);
  }
  if (process.env.UPDATE_CORPUS === '1') writeFileSync(path.join(REPO, 'test/fixtures/compose-corpus/expected.json'), `${JSON.stringify(actual, null, 2)}\n`);
  assert.equal(actual, expected);
});

corpus('generated stacks pass moor\'s own load: type-check, then validation of every option (those using only options this branch has)', async () => {
  const dir = path.join(REPO, 'test/.tmp', `corpus-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const waiting: string[] = [];
  let checked = 0;
  try {
    for (const entry of corpusEntries()) {
      const files = corpusFiles(entry);
      const out = path.join(dir, entry.replace(/\.yml$/, ''), 'stack.ts');
      const r = await importCompose({ files, out, env: {} });
      const waits = waitsFor(r.stack);
      if (waits.length) { waiting.push(`${entry}: ${waits.join(', ')}`); continue; }
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, r.text);
      const loaded = await loadStack(out);
      assert.equal(loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.location?.line}: ${d.resource ?? ''} ${d.field ?? ''}: ${d.summary}`), [], entry);
      checked++;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(checked >= 10, `only ${checked} corpus stacks could be loaded`);
  console.log(`  loaded ${checked}; waiting for this round's options:\n    ${waiting.join('\n    ')}`);
});

corpus('examples/compose-import/stack.ts is exactly what moor import compose writes from its docker-compose.yml', async () => {
  const dir = path.join(REPO, 'examples/compose-import');
  const r = await importCompose({ files: [path.join(dir, 'docker-compose.yml')], out: path.join(dir, 'stack.ts'), name: 'ex-compose-import', env: {} });
  assert.is(r.leftOut, false);
  assert.fixture(r.text, readFileSync(path.join(dir, 'stack.ts'), 'utf8'));
});

corpus.run();
