/**
 * Runs a stack's build function and records every resource declaration with where it was made.
 * Nothing is validated here beyond the shape of the call: normalize does that, all at once.
 */
import { fileURLToPath } from 'node:url';
import { makeHandle, type ResourceKind } from './handles.js';
import type { StackBuilder, StackDefinition } from './define.js';
import type { SourceLocation } from '../diagnostics.js';

export interface Declaration {
  kind: ResourceKind;
  name: string;
  options: unknown;
  location: SourceLocation;
}

/** moor's own code (sources or dist/): frames in it are moor's, not the stack author's. */
const MOOR_ROOT = fileURLToPath(import.meta.url).replace(/\/(?:dist\/[\w-]+\.mjs|(?:dist\/)?core\/stack\/collect\.[jt]s)$/, '');
const MOOR_CODE = ['/core/', '/dist/', '/providers/'].map((d) => MOOR_ROOT + d);

/** The first stack frame outside moor itself: the line of the stack file that declared the resource. */
function callSite(stackFile: string): SourceLocation {
  const stackText = new Error().stack ?? '';
  for (const line of stackText.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (!m) continue;
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    if (MOOR_CODE.some((d) => file.startsWith(d)) || file.includes('/node_modules/')) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return { file: stackFile };
}

export function collectDeclarations(def: StackDefinition, stackFile: string): Declaration[] {
  const declarations: Declaration[] = [];
  const declare = (kind: ResourceKind, name: string, options: unknown) => {
    declarations.push({ kind, name: String(name), options, location: callSite(stackFile) });
    return makeHandle(kind, String(name), def.name);
  };
  const builder: StackBuilder = {
    image: ((name: string, options?: unknown) => declare('image', name, options)) as StackBuilder['image'],
    network: (name, options) => declare('network', name, options) as ReturnType<StackBuilder['network']>,
    volume: (name, options) => declare('volume', name, options) as ReturnType<StackBuilder['volume']>,
    container: (name, options) => declare('container', name, options) as ReturnType<StackBuilder['container']>,
    backup: (name, options) => declare('backup', name, options) as ReturnType<StackBuilder['backup']>,
  };
  def.build(builder);
  return declarations;
}
