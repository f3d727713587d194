/**
 * Compose's `.env` and env_file syntax: `KEY=VALUE` lines (an optional `export ` before), blank
 * lines and `#` comments ignored; VALUE unquoted (trimmed, a ` #` starts a comment), '…'
 * (literal) or "…" (\n, \t, \", \\ escapes); unquoted and double-quoted values may refer to
 * earlier variables and the environment with ${…}. A line `KEY` alone takes KEY from the environment.
 */
import { ComposeError } from './types.js';
import { interpolateString, type Lookup } from './interpolate.js';

export function parseDotenv(text: string, file: string, outer: Lookup): Map<string, string> {
  const vars = new Map<string, string>();
  const lookup: Lookup = (n) => (vars.has(n) ? vars.get(n) : outer(n));
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice(7).trim();
    const where = () => `${file}:${n + 1}`;
    const eq = line.indexOf('=');
    if (eq < 0) {
      if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(line)) throw new ComposeError(`${where()}: expected KEY=VALUE, found "${line}"`);
      const v = outer(line);
      if (v !== undefined) vars.set(line, v);
      continue;
    }
    const key = line.slice(0, eq).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) throw new ComposeError(`${where()}: "${key}" is not a variable name`);
    let raw = line.slice(eq + 1).trim();
    let value: string;
    if (raw.startsWith("'")) {
      // A quoted value may go on over several lines.
      while (raw.length < 2 || !raw.endsWith("'")) {
        if (++n >= lines.length) throw new ComposeError(`${where()}: no closing ' for ${key}`);
        raw += `\n${lines[n]}`;
        raw = raw.trimEnd();
      }
      value = raw.slice(1, raw.lastIndexOf("'"));
    } else if (raw.startsWith('"')) {
      while (!/[^\\]"\s*(#.*)?$/.test(raw.slice(1)) && !/^""/.test(raw)) {
        if (++n >= lines.length) throw new ComposeError(`${where()}: no closing " for ${key}`);
        raw += `\n${lines[n]}`;
      }
      const body = raw.slice(1, raw.search(/"\s*(#.*)?$/));
      const unescaped = body.replace(/\\([nrt"\\$])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[c] ?? (c === '$' ? '$$' : c));
      value = interpolateString(unescaped, lookup, where);
    } else {
      const hash = raw.search(/\s#/);
      if (hash >= 0) raw = raw.slice(0, hash).trimEnd();
      value = interpolateString(raw, lookup, where);
    }
    vars.set(key, value);
  }
  return vars;
}
