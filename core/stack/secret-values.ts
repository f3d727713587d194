/**
 * Reading secrets when moor runs, and sealing the stack with their keyed hashes. The values stay
 * in memory, in a map handed to apply; the stack (and so plans, plan files and labels) gets the
 * hash only.
 */
import { readFileSync } from 'node:fs';
import { error, type Diagnostic } from '../diagnostics.js';
import { isSecretRef, secretDigest } from '../model/secret.js';
import type { DesiredStack } from '../model/spec.js';

export interface SecretRead {
  values: Map<string, string>;
  diagnostics: Diagnostic[];
}

function readOne(ref: string): string {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const v = process.env[name];
    if (v === undefined) throw new Error(`secret ${name} is not set in the environment`);
    if (v === '') throw new Error(`secret ${name} is set but empty`);
    return v;
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
export function readSecretValues(stack: DesiredStack): SecretRead {
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
          values.set(v.secret, readOne(v.secret));
        } catch (e) {
          failed.set(v.secret, (e as Error).message);
        }
      }
      const problem = failed.get(v.secret);
      if (problem) {
        const id = c.id;
        diagnostics.push(error(problem, {
          resource: id, field: `${c.field}.${key}`, location: stack.locations[id],
          detail: v.secret.startsWith('env:') ? `Set it before running moor, e.g. export ${v.secret.slice(4)}=…` : 'Create the file, or point secret({ file }) at the right one.',
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
