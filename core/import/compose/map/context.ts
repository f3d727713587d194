/** What the mapping of one compose project shares: names, the report, the stack file's place. */
import path from 'node:path';
import { locate, type ComposeProject, type Dict, type ReportItem } from '../types.js';

export interface MapOptions {
  /** The directory the stack file is written to: relative paths are made relative to it. */
  stackDir: string;
  /** Environment variable names whose values become secret('NAME'). */
  secretEnv: string[];
  /** Reads a variable at import time (the shell's environment, then .env). */
  lookup: (name: string) => string | undefined;
}

export class MapContext {
  readonly items: ReportItem[] = [];
  /** compose name → moor resource name. */
  readonly services = new Map<string, string>();
  readonly networks = new Map<string, string>();
  readonly volumes = new Map<string, string>();
  /** Services another one waits for with service_completed_successfully. */
  readonly runOnce = new Set<string>();
  readonly secretEnv: Set<string>;

  constructor(readonly project: ComposeProject, readonly options: MapOptions) {
    this.secretEnv = new Set(options.secretEnv);
  }

  /** Adds a report line for a key path ('services/web/cap_add'). */
  report(kind: ReportItem['kind'], keyPath: string, why: string): void {
    this.items.push({ kind, key: keyPath.replace(/\//g, '.'), loc: locate(this.project.locs, keyPath), why });
  }

  /** A host path as the stack file should write it: relative to the stack file's directory if it was relative in compose. */
  relative(abs: string): string {
    if (!this.project.relativePaths.has(abs)) return abs;
    const rel = path.relative(this.options.stackDir, abs) || '.';
    return rel.startsWith('..') || path.isAbsolute(rel) ? rel : `./${rel}`;
  }

  section(name: string): Dict {
    const s = this.project.model[name];
    return s && typeof s === 'object' && !Array.isArray(s) ? (s as Dict) : {};
  }
}

/** A compose name → a moor resource name ([a-z0-9][a-z0-9_-]{0,62}). */
export function resourceName(name: string, taken: Set<string>): string {
  let base = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 60) || 'x';
  if (!/^[a-z0-9]/.test(base)) base = `x${base}`;
  let out = base;
  for (let n = 2; taken.has(out); n++) out = `${base}-${n}`;
  taken.add(out);
  return out;
}

/** A variable name for a handle: camelCase of the resource name, with a suffix by kind on clashes. */
export function varName(name: string): string {
  const camel = name.replace(/[-_]+([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9_$]/g, '');
  return /^[0-9]/.test(camel) ? `_${camel}` : camel || 'x';
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

/** YAML 1.2 reads `yes`/`on` as strings; compose's typed fields take them as booleans. */
export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    if (/^(true|yes|on|y)$/i.test(v)) return true;
    if (/^(false|no|off|n)$/i.test(v)) return false;
  }
  return undefined;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}
