/**
 * One compose file's YAML → plain values and the line of every key. Parsed with the `yaml`
 * package (loaded only by `moor import`): YAML 1.2's core schema, as compose-go reads files
 * (`yes`, `on` stay strings; `80:80` is not a base-60 number as YAML 1.1 would have it), with
 * `<<` merge keys enabled, anchors and aliases resolved. A key brought in by a merge key or an
 * alias is located where it is written (in the anchor).
 */
import type { Document, Node as YamlNode } from 'yaml';
import { ComposeError, type Loc } from './types.js';

/** Key paths ('services/web/ports/0') → where they are written. */
export type Locs = Map<string, Loc>;

export interface ParsedFile {
  value: Record<string, unknown>;
  locs: Locs;
}

type YamlModule = typeof import('yaml');

/** `shown`: the file's name in error messages. */
export async function parseComposeYaml(text: string, file: string, shown = file): Promise<ParsedFile> {
  const m = await import('yaml');
  // Bundled, the CommonJS package's exports sit on `default`.
  const Y = ('LineCounter' in m && m.LineCounter ? m : (m as unknown as { default: YamlModule }).default) as YamlModule;
  const lineCounter = new Y.LineCounter();
  const doc = Y.parseDocument(text, { merge: true, version: '1.2', schema: 'core', lineCounter, uniqueKeys: true, prettyErrors: false });
  const problem = doc.errors[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line ?? (problem.pos ? lineCounter.linePos(problem.pos[0]).line : undefined);
    throw new ComposeError(`${shown}${line ? `:${line}` : ''}: invalid YAML: ${problem.message.split('\n')[0]}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 10_000 });
  } catch (e) {
    throw new ComposeError(`${shown}: invalid YAML: ${(e as Error).message}`);
  }
  if (value === null || value === undefined) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ComposeError(`${shown}:1: a compose file is a mapping (services:, networks:, …)`);
  const locs: Locs = new Map();
  walk(Y, doc, doc.contents, '', file, lineCounter, locs, 0);
  return { value: value as Record<string, unknown>, locs };
}

function walk(Y: YamlModule, doc: Document, node: unknown, at: string, file: string, lc: InstanceType<YamlModule['LineCounter']>, locs: Locs, depth: number): void {
  if (depth > 64) return;
  if (Y.isAlias(node)) return walk(Y, doc, node.resolve(doc), at, file, lc, locs, depth + 1);
  const lineOf = (n: YamlNode | null | undefined) => (n?.range ? lc.linePos(n.range[0]).line : undefined);
  if (Y.isMap(node)) {
    const local = new Set<string>();
    const merges: unknown[] = [];
    for (const pair of node.items) {
      const key = Y.isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const isMergeKey = Y.isScalar(pair.key) && (typeof pair.key.value === 'symbol' || (pair.key.value === '<<' && pair.key.type === 'PLAIN'));
      if (isMergeKey) { merges.push(pair.value); continue; }
      const path = at ? `${at}/${key}` : key;
      const line = lineOf(pair.key as YamlNode);
      if (line) locs.set(path, { file, line });
      local.add(key);
      walk(Y, doc, pair.value, path, file, lc, locs, depth + 1);
    }
    // Merged keys: located in their anchor, unless the map sets them itself.
    for (const m of merges) {
      const sources = Y.isSeq(m) ? m.items : [m];
      for (const s of sources) {
        const target = Y.isAlias(s) ? s.resolve(doc) : s;
        if (!Y.isMap(target)) continue;
        for (const pair of target.items) {
          const key = Y.isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
          if (local.has(key)) continue;
          local.add(key);
          const path = at ? `${at}/${key}` : key;
          const line = lineOf(pair.key as YamlNode);
          if (line && !locs.has(path)) locs.set(path, { file, line });
          walk(Y, doc, pair.value, path, file, lc, locs, depth + 1);
        }
      }
    }
  } else if (Y.isSeq(node)) {
    node.items.forEach((item, i) => {
      const path = `${at}/${i}`;
      const line = lineOf((Y.isAlias(item) ? item : item) as YamlNode);
      if (line) locs.set(path, { file, line });
      walk(Y, doc, item, path, file, lc, locs, depth + 1);
    });
  }
}
