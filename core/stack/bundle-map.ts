/**
 * Positions in a stack's compiled bundle → positions in its TypeScript sources, through the
 * bundle's inline source map (import.ts writes one into every bundle).
 *
 * moor maps only the frames it looks at: the first frame outside moor's code, once per declaration.
 * Node's own source-map support (process.setSourceMapsEnabled) parses the map when the bundle
 * loads and then maps every frame of every stack trace, with a URL conversion each: ≈ 3–4 ms of
 * every plan, for about one frame in ten that is used. Here the map is read and parsed on the first
 * position asked of its bundle, once per process.
 */
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const INLINE = '//# sourceMappingURL=data:application/json;base64,';

/** Bundles loaded in this process, by path: their map once read (null: none that could be read). */
const bundles = new Map<string, SourceMap | null | undefined>();

/** A stack bundle was loaded from `file`: positions in it are mapped from now on. */
export function registerBundle(file: string): void {
  if (!bundles.has(file)) bundles.set(file, undefined);
}

function mapOf(file: string): SourceMap | null {
  const known = bundles.get(file);
  if (known !== undefined) return known;
  let map: SourceMap | null = null;
  try {
    const code = readFileSync(file, 'utf8');
    const at = code.lastIndexOf(INLINE);
    if (at >= 0) map = new SourceMap(JSON.parse(Buffer.from(code.slice(at + INLINE.length).trim(), 'base64').toString('utf8')) as SourceMapPayload);
  } catch {
    map = null; // a bundle removed or damaged since it loaded: its positions stay as they are
  }
  bundles.set(file, map);
  return map;
}

export interface Position {
  file: string;
  line: number;
  column: number;
}

/**
 * Where a 1-based line and column of a loaded bundle came from (the source file's path, 1-based),
 * as Node's own stack traces with source maps would say; a position in any other file, or one the
 * map does not cover, as it is.
 */
export function originalPosition(p: Position): Position {
  if (!bundles.has(p.file)) return p;
  const entry = mapOf(p.file)?.findEntry(p.line - 1, p.column - 1);
  if (!entry || !('originalSource' in entry) || !entry.originalSource) return p;
  const source = entry.originalSource;
  // esbuild writes sources relative to the bundle's directory (Node resolves them against its URL).
  const file = source.startsWith('file:') ? fileURLToPath(source) : path.resolve(path.dirname(p.file), source);
  return { file, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}
