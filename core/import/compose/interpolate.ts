/**
 * Compose's variable interpolation, on every string value of a file (keys are left as they are):
 *   $VAR ${VAR}            the value, '' when unset
 *   ${VAR:-default}        default when VAR is unset or empty;  ${VAR-default} only when unset
 *   ${VAR:?message}        an error when unset or empty;        ${VAR?message} only when unset
 *   ${VAR:+other}          other when VAR is set and not empty; ${VAR+other} when set
 *   $$                     a literal $
 * Defaults and messages may themselves hold ${…}. Values are read at import time.
 */
import { ComposeError, locate, showLoc, type Loc } from './types.js';

export type Lookup = (name: string) => string | undefined;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** The interpolated string; `where` names the value in error messages. */
export function interpolateString(text: string, lookup: Lookup, where: () => string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch !== '$') { out += ch; i++; continue; }
    const next = text[i + 1];
    if (next === '$') { out += '$'; i += 2; continue; }
    if (next === '{') {
      const end = closingBrace(text, i + 2);
      if (end < 0) throw new ComposeError(`${where()}: invalid interpolation format in "${text}": a \${ without its }`);
      out += braced(text.slice(i + 2, end), lookup, where, text);
      i = end + 1;
      continue;
    }
    const m = NAME.exec(text.slice(i + 1));
    if (m) { out += lookup(m[0]) ?? ''; i += 1 + m[0].length; continue; }
    throw new ComposeError(`${where()}: invalid interpolation format in "${text}": write $$ for a literal $`);
  }
  return out;
}

function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') { i++; continue; }
    if (text[i] === '$' && text[i + 1] === '{') { depth++; i++; continue; }
    if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function braced(inner: string, lookup: Lookup, where: () => string, whole: string): string {
  const m = NAME.exec(inner);
  if (!m) throw new ComposeError(`${where()}: invalid interpolation format in "${whole}": "\${${inner}}" names no variable`);
  const name = m[0];
  const rest = inner.slice(name.length);
  if (rest === '') return lookup(name) ?? '';
  const op = /^(:?[-?+])/.exec(rest)?.[1];
  if (!op) throw new ComposeError(`${where()}: invalid interpolation format in "${whole}": unexpected "${rest}" after ${name}`);
  const arg = () => interpolateString(rest.slice(op.length), lookup, where);
  const value = lookup(name);
  const colon = op.startsWith(':');
  const missing = value === undefined || (colon && value === '');
  switch (op.replace(':', '')) {
    case '-': return missing ? arg() : value!;
    case '+': return missing ? '' : arg();
    default: {
      if (!missing) return value!;
      const message = arg();
      throw new ComposeError(`${where()}: required variable ${name} is ${value === undefined ? 'missing' : 'empty'}${message ? `: ${message}` : ''}`);
    }
  }
}

/** Interpolate every string of a parsed file, in place of a copy; errors name file:line. */
export function interpolateValue(value: unknown, lookup: Lookup, locs: Map<string, Loc>, path = '', base?: string): unknown {
  if (typeof value === 'string') {
    return interpolateString(value, lookup, () => {
      const loc = locate(locs, path);
      return `${loc ? showLoc(loc, base) : 'compose file'} (${path.replace(/\//g, '.')})`;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateValue(v, lookup, locs, `${path}/${i}`, base));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateValue(v, lookup, locs, path ? `${path}/${k}` : k, base);
    return out;
  }
  return value;
}
