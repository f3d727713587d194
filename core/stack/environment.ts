/**
 * Where a stack's parameters and secrets come from when moor runs, besides the stack file:
 *
 * - the environment (`--env prod`): `<stack file name>.prod.json` beside the stack, an object of
 *   parameter values; the stack on the engine is `<name>-prod`, its own stack (objects, lock, plans);
 * - `.env` beside the stack and each `--env-file F` (compose's syntax, see dotenv.ts): their keys feed
 *   `secret('NAME')`, and `MOOR_PARAM_<param>=value` keys feed parameters (no other key does);
 * - the process environment: the same, over the files;
 * - `--var name=value`: one parameter, over everything.
 *
 * Parameters, lowest to highest: default < environment file < .env < --env-file (later wins) <
 * process environment < --var. Secrets: process environment > --env-file (later wins) > .env.
 * Every problem is a diagnostic naming the file and key (and line); never a secret's value.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { error, warning, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import { didYouMean } from '../cli/suggest.js';
import type { ParamDefaults, ParamValue } from './define.js';
import { parseDotenv } from './dotenv.js';
import { checkParamValue, jsonKeyLine, parseParamText } from './params.js';

/** What the command line says about the stack's inputs. */
export interface StackInputs {
  /** `--env NAME`. */
  env?: string;
  /** `--var name=value`, as given. */
  vars?: string[];
  /** `--env-file F`, as given (relative to the current directory). */
  envFiles?: string[];
}

/** `--env` names: they become part of the stack's name on the engine. */
export const ENV_NAME = /^[a-z0-9][a-z0-9_-]{0,30}$/;
export const PARAM_PREFIX = 'MOOR_PARAM_';

/** One variable and where it was set. */
export interface EnvVar {
  value: string;
  /** A file and line, or undefined for the process environment. */
  from?: SourceLocation;
}

/** The variables of .env, the --env-file files and the process environment, the highest one kept. */
export interface EnvSources {
  get(name: string): EnvVar | undefined;
  /** Every variable name the files and the process environment hold. */
  names(): string[];
}

/** The environment file of `env` for a stack file: `stack.ts` → `stack.prod.json` beside it. */
export function environmentFile(stackFile: string, env: string): string {
  return path.join(path.dirname(stackFile), `${path.basename(stackFile).replace(/\.[^.]+$/, '')}.${env}.json`);
}

/** The environments that have a file beside the stack. */
export function environmentsOf(stackFile: string): string[] {
  const base = path.basename(stackFile).replace(/\.[^.]+$/, '');
  try {
    return readdirSync(path.dirname(stackFile))
      .map((f) => (f.startsWith(`${base}.`) && f.endsWith('.json') ? f.slice(base.length + 1, -5) : ''))
      .filter((e) => ENV_NAME.test(e))
      .sort();
  } catch {
    return [];
  }
}

/** Read .env beside the stack (when there is one) and each --env-file (which must exist). */
export function readEnvSources(stackFile: string, envFiles: readonly string[] = [], processEnv: Record<string, string | undefined> = process.env): { sources: EnvSources; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const fromFiles = new Map<string, EnvVar>();
  const dotenv = path.join(path.dirname(stackFile), '.env');
  const files = [...(existsSync(dotenv) ? [{ file: dotenv, given: undefined }] : []), ...envFiles.map((f) => ({ file: path.resolve(f), given: f }))];
  for (const { file, given } of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message;
      diagnostics.push(given === undefined ? error(`cannot be read (${why})`, { location: { file } }) : error(`--env-file ${given} cannot be read (${why})`));
      continue;
    }
    const parsed = parseDotenv(text, processEnv);
    for (const p of parsed.problems) diagnostics.push(error(p.message, { location: { file, line: p.line } }));
    for (const e of parsed.entries) fromFiles.set(e.key, { value: e.value, from: { file, line: e.line } });
  }
  return {
    diagnostics,
    sources: {
      get: (name) => {
        const v = processEnv[name];
        return v !== undefined ? { value: v } : fromFiles.get(name);
      },
      names: () => [...new Set([...fromFiles.keys(), ...Object.keys(processEnv)])],
    },
  };
}

