/**
 * The compose import corpus (test/fixtures/compose-corpus/): for every entry, whether it imports
 * with nothing left out, how many keys were left out, and the import time (in-process
 * importCompose: load + map + generate; the first import of the run also loads yaml and ts-morph).
 * Prints a Markdown table and the share that imports completely — the figures in docs/import.md.
 *
 *   node --import tsx bench/import-corpus.ts [--reps 5]
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importCompose } from '../core/import/compose/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpus = path.join(root, 'test/fixtures/compose-corpus');
const repsArg = process.argv.indexOf('--reps');
const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 5;

/** An entry's compose files: the file itself, or a directory's docker-compose.yml and its override. */
export function corpusFiles(entry: string): string[] {
  const p = path.join(corpus, entry);
  if (!statSync(p).isDirectory()) return [p];
  return ['docker-compose.yml', 'docker-compose.override.yml'].map((f) => path.join(p, f)).filter((f) => { try { return statSync(f).isFile(); } catch { return false; } });
}

export function corpusEntries(): string[] {
  return readdirSync(corpus).filter((e) => /^\d\d-/.test(e)).sort();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const rows: string[] = [];
  let complete = 0;
  let first = true;
  let cold = 0;
  const times: number[] = [];
  for (const entry of corpusEntries()) {
    const files = corpusFiles(entry);
    const out = path.join(path.dirname(files[0]!), 'stack.ts');
    const runs: number[] = [];
    let result;
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      result = await importCompose({ files, out, env: {} });
      const ms = performance.now() - t;
      if (first) { cold = ms; first = false; continue; }
      runs.push(ms);
    }
    const left = result!.items.filter((i) => i.kind === 'left-out').length;
    const notes = result!.items.filter((i) => i.kind === 'note').length;
    if (!left) complete++;
    const ms = median(runs);
    times.push(ms);
    rows.push(`| ${entry} | ${result!.stack.containers.length} | ${left ? `${left} left out` : 'complete'} | ${notes} | ${ms.toFixed(1)} |`);
  }
  const n = rows.length;
  console.log('| corpus entry | containers | result | notes | import ms (median) |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log(`\n${complete}/${n} (${Math.round((100 * complete) / n)}%) import with nothing left out.`);
  console.log(`Import time per file: median ${median(times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms (warm, ${reps - 1} runs each); the first import of a process also loads yaml and ts-morph: ${cold.toFixed(0)} ms.`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
