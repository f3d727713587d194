/**
 * Compose's merge rules (the Compose spec, "Merge"), used for several files and for `extends`:
 * mappings are merged key by key; sequences are appended, except
 *   - command, entrypoint and healthcheck.test: replaced by the later value;
 *   - ports (unique by host IP, target, published, protocol), volumes (by target), secrets and
 *     configs (by target): an entry with the same key replaces the earlier one, others are appended;
 *   - environment, labels, sysctls, extra_hosts, depends_on, networks, build.args: list or mapping
 *     forms are read as mappings and merged.
 * Locations follow the values: a key's location is where its winning value is written.
 */
import { fileRefKey, listOrMap, namesOrMap, portKey, volumeKey } from './syntax.js';
import { isDict, type Dict, type Loc } from './types.js';

export type Locs = Map<string, Loc>;

/** Where an overriding value's locations are: its locs map and its path in it. */
export interface Source {
  locs: Locs;
  path: string;
}

const REPLACED = new Set(['command', 'entrypoint', 'test']);
const UNIQUE: Record<string, (v: unknown) => string> = { ports: portKey, volumes: volumeKey, secrets: fileRefKey, configs: fileRefKey };
const AS_MAP: Record<string, (v: unknown) => Dict> = {
  environment: (v) => listOrMap(v),
  labels: (v) => listOrMap(v),
  sysctls: (v) => listOrMap(v),
  args: (v) => listOrMap(v),
  annotations: (v) => listOrMap(v),
  extra_hosts: (v) => (Array.isArray(v) ? listOrMap(v.map((s) => String(s).replace(/^([^:=]+):/, '$1=')), '=') : listOrMap(v)),
  depends_on: (v) => namesOrMap(v),
  networks: (v) => namesOrMap(v),
};

export function copyLocs(from: Locs, fromPath: string, to: Locs, toPath: string): void {
  for (const [k, loc] of from) {
    if (k === fromPath) to.set(toPath, loc);
    else if (k.startsWith(`${fromPath}/`)) to.set(toPath + k.slice(fromPath.length), loc);
  }
}

export function dropLocs(locs: Locs, path: string): void {
  for (const k of [...locs.keys()]) if (k === path || k.startsWith(`${path}/`)) locs.delete(k);
}

/**
 * `over` merged onto `base` (whose locations are in `target` at `at`); over's locations are in
 * `src`. `key` is the attribute's name, which picks the rule. Returns the merged value.
 */
export function mergeValue(base: unknown, over: unknown, key: string, at: string, target: Locs, src: Source, serviceLevel: boolean): unknown {
  const replace = () => {
    dropLocs(target, at);
    copyLocs(src.locs, src.path, target, at);
    return structuredClone(over);
  };
  if (base === undefined || base === null || over === null) return replace();
  if (serviceLevel && REPLACED.has(key)) return replace();
  const asMap = serviceLevel ? AS_MAP[key] : undefined;
  if (asMap && (Array.isArray(base) || Array.isArray(over) || (isDict(base) && isDict(over)))) {
    // The list form's locations are per index: keep the key's own location, and the new entries'.
    const b = asMap(base);
    const o = asMap(over);
    const merged: Dict = { ...b };
    for (const [k, v] of Object.entries(o)) {
      merged[k] = isDict(b[k]) && isDict(v) ? mergeMaps(b[k] as Dict, v, `${at}/${k}`, target, { locs: src.locs, path: `${src.path}/${k}` }, false) : v;
      if (isDict(over)) copyLocs(src.locs, `${src.path}/${k}`, target, `${at}/${k}`);
    }
    if (Array.isArray(over)) {
      over.forEach((item, i) => {
        const k = Object.keys(asMap([item]))[0];
        const l = src.locs.get(`${src.path}/${i}`);
        if (k !== undefined && l) target.set(`${at}/${k}`, l);
      });
    }
    const l = src.locs.get(src.path);
    if (l) target.set(at, l);
    return merged;
  }
  if (key === 'build' && serviceLevel && (typeof base === 'string' || typeof over === 'string')) {
    const b = typeof base === 'string' ? { context: base } : base;
    const o = typeof over === 'string' ? { context: over } : over;
    if (isDict(b) && isDict(o)) return mergeMaps(b, o, at, target, src, true);
    return replace();
  }
  if (Array.isArray(base) && Array.isArray(over)) {
    const unique = serviceLevel ? UNIQUE[key] : undefined;
    const out = [...base];
    over.forEach((item, i) => {
      let index = out.length;
      if (unique) {
        const k = unique(item);
        const found = out.findIndex((x) => unique(x) === k);
        if (found >= 0) index = found;
      } else if (typeof item !== 'object' && out.some((x) => x === item)) return; // the same scalar twice: once
      dropLocs(target, `${at}/${index}`);
      copyLocs(src.locs, `${src.path}/${i}`, target, `${at}/${index}`);
      out[index] = structuredClone(item);
    });
    const l = src.locs.get(src.path);
    if (l) target.set(at, l);
    return out;
  }
  if (isDict(base) && isDict(over)) return mergeMaps(base, over, at, target, src, serviceLevel && key === 'healthcheck' ? true : serviceLevel);
  return replace();
}

export function mergeMaps(base: Dict, over: Dict, at: string, target: Locs, src: Source, serviceLevel: boolean): Dict {
  const out: Dict = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = mergeValue(base[k], v, k, `${at}/${k}`, target, { locs: src.locs, path: `${src.path}/${k}` }, serviceLevel);
  }
  return out;
}

/** Two whole compose files: services merged by the rules above, other sections as mappings. */
export function mergeFiles(base: Dict, over: Dict, target: Locs, overLocs: Locs): Dict {
  const out: Dict = { ...base };
  for (const [section, v] of Object.entries(over)) {
    const src = { locs: overLocs, path: section };
    if (section === 'services' && isDict(base.services) && isDict(v)) {
      const services: Dict = { ...base.services };
      for (const [name, def] of Object.entries(v)) {
        const s = { locs: overLocs, path: `services/${name}` };
        const b = services[name];
        services[name] = isDict(b) && isDict(def) ? mergeMaps(b, def, `services/${name}`, target, s, true) : mergeValue(b, def, name, `services/${name}`, target, s, false);
      }
      out.services = services;
      const l = overLocs.get('services');
      if (l && !target.has('services')) target.set('services', l);
    } else {
      out[section] = mergeValue(base[section], v, section, section, target, src, false);
    }
  }
  return out;
}