export interface ResolvedParams {
  values: Record<string, ParamValue>;
  diagnostics: Diagnostic[];
}

/**
 * The parameters' values: defaults, then the environment file, the MOOR_PARAM_ variables, --var.
 */
export function resolveParams(
  defaults: ParamDefaults, stackFile: string, inputs: StackInputs, sources: EnvSources): ResolvedParams {
  const diagnostics: Diagnostic[] = [];
  const values: Record<string, ParamValue> = { ...defaults };
  const known = Object.keys(defaults);
  const unknownHint = (name: string) => `${didYouMean(name, known) || '.'} ${known.length ? `The stack's parameters: ${known.join(', ')}.` : 'The stack declares no parameters: stack(name, { params: { … } }, build).'}`;

  if (inputs.env !== undefined) {
    const file = environmentFile(stackFile, inputs.env);
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      const others = environmentsOf(stackFile);
      diagnostics.push(error(`no environment "${inputs.env}": ${path.basename(file)} is not beside the stack file`, {
        location: { file: stackFile },
        detail: others.length ? `Environments with a file: ${others.join(', ')}.` : `Create ${path.basename(file)} with the parameters' values, e.g. { "replicas": 3 } (an empty {} keeps the defaults).`,
      }));
    }
    if (text !== undefined) diagnostics.push(...applyEnvironmentFile(file, text, defaults, values, unknownHint));
  }

  for (const key of sources.names().filter((k) => k.startsWith(PARAM_PREFIX)).sort()) {
    const v = sources.get(key);
    if (!v) continue;
    const name = key.slice(PARAM_PREFIX.length);
    const where = v.from ? { location: v.from } : {};
    const origin = v.from ? key : `environment variable ${key}`;
    if (defaults[name] === undefined) {
      // In a file beside the stack or given for it, a typo; in the shell's environment, maybe another stack's.
      const report = v.from ? error : warning;
      diagnostics.push(report(`${origin}: unknown parameter ${name}${v.from ? '' : ', ignored'}${unknownHint(name)}`, { ...where, field: key }));
      continue;
    }
    const r = parseParamText(defaults, name, v.value);
    if ('problem' in r) diagnostics.push(error(`${origin}: ${r.problem}`, { ...where, field: key }));
    else values[name] = r.value;
  }

  for (const given of inputs.vars ?? []) {
    const eq = given.indexOf('=');
    const name = eq < 0 ? given : given.slice(0, eq);
    if (eq < 0) {
      diagnostics.push(error(`--var ${given}: takes name=value, e.g. --var replicas=3`));
      continue;
    }
    if (defaults[name] === undefined) {
      diagnostics.push(error(`--var ${given}: unknown parameter ${name}${unknownHint(name)}`));
      continue;
    }
    const r = parseParamText(defaults, name, given.slice(eq + 1));
    if ('problem' in r) diagnostics.push(error(`--var ${given}: ${r.problem}`));
    else values[name] = r.value;
  }
  return { values, diagnostics };
}

function applyEnvironmentFile(file: string, text: string, defaults: ParamDefaults, values: Record<string, ParamValue>, unknownHint: (name: string) => string): Diagnostic[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const at = /position (\d+)/.exec(message);
    const line = /line (\d+)/.exec(message)?.[1] ?? (at ? String(text.slice(0, Number(at[1])).split('\n').length) : undefined);
    return [error(`the environment file is not valid JSON: ${message.replace(/\s*\(line \d+ column \d+\)$/, '')}`, { location: { file, ...(line ? { line: Number(line) } : {}) } })];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return [error('the environment file must hold a JSON object of parameter values, e.g. { "replicas": 3 }', { location: { file } })];
  }
  const diagnostics: Diagnostic[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    const location = { file, line: jsonKeyLine(text, key) };
    if (defaults[key] === undefined) {
      diagnostics.push(error(`unknown parameter ${key}${unknownHint(key)}`, { location, field: key }));
      continue;
    }
    const r = checkParamValue(defaults, key, value);
    if ('problem' in r) diagnostics.push(error(r.problem, { location, field: key }));
    else values[key] = r.value;
  }
  return diagnostics;
}
