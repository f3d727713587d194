/**
 * Code generation for imported stacks: a plain description of the stack → the text of a readable
 * TypeScript stack file. A minimal emitter behind the interface the compose import shares (its
 * fuller one, formatted with ts-morph, replaces this file when both land).
 *
 * Option values are JSON plus references: { $ref: 'varName' } a handle declared by another entry,
 * { $secret: 'NAME' } secret('NAME'), { $call: 'local', args: [...] } a provider call. Handles are
 * declared images, networks, volumes, then containers (each after the containers it refers to).
 */
export interface Entry {
  /** The variable that holds the handle. */
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
const KINDS: [Kind, 'images' | 'networks' | 'volumes' | 'containers'][] = [['image', 'images'], ['network', 'networks'], ['volume', 'volumes'], ['container', 'containers']];
/** moor's names and JavaScript's reserved words: never a generated variable. */
const RESERVED = new Set([
  'image', 'network', 'volume', 'container', 'backup', 'stack', 'secret', 'local', 'tmpfs', 'bind', 'nfs', 'sshfs', 'device',
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export', 'extends',
  'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super', 'switch', 'this',
  'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'let', 'static', 'implements', 'interface', 'package',
  'private', 'protected', 'public', 'await', 'arguments', 'eval', 'undefined',
]);

const isIdentifier = (s: string) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s);
const quote = (s: string) => `'${JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function identifiers(entries: Entry[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const e of entries) {
    let base = e.varName.replace(/[^A-Za-z0-9_$]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''));
    if (!base || /^[0-9]/.test(base)) base = `_${base}`;
    if (RESERVED.has(base)) base = `${base}_`;
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
    taken.add(id);
    if (!out.has(e.varName)) out.set(e.varName, id);
  }
  return out;
}

function refsOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(refsOf);
  if (isObject(v)) return typeof v.$ref === 'string' ? [v.$ref] : Object.values(v).flatMap(refsOf);
  return [];
}

function render(v: unknown, ids: Map<string, string>, indent: string): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (typeof v === 'string') return quote(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    const one = `[${v.map((x) => render(x, ids, inner)).join(', ')}]`;
    return one.length <= 90 && !one.includes('\n') ? one : `[\n${v.map((x) => `${inner}${render(x, ids, inner)},`).join('\n')}\n${indent}]`;
  }
  if (!isObject(v)) throw new Error(`emitStack: ${String(v)} is not JSON`);
  if (typeof v.$ref === 'string') {
    const id = ids.get(v.$ref);
    if (!id) throw new Error(`emitStack: a reference to ${v.$ref}, which no entry declares`);
    return id;
  }
  if (typeof v.$secret === 'string') return `secret(${quote(v.$secret)})`;
  if (typeof v.$call === 'string') return `${v.$call}(${((v.args as unknown[]) ?? []).map((x) => render(x, ids, indent)).join(', ')})`;
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  if (!entries.length) return '{}';
  const parts = entries.map(([k, x]) => `${isIdentifier(k) ? k : quote(k)}: ${render(x, ids, inner)}`);
  const one = `{ ${parts.join(', ')} }`;
  return one.length <= 90 && !one.includes('\n') ? one : `{\n${parts.map((p) => `${inner}${p},`).join('\n')}\n${indent}}`;
}

function calls(v: unknown, into: Set<string>): void {
  if (Array.isArray(v)) v.forEach((x) => calls(x, into));
  else if (isObject(v)) {
    if (typeof v.$call === 'string') into.add(v.$call);
    if (typeof v.$secret === 'string') into.add('secret');
    Object.values(v).forEach((x) => calls(x, into));
  }
}

/** Containers after those they refer to; otherwise in the given order. */
function dependencyOrder(containers: Entry[]): Entry[] {
  const byVar = new Map(containers.map((c) => [c.varName, c]));
  const done = new Set<string>();
  const out: Entry[] = [];
  const visit = (c: Entry, seen: Set<string>) => {
    if (done.has(c.varName) || seen.has(c.varName)) return;
    seen.add(c.varName);
    for (const r of refsOf(c.options)) { const dep = byVar.get(r); if (dep) visit(dep, seen); }
    done.add(c.varName);
    out.push(c);
  };
  containers.forEach((c) => visit(c, new Set()));
  return out;
}

/** The stack file's text. */
export function emitStack(model: ImportedStack): string {
  const all = KINDS.flatMap(([, key]) => model[key]);
  const ids = identifiers(all);
  const referenced = new Set(all.flatMap((e) => refsOf(e.options)));
  const used = new Set<string>();
  calls(all.map((e) => e.options), used);
  const body: string[] = [];
  const kinds: Kind[] = [];
  for (const [kind, key] of KINDS) {
    const entries = key === 'containers' ? dependencyOrder(model.containers) : model[key];
    if (!entries.length) continue;
    kinds.push(kind);
    for (const e of entries) {
      if (body.length) body.push('');
      for (const c of e.comments ?? []) body.push(`  // ${c}`);
      const args = Object.keys(e.options).length ? `${quote(e.name)}, ${render(e.options, ids, '  ')}` : quote(e.name);
      body.push(`  ${referenced.has(e.varName) ? `const ${ids.get(e.varName)} = ` : ''}${kind}(${args});`);
    }
  }
  const header = model.header.length ? ['/**', ...model.header.map((l) => ` *${l ? ` ${l.replace(/\*\//g, '*\\/')}` : ''}`), ' */'] : [];
  return [
    ...header,
    `import { ${['stack', ...[...used].sort()].join(', ')} } from 'moor';`,
    '',
    `export default stack(${quote(model.name)}, ({ ${kinds.join(', ')} }) => {`,
    ...body,
    '});',
    '',
  ].join('\n');
}
