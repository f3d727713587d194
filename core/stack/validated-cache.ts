/**
 * The validated form of a stack, cached by what it was made from. Validating a stack means loading
 * the validator (zod and every schema): most of what a warm `moor plan` would spend after Node
 * itself. The declarations a build function makes are plain data, so the normalized stack they
 * give is a function of them, of where they were made (diagnostics and plans name the lines), of
 * the files normalization read, and of moor's own code. All of that is the key; anything that is
 * not plain data (a function, a class instance, a non-finite number, undefined) makes the
 * declarations uncacheable and they are validated as usual.
 *
 * Only a stack without errors is stored (with its warnings). Running from the TypeScript sources
 * (tests, tsx) there is no build id and nothing is cached.
 */
import { murmur128 } from '../hash.js';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hasErrors, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import type { DesiredStack } from '../model/spec.js';
import { cacheDir, writeCacheFile } from './cache-dir.js';
import type { Declaration } from './collect.js';
import { isHandle, type ResourceKind } from './handles.js';
import { isSecret } from './secret.js';

declare const MOOR_BUILD: string | undefined;
/** Set by the bundler (scripts/build.mjs): a hash of moor's sources. */
const BUILD: string | undefined = typeof MOOR_BUILD === 'string' ? MOOR_BUILD : undefined;

export interface Validated {
  stack: DesiredStack;
  diagnostics: Diagnostic[];
}

interface Entry {
  format: 2;
  key: string;
  /** Files normalization read, with their content hash: a change to one invalidates the entry. */
  files: Record<string, string>;
  stack: DesiredStack;
  diagnostics: Diagnostic[];
}

const KINDS: ResourceKind[] = ['image', 'network', 'volume', 'container', 'backup'];

class Uncacheable extends Error {}

/** Declarations as canonical text; handles and secrets marked so that no plain object can pass for one. */
function encode(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Object.is(value, -0)) throw new Uncacheable();
    return value;
  }
  if (Array.isArray(value)) {
    // A hole or an undefined element is not data JSON keeps.
    for (let i = 0; i < value.length; i++) if (!(i in value) || value[i] === undefined) throw new Uncacheable();
    return value.map(encode);
  }
  if (typeof value === 'object') {
    const handleKind = KINDS.find((k) => isHandle(value, k));
    if (handleKind) {
      const h = value as unknown as { name: string; stack: string };
      return { '\u0000handle': [handleKind, h.name, h.stack] };
    }
    if (isSecret(value)) return { '\u0000secret': encode((value as unknown as { source: unknown }).source) };
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new Uncacheable();
    if (Object.getOwnPropertySymbols(value).length) throw new Uncacheable();
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined || k.startsWith('\u0000')) throw new Uncacheable();
      out[k] = encode(v);
    }
    return out;
  }
  throw new Uncacheable();
}

/** The cache key of a stack's declarations; undefined when they cannot be cached. */
export function validationKey(stackName: string, file: string, declarations: Declaration[], stackCallSite: SourceLocation, build = BUILD): string | undefined {
  if (!build) return undefined;
  try {
    const canonical = declarations.map((d) => [d.kind, d.name, d.location, encode(d.options ?? null), d.options === undefined]);
    return murmur128(JSON.stringify([build, stackName, file, stackCallSite, canonical]));
  } catch (e) {
    if (e instanceof Uncacheable) return undefined;
    throw e;
  }
}

const entryPath = (file: string) => cacheDir('validated', `${murmur128(file).slice(0, 32)}.json`);

/** Read synchronously: a few small files, read faster so than through the thread pool (it is on every plan's path). */
export function readValidated(file: string, key: string): Validated | undefined {
  try {
    const e = JSON.parse(readFileSync(entryPath(file), 'utf8')) as Entry;
    if (e.format !== 2 || e.key !== key) return undefined;
    for (const [f, hash] of Object.entries(e.files)) if (murmur128(readFileSync(f)) !== hash) return undefined;
    return { stack: e.stack, diagnostics: e.diagnostics };
  } catch {
    return undefined;
  }
}

/** Store a validated stack (call before anything mutates it). Best effort: a cache that cannot be written is skipped. */
export async function writeValidated(file: string, key: string, v: Validated, readFiles: readonly string[] = []): Promise<void> {
  if (hasErrors(v.diagnostics)) return;
  try {
    const files: Record<string, string> = {};
    for (const f of readFiles) files[f] = murmur128(await readFile(f));
    const entry: Entry = { format: 2, key, files, stack: v.stack, diagnostics: v.diagnostics };
    await writeCacheFile(entryPath(file), JSON.stringify(entry));
  } catch {
    // A read-only cache directory costs the next plan a validation, nothing else.
  }
}
