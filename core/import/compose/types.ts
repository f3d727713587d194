/** Shared shapes of the compose importer: locations, report items, the loaded project. */
import { MoorError } from '../../errors.js';

export interface Loc {
  file: string;
  line: number;
}

/** A compose file moor cannot read (bad YAML, an interpolation error, an unknown extends target…). */
export class ComposeError extends MoorError {}

/** One line of the import report: a compose key that was left out, or mapped not one-to-one. */
export interface ReportItem {
  /** 'left-out': not in the stack (counts for the exit code); 'note': mapped with a difference; 'info': nothing lost. */
  kind: 'left-out' | 'note' | 'info';
  /** The compose key, as a path: 'services.web.cap_add'. */
  key: string;
  loc?: Loc;
  why: string;
}

/** Compose files after loading: merged, interpolated, extends resolved, profiles applied. */
export interface ComposeProject {
  /** The directory of the first file: relative paths in every file are resolved against it. */
  dir: string;
  files: string[];
  /** Top-level `name:`, if any. */
  name?: string;
  /** The merged model (services are only the enabled ones). */
  model: Record<string, unknown>;
  /** Key paths ('services/web/ports/0') → where they are written. */
  locs: Map<string, Loc>;
  /** Services left out because none of their profiles is enabled. */
  disabled: { name: string; profiles: string[]; loc?: Loc }[];
  /** Host paths that were relative in the files (resolved): the stack writes them relative to itself. */
  relativePaths: Set<string>;
  /** Variables read at import time (name → value), for the report. */
  variables: Map<string, string | undefined>;
}

export type Dict = Record<string, unknown>;

export const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The location of a key path, or of the nearest enclosing key that has one. */
export function locate(locs: Map<string, Loc>, path: string): Loc | undefined {
  for (let p = path; p; p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '') {
    const l = locs.get(p);
    if (l) return l;
  }
  return undefined;
}

export function showLoc(loc: Loc | undefined, base?: string): string {
  if (!loc) return '';
  const file = base && loc.file.startsWith(`${base}/`) ? loc.file.slice(base.length + 1) : loc.file;
  return `${file}:${loc.line}`;
}
