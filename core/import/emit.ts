/**
 * Code generation for imported stacks: a plain description of the stack (what `moor import`
 * worked out) → the text of a readable, formatted TypeScript stack file. Used by
 * `moor import compose` and by the adoption of running containers.
 *
 * Option values are JSON plus three kinds of references:
 *   { $ref: 'varName' }                 a handle declared by another entry
 *   { $secret: 'NAME' }                 secret('NAME')
 *   { $call: 'tmpfs', args: [ {…} ] }   a provider call (local, tmpfs, bind, nfs, sshfs, device)
 * Handles are declared in dependency order (images, networks, volumes, then containers sorted so
 * that a container comes after the ones it refers to); a handle nobody refers to is not bound to
 * a variable. ts-morph (loaded only here) builds and formats the file.
 */
import { createRequire } from 'node:module';
import { isIdentifier, JS_RESERVED, quote, renderValue, refsOf, type Value } from './emit-value.js';

export interface Entry {
  /** The variable that holds the handle (made a valid, unique identifier if it is not one). */
  varName: string;
  /** The resource's name in the stack (image reference for an image with no options). */
  name: string;
  options: Record<string, unknown>;
  /** Lines of comment written above the declaration (where the mapping is not one-to-one). */
  comments?: string[];
}

export interface ImportedStack {
  name: string;
  /** The import report: written as a comment block at the top of the file. */
  header: string[];
  images: Entry[];
  networks: Entry[];
  volumes: Entry[];
  containers: Entry[];
}

type Kind = 'image' | 'network' | 'volume' | 'container';
const KINDS: [Kind, keyof ImportedStack][] = [['image', 'images'], ['network', 'networks'], ['volume', 'volumes'], ['container', 'containers']];
/** Names a generated variable must not shadow. */
const RESERVED = new Set([
  'image', 'network', 'volume', 'container', 'backup', 'stack', 'secret', 'local', 'tmpfs', 'bind', 'nfs', 'sshfs', 'device',
  ...JS_RESERVED,
]);
const PROVIDERS = new Set(['local', 'tmpfs', 'bind', 'nfs', 'sshfs', 'device']);

/** Valid, unique identifiers for every entry's varName (the same map rewrites the references). */
function identifiers(entries: Entry[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const e of entries) {
    let base = e.varName.replace(/[^A-Za-z0-9_$]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''));
    if (!base || /^[0-9]/.test(base)) base = `_${base}`;
    if (!isIdentifier(base) || RESERVED.has(base)) base = `${base}_`;
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
    taken.add(id);
    if (!out.has(e.varName)) out.set(e.varName, id);
  }
  return out;
}

/** Containers ordered so that each comes after those it refers to; otherwise in the given order. */
function dependencyOrder(containers: Entry[]): Entry[] {
  const byVar = new Map(containers.map((c) => [c.varName, c]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: Entry[] = [];
  const visit = (c: Entry) => {
    if (done.has(c.varName) || visiting.has(c.varName)) return; // a cycle is left for moor's own check to name
    visiting.add(c.varName);
    for (const r of refsOf(c.options as Value)) {
      const dep = byVar.get(r);
      if (dep) visit(dep);
    }
    visiting.delete(c.varName);
    done.add(c.varName);
    out.push(c);
  };
  containers.forEach(visit);
  return out;
}

function commentBlock(lines: string[], indent: string): string {
  return lines.flatMap((l) => l.split('\n')).map((l) => `${indent}//${l ? ` ${l}` : ''}`).join('\n');
}

function headerBlock(lines: string[]): string {
  if (!lines.length) return '';
  const body = lines.flatMap((l) => l.split('\n')).map((l) => ` *${l ? ` ${l.replace(/\*\//g, '*\\/')}` : ''}`);
  return ['/**', ...body, ' */'].join('\n');
}

/** `image('nginx:1.27')` for an image with no options, else `kind('name', { … })`. */
function declaration(kind: Kind, entry: Entry, ids: Map<string, string>, bound: boolean, indent: string): string {
  const hasOptions = Object.keys(entry.options).length > 0;
  const args = hasOptions ? `${quote(entry.name)}, ${renderValue(entry.options as Value, ids, indent)}` : quote(entry.name);
  const call = `${kind}(${args});`;
  return bound ? `const ${ids.get(entry.varName)} = ${call}` : call;
}

function collectCalls(v: unknown, into: Set<string>): void {
  if (Array.isArray(v)) v.forEach((x) => collectCalls(x, into));
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$call === 'string') into.add(o.$call);
    if ('$secret' in o) into.add('secret');
    Object.values(o).forEach((x) => collectCalls(x, into));
  }
}

/** The stack file's text, formatted. */
export function emitStack(model: ImportedStack): string {
  const all = KINDS.flatMap(([, key]) => model[key] as Entry[]);
  const ids = identifiers(all);
  const referenced = new Set(all.flatMap((e) => refsOf(e.options as Value)));
  const used = new Set<string>();
  collectCalls(all.map((e) => e.options), used);
  for (const call of used) if (call !== 'secret' && !PROVIDERS.has(call)) throw new Error(`emitStack: unknown call ${call}()`);
  for (const r of referenced) if (!ids.has(r)) throw new Error(`emitStack: a reference to ${r}, which no entry declares`);

  const indent = '  ';
  const body: string[] = [];
  const kindsUsed: Kind[] = [];
  for (const [kind, key] of KINDS) {
    const entries = key === 'containers' ? dependencyOrder(model.containers) : (model[key] as Entry[]);
    if (!entries.length) continue;
    kindsUsed.push(kind);
    if (body.length) body.push('');
    let lastMultiline = false;
    entries.forEach((e, i) => {
      const text = indent + declaration(kind, e, ids, referenced.has(e.varName), indent);
      const multiline = text.includes('\n') || !!e.comments?.length;
      // Declarations of several lines are set apart by a blank line.
      if (i > 0 && (multiline || lastMultiline)) body.push('');
      if (e.comments?.length) body.push(commentBlock(e.comments, indent));
      body.push(text);
      lastMultiline = multiline;
    });
  }

  const imports = ['stack', ...[...used].sort()];
  const text = [
    headerBlock(model.header),
    `import { ${imports.join(', ')} } from 'moor';`,
    '',
    `export default stack(${quote(model.name)}, ({ ${kindsUsed.join(', ')} }) => {`,
    ...body,
    '});',
    '',
  ].filter((l, i) => i > 0 || l !== '').join('\n');
  return format(text);
}

/** ts-morph's formatter (the TypeScript language service's): indentation and spacing. */
function format(text: string): string {
  // A new in-memory project each time: reusing one across files corrupts the formatting edits
  // (the language service keeps positions of the previous text).
  const { Project, ts } = createRequire(import.meta.url)('ts-morph') as typeof import('ts-morph');
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } });
  const file = project.createSourceFile('stack.ts', text);
  file.formatText({ indentSize: 2, convertTabsToSpaces: true, semicolons: ts.SemicolonPreference.Insert, ensureNewLineAtEndOfFile: true });
  return file.getFullText();
}
