/**
 * Reading secrets when moor runs, and sealing the stack with their keyed hashes. secret('NAME') is
 * looked up in the process environment, then the --env-file files (the last given first), then
 * .env beside the stack (environment.ts reads them). The values stay
 * in memory, in a map handed to apply; the stack (and so plans, plan files and labels) gets the
 * hash only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { error, type Diagnostic } from '../diagnostics.js';
import { isSecretRef, secretDigest } from '../model/secret.js';
import type { DesiredStack } from '../model/spec.js';
import type { EnvSources } from './environment.js';

export interface SecretRead {
  values: Map<string, string>;
  diagnostics: Diagnostic[];
}

/** Where secret('NAME') looks: only the process environment unless the stack's .env files are given. */
const processOnly = (): EnvSources => ({ get: (n) => (process.env[n] === undefined ? undefined : { value: process.env[n]! }), names: () => Object.keys(process.env) });

function readOne(ref: string, sources: EnvSources): string {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const v = sources.get(name);
    if (v === undefined) throw new Error(`secret ${name} is not set (not in the environment, --env-file or .env)`);
    if (v.value === '') throw new Error(`secret ${name} is set but empty${v.from ? ` (${path.relative(process.cwd(), v.from.file) || v.from.file}:${v.from.line})` : ' (in the environment)'}`);
    return v.value;
  }
  const file = ref.slice(5);
  let v: string;
  try {
    v = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`secret file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  // A file written with `echo` ends with a newline that is not part of the secret.
  v = v.replace(/\r?\n$/, '');
  if (v === '') throw new Error(`secret file ${file} is empty`);
  return v;
}

/** Every secret the stack refers to; a missing or empty one is a diagnostic naming where it is used. */
export function readSecretValues(stack: DesiredStack, sources: EnvSources = processOnly()): SecretRead {
  const values = new Map<string, string>();
  const failed = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const users = [
    ...stack.containers.map((c) => ({ id: `container.${c.name}`, field: 'env', refs: c.env })),
    ...(stack.services ?? []).map((s) => ({ id: `service.${s.name}`, field: 'secrets', refs: s.secrets })),
  ];
  for (const c of users) {
    for (const [key, v] of Object.entries(c.refs)) {
      if (!isSecretRef(v)) continue;
      if (!values.has(v.secret) && !failed.has(v.secret)) {
        try {
          values.set(v.secret, readOne(v.secret, sources));
        } catch (e) {
          failed.set(v.secret, (e as Error).message);
        }
      }
      const problem = failed.get(v.secret);
      if (problem) {
        const id = c.id;
        diagnostics.push(error(problem, {
          resource: id, field: `${c.field}.${key}`, location: stack.locations[id],
          detail: v.secret.startsWith('env:')
            ? `Set it before running moor (export ${v.secret.slice(4)}=…), or write ${v.secret.slice(4)}=… in .env beside the stack or in a file given with --env-file.`
            : 'Create the file, or point secret({ file }) at the right one.',
        }));
      }
    }
  }
  // Build secrets: read like env secrets, never sealed (nothing on the engine to compare them with).
  for (const img of stack.images) {
    for (const [key, ref] of Object.entries(img.build?.secrets ?? {})) {
      if (!values.has(ref) && !failed.has(ref)) {
        try {
          values.set(ref, readOne(ref, sources));
        } catch (e) {
          failed.set(ref, (e as Error).message);
        }
      }
      const problem = failed.get(ref);
      if (problem) {
        const id = `image.${img.name}`;
        diagnostics.push(error(problem, {
          resource: id, field: `build.secrets.${key}`, location: stack.locations[id],
          detail: ref.startsWith('env:') ? `Set it before running moor, e.g. export ${ref.slice(4)}=…` : 'Create the file, or point secret({ file }) at the right one.',
        }));
      }
    }
  }
  return { values, diagnostics };
}

export function hasSecrets(stack: DesiredStack): boolean {
  return stack.containers.some((c) => Object.values(c.env).some(isSecretRef)) || (stack.services ?? []).some((s) => Object.keys(s.secrets).length > 0);
}

/** The stack with every secret reference carrying the keyed hash of its value. */
export function sealSecrets(stack: DesiredStack, key: Buffer, values: ReadonlyMap<string, string>): DesiredStack {
  return {
    ...stack,
    containers: stack.containers.map((c) => ({
      ...c,
      env: Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, isSecretRef(v) ? { secret: v.secret, digest: secretDigest(key, values.get(v.secret) ?? '') } : v])),
    })),
    ...(stack.services ? {
      services: stack.services.map((s) => ({
        ...s,
        secrets: Object.fromEntries(Object.entries(s.secrets).map(([k, v]) => [k, { secret: v.secret, digest: secretDigest(key, values.get(v.secret) ?? '') }])),
      })),
    } : {}),
  };
}
