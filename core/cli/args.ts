/** Command-line parsing with node:util's parseArgs; no framework needed for three commands. */
import { parseArgs } from 'node:util';
import { durationToNanos } from '../model/units.js';
import { UsageError } from './errors.js';
import { findStackFile } from './stack-file.js';
import { didYouMean } from './suggest.js';
import { ENV_NAME, type StackInputs } from '../stack/environment.js';

export interface CommonFlags {
  /** A stack file, or (apply only) a saved plan file. */
  stackFile: string;
  json: boolean;
  /** Inspect every managed container for drift in live settings (default); `--refresh=false` skips it. */
  refresh: boolean;
  /** `--target`: resource names or ids, as given. */
  targets: string[];
  /** `--skip-checks`: no plan-time provider checks (air-gapped machines). */
  skipChecks: boolean;
  /** `--context`: the docker context naming the engine (before DOCKER_HOST). */
  context?: string;
  /** `--env`, `--var`, `--env-file`: the environment and the parameters' values. */
  inputs: StackInputs;
}

export interface PlanFlags extends CommonFlags {
  detailedExitcode: boolean;
  /** `--out`: write a saved plan there. */
  out: string | null;
  replace: string[];
  migrateVolumes: boolean;
}

export interface ApplyFlags extends CommonFlags {
  yes: boolean;
  concurrency: number;
  allowDataLoss: boolean;
  waitTimeoutMs: number;
  lockTimeoutMs: number;
  replace: string[];
  migrateVolumes: boolean;
}

export interface DestroyFlags extends ApplyFlags {
  volumes: boolean;
}

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_LOCK_TIMEOUT = '60s';

const options = {
  json: { type: 'boolean' },
  refresh: { type: 'boolean' },
  'detailed-exitcode': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  concurrency: { type: 'string' },
  'allow-data-loss': { type: 'boolean' },
  'wait-timeout': { type: 'string' },
  'lock-timeout': { type: 'string' },
  volumes: { type: 'boolean' },
  out: { type: 'string' },
  target: { type: 'string', multiple: true },
  replace: { type: 'string', multiple: true },
  'migrate-volumes': { type: 'boolean' },
  'skip-checks': { type: 'boolean' },
  context: { type: 'string' },
  env: { type: 'string' },
  var: { type: 'string', multiple: true },
  'env-file': { type: 'string', multiple: true },
  // Day-2 commands (ps, logs, exec, graph).
  stack: { type: 'string' },
  follow: { type: 'boolean', short: 'f' },
  since: { type: 'string' },
  tail: { type: 'string' },
  timestamps: { type: 'boolean', short: 't' },
  user: { type: 'string', short: 'u' },
  workdir: { type: 'string', short: 'w' },
  'no-tty': { type: 'boolean', short: 'T' },
  index: { type: 'string' },
  format: { type: 'string' },
} as const;

/** The flags that choose an environment and give parameters (every command that loads a stack). */
export const INPUT_FLAGS = ['env', 'var', 'env-file'] as const;

/** `--env`, `--var`, `--env-file` as parsed by parseArgs, checked. */
export function stackInputs(values: { env?: string; var?: string[]; 'env-file'?: string[] }): StackInputs {
  if (values.env !== undefined && !ENV_NAME.test(values.env)) {
    throw new UsageError(`--env takes an environment name of lower-case letters, digits, "-" and "_" (it becomes part of the stack's name on the engine), e.g. --env prod (got "${values.env}")`);
  }
  for (const v of values.var ?? []) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) throw new UsageError(`--var takes name=value, e.g. --var replicas=3 (got "${v}")`);
  }
  for (const f of values['env-file'] ?? []) if (!f) throw new UsageError('--env-file takes a file name, e.g. --env-file prod.env');
  return {
    ...(values.env !== undefined ? { env: values.env } : {}),
    vars: values.var ?? [],
    envFiles: values['env-file'] ?? [],
  };
}

const allowed: Record<string, string[]> = {
  plan: ['json', 'refresh', 'detailed-exitcode', 'out', 'target', 'replace', 'migrate-volumes', 'skip-checks', 'context', ...INPUT_FLAGS],
  apply: ['json', 'refresh', 'yes', 'concurrency', 'allow-data-loss', 'wait-timeout', 'lock-timeout', 'target', 'replace', 'migrate-volumes', 'skip-checks', 'context', ...INPUT_FLAGS],
  destroy: ['json', 'yes', 'concurrency', 'volumes', 'wait-timeout', 'lock-timeout', 'target', 'context', ...INPUT_FLAGS],
  ps: ['json', 'stack', 'context', ...INPUT_FLAGS],
  logs: ['stack', 'follow', 'since', 'tail', 'timestamps', 'context', ...INPUT_FLAGS],
  exec: ['stack', 'user', 'workdir', 'no-tty', 'index', 'context', ...INPUT_FLAGS],
  graph: ['format', ...INPUT_FLAGS],
};

/** The flags of the commands that take no plan flags, as parsed, and their positionals. */
export interface Day2Args {
  values: { [K in keyof typeof options]?: (typeof options)[K]['type'] extends 'boolean' ? boolean : (typeof options)[K] extends { multiple: true } ? string[] : string };
  positionals: string[];
}

