/**
 * Env files (compose's `env_file`): KEY=VALUE lines read when the stack loads, merged under the
 * container's explicit `env` (env wins). Their values are data of the stack, like `env`: a changed
 * file is a planned change of that key.
 *
 * Syntax, as compose reads it: blank lines and lines starting with `#` are ignored; an optional
 * `export ` prefix; `KEY=VAL`, `KEY="VAL"` (escapes \n \r \t \\ \" and \$), `KEY='VAL'` (literal);
 * for an unquoted value, ` #` starts a comment, and surrounding spaces are trimmed; after a closing
 * quote only a comment may follow. Not supported (a diagnostic, never a guess): a bare `KEY` (compose
 * takes its value from the shell: moor's values are data, use secret('KEY') in env), and values
 * spanning lines. `${VAR}` is kept as written (no interpolation).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface EnvFileProblem {
  /** Index in the envFile list. */
  index: number;
  message: string;
}

const KEY = /^[^=\s#][^=\s]*$/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', $: '$' };

/** One file's text → its variables, in file order (a later line wins); problems name the line. */
export function parseEnvFile(text: string, file: string): { env: Record<string, string>; problems: string[] } {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    let line = raw.trim();
    if (!line || line.startsWith('#')) return;
    if (/^export\s+/.test(line)) line = line.replace(/^export\s+/, '');
    const eq = line.indexOf('=');
    if (eq < 0) {
      problems.push(`${where}: "${line}" has no value (compose would take it from the shell; moor's env files hold data: write ${line}=value, or use secret('${line}') in env)`);
      return;
    }
    const key = line.slice(0, eq).trim();
    if (!KEY.test(key)) { problems.push(`${where}: "${key}" is not a variable name`); return; }
    const rest = line.slice(eq + 1).trimStart();
    const q = rest[0];
    if (q === '"' || q === "'") {
      let value = '';
      let j = 1;
      for (; j < rest.length && rest[j] !== q; j++) {
        if (q === '"' && rest[j] === '\\' && j + 1 < rest.length) { j++; value += ESCAPES[rest[j]!] ?? `\\${rest[j]}`; } else value += rest[j];
      }
      if (j >= rest.length) { problems.push(`${where}: the value of ${key} has no closing ${q} (values spanning lines are not supported)`); return; }
      const after = rest.slice(j + 1).trim();
      if (after && !after.startsWith('#')) { problems.push(`${where}: unexpected text after the quoted value of ${key}`); return; }
      env[key] = value;
      return;
    }
    const comment = rest.search(/\s#/);
    env[key] = (comment < 0 ? rest : rest.slice(0, comment)).trim();
  });
  return { env, problems };
}

/** Read env files (relative to the stack's directory) in order, a later file winning. */
export function readEnvFiles(files: string[], dir: string): { env: Record<string, string>; problems: EnvFileProblem[]; read: string[] } {
  const env: Record<string, string> = {};
  const problems: EnvFileProblem[] = [];
  const read: string[] = [];
  files.forEach((f, index) => {
    const abs = path.resolve(dir, f);
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      problems.push({ index, message: code === 'ENOENT' ? `env file ${abs} does not exist` : `env file ${abs} cannot be read: ${(e as Error).message}` });
      return;
    }
    read.push(abs);
    const parsed = parseEnvFile(text, abs);
    Object.assign(env, parsed.env);
    problems.push(...parsed.problems.map((message) => ({ index, message })));
  });
  return { env, problems, read };
}
