/**
 * `moor import <what> …` — turn what exists elsewhere into a stack file.
 *   moor import compose [docker-compose.yml …] [-o stack.ts] [--name STACK] [--secret-env NAME]… [--profile P]… [--force]
 *   moor import --project NAME / moor import container NAME…  (adopting running objects: import-adopt.ts)
 * Exit codes: 0 every compose key mapped; 3 something was left out (the report says what); 1 error.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT, UsageError } from '../errors.js';
import type { Output } from '../output.js';

const SUBCOMMANDS: Record<string, (argv: string[], io: Output) => Promise<number>> = {
  compose: importComposeCommand,
};

export async function importCommand(argv: string[], io: Output): Promise<number> {
  const [sub, ...rest] = argv;
  const run = sub ? SUBCOMMANDS[sub] : undefined;
  if (run) return run(rest, io);
  // Adopting running objects: `moor import --project NAME`, `moor import container NAME…` (import-adopt.ts).
  if (sub === 'container' || sub?.startsWith('--') || sub === '-o') return (await import('./import-adopt.js')).adoptCommand(argv, io);
  throw new UsageError(sub ? `unknown import source "${sub}" (moor import compose …, moor import --project NAME, moor import container NAME…)` : 'moor import needs a source: moor import compose [docker-compose.yml …], moor import --project NAME, or moor import container NAME…');
}

/** compose's default files, in its order of preference, and the override file beside the first. */
const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

function defaultComposeFiles(dir: string): string[] {
  const main = DEFAULT_FILES.find((f) => existsSync(path.join(dir, f)));
  if (!main) throw new UsageError(`no compose file given, and none of ${DEFAULT_FILES.join(', ')} in ${dir}`);
  const override = main.replace(/\.(ya?ml)$/, '.override.$1');
  return [main, ...(existsSync(path.join(dir, override)) ? [override] : [])].map((f) => path.join(dir, f));
}

async function importComposeCommand(argv: string[], io: Output): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        name: { type: 'string' },
        'secret-env': { type: 'string', multiple: true },
        profile: { type: 'string', multiple: true },
        force: { type: 'boolean' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  const files = positionals.length ? positionals : defaultComposeFiles(process.cwd());
  const toStdout = values.out === '-';
  const out = path.resolve(toStdout || !values.out ? 'stack.ts' : values.out);
  if (!toStdout && existsSync(out) && !values.force) throw new UsageError(`${out} exists: choose another file with -o, or overwrite it with --force`);

  const started = performance.now();
  const { importCompose } = await import('../../import/compose/index.js');
  const { EXIT_LEFT_OUT } = await import('../../import/compose/report.js');
  const result = await importCompose({
    files, out, name: values.name, secretEnv: values['secret-env'] ?? [], profiles: values.profile ?? [],
  });
  const report = (text: string) => (toStdout ? io.err(text) : io.out(text));
  if (toStdout) io.out(result.text);
  else {
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, result.text);
  }
  report(result.report.join('\n'));
  const ms = Math.round(performance.now() - started);
  report(`\n${toStdout ? 'Wrote the stack to stdout' : `Wrote ${path.relative(process.cwd(), out) || out}`} in ${ms} ms.${result.leftOut ? ` Exit code ${EXIT_LEFT_OUT}: some keys were left out (above).` : ''} Next: moor plan ${toStdout ? '<stack.ts>' : path.relative(process.cwd(), out)}`);
  return result.leftOut ? EXIT_LEFT_OUT : EXIT.ok;
}
