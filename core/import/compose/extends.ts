/**
 * `extends:` — a service built on another one, from the same file or another file: the base
 * service (its own extends resolved first) with the extending service merged over it by the merge
 * rules. A base from another file keeps its paths relative to its own file's directory.
 */
import { copyLocs, dropLocs, mergeMaps, type Locs } from './merge.js';
import { ComposeError, isDict, locate, showLoc, type Dict } from './types.js';

export interface LoadedFile {
  file: string;
  model: Dict;
  locs: Locs;
}

/** Reads (parses, interpolates, absolutizes) another file for extends; cached by path. */
export type ReadFile = (file: string) => Promise<LoadedFile>;

export async function resolveExtends(f: LoadedFile, read: ReadFile, base?: string, seen: string[] = []): Promise<void> {
  const services = f.model.services;
  if (!isDict(services)) return;
  for (const name of Object.keys(services)) await resolveOne(f, name, read, base, seen);
}

async function resolveOne(f: LoadedFile, name: string, read: ReadFile, base: string | undefined, seen: string[]): Promise<void> {
  const services = f.model.services as Dict;
  const def = services[name];
  if (!isDict(def) || def.extends === undefined) return;
  const here = `${f.file}#${name}`;
  const at = `services/${name}`;
  const where = () => showLoc(locate(f.locs, `${at}/extends`), base);
  if (seen.includes(here)) throw new ComposeError(`${where()}: extends makes a cycle: ${[...seen, here].map((s) => s.split('#')[1]).join(' → ')}`);
  const ext = typeof def.extends === 'string' ? { service: def.extends } : def.extends;
  if (!isDict(ext) || typeof ext.service !== 'string') throw new ComposeError(`${where()}: extends needs a service name`);
  const from = typeof ext.file === 'string' ? await read(ext.file) : f;
  const baseDefs = from.model.services;
  if (!isDict(baseDefs) || !isDict(baseDefs[ext.service])) {
    throw new ComposeError(`${where()}: extends names service "${ext.service}", which ${typeof ext.file === 'string' ? `${ext.file} does not define` : 'this file does not define'}`);
  }
  await resolveOne(from, ext.service, read, base, [...seen, here]);
  const baseDef = (from.model.services as Dict)[ext.service] as Dict;
  // The base's locations first, then the service's own over them.
  const locs: Locs = new Map();
  copyLocs(from.locs, `services/${ext.service}`, locs, at);
  const { extends: _, ...own } = def;
  const merged = mergeMaps(structuredClone(baseDef), own, at, locs, { locs: f.locs, path: at }, true);
  const extendsLoc = f.locs.get(`${at}/extends`);
  const serviceLoc = f.locs.get(at);
  dropLocs(f.locs, at);
  for (const [k, v] of locs) f.locs.set(k, v);
  if (serviceLoc) f.locs.set(at, serviceLoc);
  if (extendsLoc) f.locs.set(`${at}/extends`, extendsLoc);
  services[name] = merged;
}