/** ps, logs, exec and graph: the same option table and messages as plan/apply/destroy. */
export function parseDay2Args(command: 'ps' | 'logs' | 'exec' | 'graph', argv: string[]): Day2Args {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageErrorOf(e, command, allowed[command]!);
  }
  for (const key of Object.keys(parsed.values)) {
    if (!allowed[command]!.includes(key)) throw new UsageError(`moor ${command} does not take --${key}${didYouMean(key, allowed[command]!, '--')}`);
  }
  if (parsed.values.context !== undefined && !parsed.values.context) throw new UsageError('--context takes a docker context name, e.g. --context prod');
  if (parsed.values.stack !== undefined && !parsed.values.stack) throw new UsageError('--stack takes a stack name, e.g. --stack shop');
  return { values: parsed.values as Day2Args['values'], positionals: parsed.positionals };
}

/** Flags (of `command`) that take a value: their value is the next argument unless given as --flag=value. */
export function takesValue(command: string, arg: string): boolean {
  const long = arg.startsWith('--') ? arg.slice(2) : Object.entries(options).find(([, o]) => 'short' in o && `-${o.short}` === arg)?.[0];
  if (!long || long.includes('=') || !allowed[command]?.includes(long)) return false;
  return options[long as keyof typeof options].type === 'string';
}

const DURATION = /^(\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

function durationMs(flag: string, value: string): number {
  if (!DURATION.test(value)) throw new UsageError(`--${flag} takes a duration like 0s, 30s or 2m`);
  return durationToNanos(value) / 1e6;
}

/**
 * `--refresh=false` (terraform's spelling) turns the deep read off; `--refresh` / `--refresh=true`
 * is the default. parseArgs has no negative booleans on Node 20, so the value is taken here.
 */
function takeRefresh(argv: string[]): { rest: string[]; refresh: boolean } {
  let refresh = true;
  const rest: string[] = [];
  for (const a of argv) {
    const m = /^--refresh(?:=(.*))?$/.exec(a);
    if (!m) { rest.push(a); continue; }
    if (m[1] === undefined || m[1] === 'true') refresh = true;
    else if (m[1] === 'false') refresh = false;
    else throw new UsageError(`--refresh takes true or false, e.g. --refresh=false (got "${m[1]}")`);
    rest.push('--refresh');
  }
  return { rest, refresh };
}

/** parseArgs' own messages, in moor's words, with the closest flag the command takes. */
export function usageErrorOf(e: unknown, command: string, known: readonly string[]): UsageError {
  const message = (e as Error).message;
  const unknown = /Unknown option '(-{1,2})([^'=]+)/.exec(message);
  if (unknown) return new UsageError(`moor ${command} does not know ${unknown[1]}${unknown[2]}${didYouMean(unknown[2]!, known, '--')}`);
  const missing = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(message);
  if (missing) return new UsageError(`${missing[1]} needs a value`);
  return new UsageError(message.split('\n')[0]!);
}

export function parseCommandArgs(command: 'plan' | 'apply' | 'destroy', argv: string[]): DestroyFlags & PlanFlags {
  let parsed;
  const { rest, refresh } = takeRefresh(argv);
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageErrorOf(e, command, allowed[command]!);
  }
  const { values, positionals } = parsed;
  for (const key of Object.keys(values)) {
    if (!allowed[command]!.includes(key)) throw new UsageError(`moor ${command} does not take --${key}${didYouMean(key, allowed[command]!, '--')}`);
  }
  if (positionals.length > 1) {
    throw new UsageError(`moor ${command} takes one ${command === 'apply' ? 'stack file or saved plan' : 'stack file'}, e.g. moor ${command} stacks/demo.ts (got ${positionals.length}: ${positionals.join(' ')})`);
  }
  const concurrency = values.concurrency === undefined ? DEFAULT_CONCURRENCY : /^\d+$/.test(values.concurrency) ? Number(values.concurrency) : NaN;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError('--concurrency must be a whole number from 1 to 64');
  if (values.out !== undefined && !values.out) throw new UsageError('--out takes a file name, e.g. --out plan.json');
  if (values.context !== undefined && !values.context) throw new UsageError('--context takes a docker context name, e.g. --context prod');
  return {
    stackFile: findStackFile(positionals[0], command),
    json: !!values.json,
    refresh,
    detailedExitcode: !!values['detailed-exitcode'],
    yes: !!values.yes,
    concurrency,
    allowDataLoss: !!values['allow-data-loss'],
    waitTimeoutMs: durationMs('wait-timeout', values['wait-timeout'] ?? '120s'),
    lockTimeoutMs: durationMs('lock-timeout', values['lock-timeout'] ?? DEFAULT_LOCK_TIMEOUT),
    volumes: !!values.volumes,
    out: values.out ?? null,
    targets: values.target ?? [],
    replace: values.replace ?? [],
    migrateVolumes: !!values['migrate-volumes'],
    skipChecks: !!values['skip-checks'],
    ...(values.context ? { context: values.context } : {}),
    inputs: stackInputs(values),
  };
}
