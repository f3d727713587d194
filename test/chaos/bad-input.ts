/**
 * Bad input: every stack of test/chaos/bad-stacks/ is written into a directory of its own (with
 * `__STACK__` and `__TOOLS__` filled in), then `moor plan` and `moor apply --yes` run on it, with
 * the real type-check, through the counting proxy. Each must:
 *  - exit non-zero;
 *  - print no stack trace and no "internal error";
 *  - name the stack file and the line marked `// ←` (`stack.ts:<line>`), when one is marked;
 *  - name the resource and field of the `// expect:` header (`container.app`, `ports`) — or be a
 *    type error at the marked line, whose line:column is the field;
 *  - show the `text=` of the header (a regular expression), when there is one;
 *  - make ZERO mutating engine requests.
 * A `// gap:` header says moor is known not to catch it yet; the stack is still run and its
 * failure still counted, the gap only annotates the report.
 */
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOOLS } from '../e2e/helpers.js';
import type { ChaosContext } from './lib/context.js';
import { ChaosStack } from './lib/context.js';
import { orphans } from './lib/engine-state.js';
import type { MoorRun } from './lib/moor.js';
import { newRow, type Row } from './lib/report.js';

const CORPUS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bad-stacks');

interface BadStack {
  file: string;
  why: string;
  source: string;
  line?: number;
  resource?: string;
  field?: string;
  text?: RegExp;
  gap?: string;
  setup?: string;
}

export function readCorpus(): BadStack[] {
  return readdirSync(CORPUS).filter((f) => f.endsWith('.ts')).sort().map((file) => {
    const source = readFileSync(path.join(CORPUS, file), 'utf8');
    const header = (key: string) => new RegExp(`^// ${key}: (.*)$`, 'm').exec(source)?.[1];
    const expect = Object.fromEntries((header('expect') ?? '').split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const marked = source.split('\n').findIndex((l) => l.endsWith('// ←'));
    return {
      file,
      why: header('bad') ?? file,
      source,
      line: marked >= 0 ? marked + 1 : undefined,
      resource: expect.resource,
      field: expect.field,
      text: expect.text ? new RegExp(expect.text) : undefined,
      gap: header('gap'),
      setup: header('setup'),
    };
  });
}

/** What is wrong with one command's run on a bad stack; empty when it is all right. */
function judge(b: BadStack, r: MoorRun): string[] {
  const out = `${r.stdout}\n${r.stderr}`;
  const problems: string[] = [];
  if (r.code === 0) problems.push('exit 0');
  if (/^\s+at .+(:\d+:\d+\)?|\(native\))$/m.test(out)) problems.push('a stack trace');
  if (/internal error/i.test(out)) problems.push('"internal error"');
  const typeErrorAtLine = b.line !== undefined && new RegExp(`stack\\.ts:${b.line}:\\d+: type error`).test(out);
  if (b.line !== undefined && !new RegExp(`stack\\.ts:${b.line}\\b`).test(out)) problems.push(`no stack.ts:${b.line}`);
  if (!typeErrorAtLine) {
    if (b.resource && !out.includes(b.resource)) problems.push(`resource ${b.resource} not named`);
    if (b.field && !out.includes(b.field)) problems.push(`field ${b.field} not named`);
  }
  if (b.text && !b.text.test(out)) problems.push(`no ${b.text.source}`);
  if (r.mutations > 0) problems.push(`${r.mutations} mutating requests (${[...new Set(r.requests.map((q) => q.replace(/[0-9a-f]{64}/g, '<id>')))].join(', ')})`);
  return problems;
}

/** The first diagnostic-looking line of the output, for the report. */
function said(r: MoorRun): string {
  const lines = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const l = lines.find((x) => /^error/.test(x)) ?? lines[0] ?? '(nothing)';
  return (l.length > 220 ? `${l.slice(0, 220)}…` : l).replace(/test\/\.tmp\/chaos\w+\/bad\/[\w-]+\//g, '');
}

export async function runBadInput(ctx: ChaosContext, log: (l: string) => void): Promise<Row[]> {
  const corpus = readCorpus();
  const row = newRow('bad-input', `${corpus.length} invalid stacks × plan, apply`, `${corpus.filter((b) => b.gap).length} marked as known gaps`);
  row.mutations = 0;
  row.diagnosed = 0;
  for (const [i, b] of corpus.entries()) {
    const s = new ChaosStack(ctx, `bad/${b.file.replace(/\.ts$/, '')}`, true);
    // ChaosStack names the stack after its slug; bad stacks get a name without the slash.
    const name = `${ctx.prefix}-b${String(i + 1).padStart(2, '0')}`;
    writeFileSync(s.file, b.source.replaceAll('__STACK__', name).replaceAll('__TOOLS__', path.relative(s.dir, TOOLS)));
    if (b.setup === 'symlink-context') symlinkSync(TOOLS, path.join(s.dir, 'ctx-link'));
    if (b.setup === 'dangling-context') symlinkSync(path.join(s.dir, 'no-such-directory'), path.join(s.dir, 'ctx-link'));
    if (b.setup === 'empty-secret') writeFileSync(path.join(s.dir, 'empty.secret'), '');
    const runs = [await s.run(['plan']), await s.run(['apply', '--yes'])];
    const problems = runs.flatMap((r) => judge(b, r).map((p) => `${r.command.split(' ')[1]}: ${p}`));
    const left = await orphans(ctx.client, { stack: name, containers: [], networks: [], volumes: [] });
    if (left.length) problems.push(`left on the engine: ${left.join(', ')}`);
    row.tried++;
    row.mutations += runs.reduce((n, r) => n + r.mutations, 0);
    if (!problems.length) row.diagnosed++;
    else row.failures.push({ what: `bad-stacks/${b.file}${b.gap ? ` [known gap: ${b.gap}]` : ''}`, symptom: `${problems.join('; ')} — apply said: ${said(runs[1]!)}` });
    log(`  ${b.file}: ${problems.length ? `FAIL ${problems.join('; ')}` : 'ok'}`);
    await s.cleanupAs(name);
  }
  return [row];
}
