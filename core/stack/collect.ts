/**
 * Runs a stack's build function and records every resource declaration with where it was made.
 * Nothing is validated here beyond the shape of the call: normalize does that, all at once.
 */
import { fileURLToPath } from 'node:url';
import { originalPosition } from './bundle-map.js';
import { makeHandle, type ResourceKind } from './handles.js';
import { declaredAt, type ParamValue, type StackBuilder, type StackDefinition } from './define.js';
import { error, type Diagnostic, type SourceLocation } from '../diagnostics.js';

export interface Declaration {
  kind: ResourceKind;
  name: string;
  options: unknown;
  location: SourceLocation;
}

/** moor's own code (sources or dist/): frames in it are moor's, not the stack author's. */
// In dist/, this code may sit in index.mjs, cli.cjs or a shared chunk (dist/chunks/chunk-….mjs).
const MOOR_ROOT = fileURLToPath(import.meta.url).replace(/\/(?:dist\/(?:chunks\/)?[\w-]+\.[cm]js|(?:dist\/)?core\/stack\/collect\.[jt]s)$/, '');
const MOOR_CODE = ['/core/', '/dist/', '/providers/'].map((d) => MOOR_ROOT + d);

/**
 * The first frame of a stack trace outside moor itself: the line of the stack file that made the
 * call (or threw). Frames in a stack's bundle are mapped to its sources first (bundle-map.ts).
 */
export function userFrame(stackText: string, stackFile: string): SourceLocation {
  for (const line of stackText.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (!m) continue;
    const at = originalPosition({ file: m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!, line: Number(m[2]), column: Number(m[3]) });
    if (MOOR_CODE.some((d) => at.file.startsWith(d)) || at.file.includes('/node_modules/')) continue;
    return at;
  }
  return { file: stackFile };
}

const callSite = (stackFile: string) => userFrame(new Error().stack ?? '', stackFile);

/** Declarations made after the build function finished (a promise it did not await), by any stack. */
const late: Declaration[] = [];

/** Late declarations seen so far in this process: a command must not change anything while there are any. */
export function lateDeclarations(): readonly Declaration[] {
  return late;
}

export function lateDeclarationDiagnostics(): Diagnostic[] {
  return late.map((d) =>
    error(
      `${d.kind} "${d.name}" was declared after the stack's build function had finished: it would be left out of the stack`,
      {
        resource: `${d.kind}.${d.name}`,
        location: d.location,
        detail: 'A promise the build function did not await declared it. Make the build function async and await what it waits for, or declare the resource in the build function itself.',
      },
    ),
  );
}

interface Collection {
  declarations: Declaration[];
  /** What the build function returned: a promise when it is async. */
  returned: unknown;
  /** From now on, declarations are late. */
  seal(): void;
}

/** What the build function is run with: the stack's name on the engine and its parameters' values. */
export interface BuildInputs {
  stackName: string;
  params: Readonly<Record<string, ParamValue>>;
}

function startCollecting(def: StackDefinition, stackFile: string, inputs: BuildInputs = { stackName: def.name, params: def.params ?? {} }): Collection {
  const declarations: Declaration[] = [];
  let sealed = false;
  const declare = (kind: ResourceKind, name: string, options: unknown) => {
    const d = { kind, name: String(name), options, location: callSite(stackFile) };
    (sealed ? late : declarations).push(d);
    return makeHandle(kind, String(name), inputs.stackName);
  };
  const builder: StackBuilder = {
    image: ((name: string, options?: unknown) => declare('image', name, options)) as StackBuilder['image'],
    network: (name, options) => declare('network', name, options) as ReturnType<StackBuilder['network']>,
    volume: (name, options) => declare('volume', name, options) as ReturnType<StackBuilder['volume']>,
    container: (name, options) => declare('container', name, options) as ReturnType<StackBuilder['container']>,
    backup: (name, options) => declare('backup', name, options) as ReturnType<StackBuilder['backup']>,
    service: (name, options) => declare('service', name, options) as ReturnType<StackBuilder['service']>,
  };
  const returned = def.build(builder, Object.freeze({ ...inputs.params }));
  return { declarations, returned, seal: () => { sealed = true; } };
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as PromiseLike<unknown> | null)?.then === 'function';

/** Run a synchronous build function (tests and fixtures); an async one must go through collectStack. */
export function collectDeclarations(def: StackDefinition, stackFile: string): Declaration[] {
  const c = startCollecting(def, stackFile);
  if (isThenable(c.returned)) throw new Error('collectDeclarations: the build function is async; use collectStack');
  c.seal();
  return c.declarations;
}

/**
 * Run the build function, awaiting it when it is async, and return what it declared. A build
 * function that throws (or rejects) is a diagnostic at the line that threw; a declaration made
 * after it finished is one too (checked once more after a turn of the event loop, so that a
 * promise chained off the build without an await is caught before anything is planned).
 */
export async function collectStack(def: StackDefinition, stackFile: string, inputs?: BuildInputs): Promise<{ declarations: Declaration[]; diagnostics: Diagnostic[] }> {
  let c: Collection | undefined;
  try {
    c = startCollecting(def, stackFile, inputs);
    if (isThenable(c.returned)) await c.returned;
  } catch (e) {
    c?.seal();
    // A thrown value that is not an Error has no stack trace: point at the stack() call then.
    const where = userFrame(e instanceof Error && e.stack ? e.stack : declaredAt(def), stackFile);
    const message = e instanceof Error ? e.message : String(e);
    return { declarations: [], diagnostics: [error(`the stack's build function threw: ${message}`, { location: where })] };
  }
  c.seal();
  await new Promise((resolve) => setImmediate(resolve));
  return { declarations: c.declarations, diagnostics: lateDeclarationDiagnostics() };
}
