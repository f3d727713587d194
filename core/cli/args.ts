/** Command-line parsing with node:util's parseArgs; no framework needed for three commands. */
import { parseArgs } from 'node:util';
import { durationToNanos } from '../model/units.js';
import { UsageError } from './errors.js';
import { findStackFile } from './stack-file.js';
import { didYouMean } from './suggest.js';

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
} as const;

const allowed: Record<string, string[]> = {
  plan: ['json', 'refresh', 'detailed-exitcode', 'out', 'target', 'replace', 'migrate-volumes', 'skip-checks', 'context'],
  apply: ['json', 'refresh', 'yes', 'concurrency', 'allow-data-loss', 'wait-timeout', 'lock-timeout', 'target', 'replace', 'migrate-volumes', 'skip-checks', 'context'],
  destroy: ['json', 'yes', 'concurrency', 'volumes', 'wait-timeout', 'lock-timeout', 'target', 'context'],
};

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
  };
}
