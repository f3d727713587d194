/**
 * Relative paths in a compose file → absolute, against the directory they are relative to (the
 * first file's for the project's files, an extended file's own for services taken from it):
 * build contexts, env_file, bind sources of volumes, files of secrets and configs. `~` is the home
 * directory. The mapping makes them relative to the stack file again.
 */
import os from 'node:os';
import path from 'node:path';
import { isHostPath, parseVolumeShort } from './syntax.js';
import { isDict, type Dict } from './types.js';

/**
 * `relative` collects the paths that were relative in the compose file (once resolved): the stack
 * writes them relative to itself; absolute and ~ paths stay absolute.
 */
export function absolute(p: string, dir: string, relative?: Set<string>): string {
  if (p === '~' || p.startsWith('~/')) return path.join(os.homedir(), p.slice(1));
  if (path.isAbsolute(p)) return p;
  const abs = path.resolve(dir, p);
  relative?.add(abs);
  return abs;
}

/** A build context that is a URL (git, http) stays as it is. */
const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('git@') || /\.git(#.*)?$/.test(s);

export function absolutizeService(def: Dict, dir: string, relative: Set<string>): Dict {
  const abs = (p: string, d: string) => absolute(p, d, relative);
  const out: Dict = { ...def };
  if (typeof out.build === 'string') out.build = isUrl(out.build) ? out.build : abs(out.build, dir);
  else if (isDict(out.build)) {
    const b = { ...out.build };
    if (typeof b.context === 'string' && !isUrl(b.context)) b.context = abs(b.context, dir);
    else if (b.context === undefined) b.context = abs('.', dir);
    out.build = b;
  }
  const envFile = (e: unknown): unknown => (typeof e === 'string' ? abs(e, dir) : isDict(e) && typeof e.path === 'string' ? { ...e, path: abs(e.path, dir) } : e);
  if (out.env_file !== undefined) out.env_file = Array.isArray(out.env_file) ? out.env_file.map(envFile) : envFile(out.env_file);
  if (Array.isArray(out.volumes)) {
    out.volumes = out.volumes.map((v) => {
      if (typeof v === 'string') {
        const long = parseVolumeShort(v);
        if (long?.source && isHostPath(long.source)) return [abs(long.source, dir), ...v.split(':').slice(1)].join(':');
        return v;
      }
      if (isDict(v) && v.type === 'bind' && typeof v.source === 'string') return { ...v, source: abs(v.source, dir) };
      return v;
    });
  }
  if (isDict(out.extends) && typeof out.extends.file === 'string') out.extends = { ...out.extends, file: abs(out.extends.file, dir) };
  if (typeof out.label_file === 'string') out.label_file = abs(out.label_file, dir);
  return out;
}

/** Top-level secrets and configs with `file:`. */
export function absolutizeTop(model: Dict, dir: string, relative: Set<string>): Dict {
  const out: Dict = { ...model };
  for (const section of ['secrets', 'configs']) {
    const s = out[section];
    if (!isDict(s)) continue;
    out[section] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, isDict(v) && typeof v.file === 'string' ? { ...v, file: absolute(v.file, dir, relative) } : v]));
  }
  if (isDict(out.services)) {
    out.services = Object.fromEntries(Object.entries(out.services).map(([k, v]) => [k, isDict(v) ? absolutizeService(v, dir, relative) : v]));
  }
  return out;
}
