/** Command-line parsing with node:util's parseArgs; no framework needed for three commands. */
import { parseArgs } from 'node:util';
import { durationToNanos } from '../stack/schema/common.js';
import { UsageError } from './errors.js';

export interface CommonFlags {
  stackFile: string;
  json: boolean;
  refresh: boolean;
}

export interface PlanFlags extends CommonFlags {
  detailedExitcode: boolean;
}

export interface ApplyFlags extends CommonFlags {
  yes: boolean;
  concurrency: number;
  allowDataLoss: boolean;
  waitTimeoutMs: number;
}

export interface DestroyFlags extends ApplyFlags {
  volumes: boolean;
}

export const DEFAULT_CONCURRENCY = 4;

const options = {
  json: { type: 'boolean' },
  refresh: { type: 'boolean' },
  'detailed-exitcode': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  concurrency: { type: 'string' },
  'allow-data-loss': { type: 'boolean' },
  'wait-timeout': { type: 'string' },
  volumes: { type: 'boolean' },
} as const;

const allowed: Record<string, string[]> = {
  plan: ['json', 'refresh', 'detailed-exitcode'],
  apply: ['json', 'refresh', 'yes', 'concurrency', 'allow-data-loss', 'wait-timeout'],
  destroy: ['json', 'yes', 'concurrency', 'volumes', 'wait-timeout'],
};

export function parseCommandArgs(command: 'plan' | 'apply' | 'destroy', argv: string[]): DestroyFlags & PlanFlags {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  for (const key of Object.keys(values)) {
    if (!allowed[command]!.includes(key)) throw new UsageError(`moor ${command} does not take --${key}`);
  }
  if (positionals.length !== 1) throw new UsageError(`moor ${command} takes exactly one stack file, e.g. moor ${command} stacks/demo.ts`);
  const concurrency = values.concurrency === undefined ? DEFAULT_CONCURRENCY : /^\d+$/.test(values.concurrency) ? Number(values.concurrency) : NaN;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError('--concurrency must be a whole number from 1 to 64');
  const wait = values['wait-timeout'] ?? '120s';
  if (!/^(\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(wait)) throw new UsageError('--wait-timeout takes a duration like 30s or 2m');
  return {
    stackFile: positionals[0]!,
    json: !!values.json,
    refresh: !!values.refresh,
    detailedExitcode: !!values['detailed-exitcode'],
    yes: !!values.yes,
    concurrency,
    allowDataLoss: !!values['allow-data-loss'],
    waitTimeoutMs: durationToNanos(wait) / 1e6,
    volumes: !!values.volumes,
  };
}
