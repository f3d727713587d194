/**
 * `moor import compose`'s work, without the CLI: compose files → the stack file's text and the
 * report. Nothing is written here.
 */
import path from 'node:path';
import { emitStack, type ImportedStack } from '../emit.js';
import { loadCompose } from './load.js';
import { mapProject } from './map/index.js';
import { renderReport, hasLeftOut } from './report.js';
import { ComposeError, type ReportItem } from './types.js';

export interface ImportComposeOptions {
  files: string[];
  /** Where the stack file will be written (relative paths in it are relative to its directory). */
  out: string;
  name?: string;
  secretEnv?: string[];
  profiles?: string[];
  env?: Record<string, string | undefined>;
}

export interface ImportComposeResult {
  text: string;
  stack: ImportedStack;
  report: string[];
  items: ReportItem[];
  leftOut: boolean;
}

const STACK_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Compose's project name rules: lower case, [a-z0-9_-], starting with a letter or digit. */
export function projectName(raw: string): string {
  return raw.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[^a-z0-9]+/, '').slice(0, 63);
}

export async function importCompose(o: ImportComposeOptions): Promise<ImportComposeResult> {
  const project = await loadCompose(o.files, { env: o.env, profiles: o.profiles });
  const name = o.name ?? projectName(project.name ?? path.basename(project.dir));
  if (!STACK_NAME.test(name)) throw new ComposeError(`"${name}" cannot be a stack name (lower-case letters, digits, - and _): give one with --name`);
  const env = o.env ?? process.env;
  const lookup = (n: string) => env[n] ?? project.variables.get(n);
  const mapped = mapProject(project, { stackDir: path.dirname(path.resolve(o.out)), secretEnv: o.secretEnv ?? [], lookup });
  const stack: ImportedStack = { name, header: [], ...mapped.stack };
  const base = project.dir;
  const report = renderReport(mapped.items, base, {
    sources: sourcesLine(project.files, project.dir, path.dirname(path.resolve(o.out))),
    stackName: name,
    counts: { containers: stack.containers.length, images: stack.images.length, networks: stack.networks.length, volumes: stack.volumes.length },
  });
  stack.header = report;
  const text = emitStack(stack);
  refuseSecretLeaks(text, o.secretEnv ?? [], lookup);
  return { text, stack, report, items: mapped.items, leftOut: hasLeftOut(mapped.items) };
}

/** 'docker-compose.yml, docker-compose.override.yml (in ../app)': the files, and where they are from the stack. */
function sourcesLine(files: string[], dir: string, stackDir: string): string[] {
  const names = files.map((f) => path.relative(dir, f));
  const where = path.relative(stackDir, dir);
  const shown = !where ? '' : where.split('/').filter((p) => p === '..').length > 2 ? dir : where;
  return shown ? [...names.slice(0, -1), `${names[names.length - 1]} (in ${shown})`] : names;
}

/** The last guard of --secret-env: a marked variable's value (4 characters or more) anywhere in the stack stops the import. */
function refuseSecretLeaks(text: string, names: string[], lookup: (n: string) => string | undefined): void {
  for (const name of names) {
    const v = lookup(name);
    if (!v || v.length < 4) continue;
    const at = text.indexOf(v);
    if (at < 0) continue;
    const line = text.slice(0, at).split('\n').length;
    throw new ComposeError(`the value of ${name}, marked --secret-env, would be written into the stack (line ${line} of the generated file): it is used in a place where moor takes no secret (a command, a label, a build argument…); nothing was written`);
  }
}
