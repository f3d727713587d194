/**
 * Option values → TypeScript expressions: JSON written as object literals (bare keys where they
 * are identifiers, single-quoted strings), on one line when it fits, else one entry a line; plus
 * handle references ({ $ref }), secrets ({ $secret }) and provider calls ({ $call, args }).
 */
export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

const WIDTH = 110;

/** Words a variable cannot be named (reserved in strict-mode modules, or confusing). */
export const JS_RESERVED = [
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export', 'extends',
  'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super', 'switch', 'this',
  'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'let', 'static', 'implements', 'interface', 'package',
  'private', 'protected', 'public', 'await', 'arguments', 'eval', 'undefined', 'NaN', 'Infinity',
];

export function isIdentifier(s: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s);
}

/** A string literal: single-quoted, or double-quoted when that saves escaping a quote. */
export function quote(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + q;
}

function isRef(v: Value): v is { $ref: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.$ref === 'string' && Object.keys(v).length === 1;
}
function isSecretRef(v: Value): v is { $secret: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.$secret === 'string' && Object.keys(v).length === 1;
}
function isCall(v: Value): v is { $call: string; args?: Value[] } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.$call === 'string';
}

/** Every varName a value refers to. */
export function refsOf(v: Value): string[] {
  if (Array.isArray(v)) return v.flatMap(refsOf);
  if (v && typeof v === 'object') return isRef(v) ? [v.$ref] : Object.values(v).flatMap(refsOf);
  return [];
}

function key(k: string): string {
  return isIdentifier(k) ? k : quote(k);
}

function number(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`emitStack: ${n} is not a JSON number`);
  return String(n);
}

/** One line, or undefined when the value has a part that must be written over several lines. */
function inline(v: Value, ids: Map<string, string>): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return number(v);
  if (typeof v === 'string') return quote(v);
  if (Array.isArray(v)) return `[${v.map((x) => inline(x, ids)).join(', ')}]`;
  if (isRef(v)) return ids.get(v.$ref) ?? v.$ref;
  if (isSecretRef(v)) return `secret(${quote(v.$secret)})`;
  if (isCall(v)) return `${v.$call}(${(v.args ?? []).map((x) => inline(x, ids)).join(', ')})`;
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  if (!entries.length) return '{}';
  return `{ ${entries.map(([k, x]) => `${key(k)}: ${inline(x, ids)}`).join(', ')} }`;
}

/**
 * The value as an expression starting at column `indent.length` (after a prefix of `lead`
 * characters on its first line): inline when it fits, else its entries one a line.
 */
export function renderValue(v: Value, ids: Map<string, string>, indent: string, lead = 20): string {
  const one = inline(v, ids);
  if (indent.length + lead + one.length <= WIDTH || v === null || typeof v !== 'object') return one;
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.every((x) => x === null || typeof x !== 'object')) return fill(v.map((x) => inline(x, ids)), inner, indent);
    const items = v.map((x) => `${inner}${renderValue(x, ids, inner, 0)},`);
    return `[\n${items.join('\n')}\n${indent}]`;
  }
  if (isRef(v) || isSecretRef(v)) return one;
  if (isCall(v)) {
    const args = (v.args ?? []).map((x) => renderValue(x, ids, indent, v.$call.length + 1));
    return `${v.$call}(${args.join(', ')})`;
  }
  const items = Object.entries(v)
    .filter(([, x]) => x !== undefined)
    .map(([k, x]) => `${inner}${key(k)}: ${renderValue(x, ids, inner, key(k).length + 2)},`);
  return `{\n${items.join('\n')}\n${indent}}`;
}

/** Scalars packed into lines of at most WIDTH characters (a command's words stay readable). */
function fill(items: string[], inner: string, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    if (line && inner.length + line.length + item.length + 2 > WIDTH) {
      lines.push(line);
      line = '';
    }
    line += `${line ? ' ' : ''}${item},`;
  }
  if (line) lines.push(line);
  return `[\n${lines.map((l) => inner + l).join('\n')}\n${indent}]`;
}
