/**
 * Stack parameters: each has a default, and the default's type (string, number or boolean) is the
 * parameter's type. Values come from an environment's JSON file (typed JSON values) or from text
 * (`--var name=value`, `MOOR_PARAM_name=value` in .env files or the environment), parsed to that
 * type. Every check returns a problem in words instead of throwing.
 */
import type { ParamDefaults, ParamValue } from './define.js';

export type ParamType = 'string' | 'number' | 'boolean';

/** Names usable as `--var name=…` and `MOOR_PARAM_name`: an identifier. */
export const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const typeOfParam = (v: ParamValue): ParamType => typeof v as ParamType;

const article = (t: ParamType) => (t === 'string' ? 'a string' : t === 'number' ? 'a number' : 'a boolean (true or false)');

/** What is wrong with the defaults themselves (a JavaScript stack can pass anything). */
export function defaultsProblems(defaults: unknown): string[] {
  if (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults)) return ['params must be an object of parameter defaults, e.g. { replicas: 1 }'];
  const problems: string[] = [];
  for (const [name, v] of Object.entries(defaults)) {
    if (!PARAM_NAME.test(name)) problems.push(`parameter name ${JSON.stringify(name)} is not an identifier (letters, digits and _, not starting with a digit)`);
    if (!['string', 'number', 'boolean'].includes(typeof v) || (typeof v === 'number' && !Number.isFinite(v))) {
      problems.push(`parameter ${name}'s default must be a string, a finite number or a boolean (its type is the parameter's type)`);
    }
  }
  return problems;
}

/** A typed value (from JSON) for parameter `name`: the value, or what is wrong with it. */
export function checkParamValue(defaults: ParamDefaults, name: string, value: unknown): { value: ParamValue } | { problem: string } {
  const def = defaults[name];
  if (def === undefined) return { problem: `unknown parameter ${name}` };
  const want = typeOfParam(def);
  if (typeof value !== want || (typeof value === 'number' && !Number.isFinite(value))) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
    return { problem: `parameter ${name} is ${article(want)} (its default is ${JSON.stringify(def)}), not ${got}` };
  }
  return { value: value as ParamValue };
}

/** A value given as text for parameter `name`, parsed to its default's type. */
export function parseParamText(defaults: ParamDefaults, name: string, text: string): { value: ParamValue } | { problem: string } {
  const def = defaults[name];
  if (def === undefined) return { problem: `unknown parameter ${name}` };
  const want = typeOfParam(def);
  if (want === 'string') return { value: text };
  if (want === 'boolean') {
    if (text === 'true') return { value: true };
    if (text === 'false') return { value: false };
  } else {
    const n = Number(text);
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) && Number.isFinite(n)) return { value: n };
  }
  return { problem: `parameter ${name} is ${article(want)} (its default is ${JSON.stringify(def)}), not ${JSON.stringify(text)}` };
}

/** The line of a top-level key in a JSON text, for diagnostics (first `"key":` found). */
export function jsonKeyLine(text: string, key: string): number | undefined {
  const needle = new RegExp(`^\\s*[{,]?\\s*${JSON.stringify(key).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) if (needle.test(lines[i]!)) return i + 1;
  const anywhere = lines.findIndex((l) => l.includes(`${JSON.stringify(key)}`));
  return anywhere >= 0 ? anywhere + 1 : undefined;
}
