/** Mounts: volumes (named, anonymous, bind, tmpfs), tmpfs:, volumes_from, secrets and configs as read-only files. */
import path from 'node:path';
import { fileRefKey, volumeLong } from '../syntax.js';
import { isDict, type Dict } from '../types.js';
import { bool, num, str } from './context.js';
import type { Handler, ServiceMap } from './service.js';

function mounts(s: ServiceMap): unknown[] {
  return (s.options.mounts as unknown[] | undefined) ?? (s.options.mounts = []);
}

/** '/run:size=64m,mode=1777' → a tmpfs mount. */
function tmpfsMount(spec: string, s: ServiceMap, key: string): Dict | undefined {
  const [target, opts] = spec.split(/:(.*)/s) as [string, string | undefined];
  const o: Dict = {};
  for (const part of (opts ?? '').split(',').filter(Boolean)) {
    const [k, val] = part.split('=') as [string, string | undefined];
    if (k === 'size' && val) o.size = /^\d+$/.test(val) ? Number(val) : val;
    else if (k === 'mode' && val && /^[0-7]+$/.test(val)) o.mode = parseInt(val, 8);
    else s.leftOut(key, `the tmpfs option ${part} is not a moor option (size and mode are)`);
  }
  return { tmpfs: Object.keys(o).length ? o : true, target };
}

const volumes: Handler = (v, s) => {
  if (!Array.isArray(v)) return s.bad('volumes', v);
  v.forEach((entry, i) => {
    const key = `volumes/${i}`;
    const m = volumeLong(entry);
    if (!m || !m.target.startsWith('/')) return s.bad(key, entry);
    const readOnly = bool(m.read_only) === true ? { readOnly: true } : {};
    const flags = m.flags ?? [];
    const known = new Set(['type', 'source', 'target', 'read_only', 'flags', 'bind', 'volume', 'tmpfs', 'consistency']);
    for (const k of Object.keys(m)) if (!known.has(k)) s.bad(`${key}/${k}`, m[k]);
    for (const f of flags) {
      if (f === 'cached' || f === 'delegated' || f === 'consistent') s.info(key, `${f}: a Docker Desktop hint, no effect on Linux`);
      else if ((f === 'z' || f === 'Z') && m.type === 'bind') continue;
      else if (f === 'nocopy' && m.type === 'volume') s.leftOut(key, 'nocopy: moor lets the engine copy the image\'s files into a new volume');
      else s.leftOut(key, `the mount flag ${f} is not a moor option`);
    }
    if (m.consistency !== undefined) s.info(`${key}/consistency`, 'a Docker Desktop hint, no effect on Linux');
    if (m.type === 'volume') {
      const sub = isDict(m.volume) ? m.volume : {};
      s.unknownKeys(`${key}/volume`, m.volume, ['nocopy', 'subpath']);
      if (bool(sub.nocopy) === true) s.leftOut(`${key}/volume/nocopy`, 'moor lets the engine copy the image\'s files into a new volume');
      if (sub.subpath !== undefined) s.leftOut(`${key}/volume/subpath`, 'mounting a sub-path of a volume is not a moor option yet');
      if (!m.source) return void mounts(s).push({ target: m.target });
      if (!s.ctx.volumes.has(m.source)) return s.leftOut(key, `${m.source} is not declared under the top-level volumes:`);
      if (s.ctx.volumes.get(m.source) === '') return s.leftOut(key, `${m.source} is an external volume, which moor cannot take over by name`);
      mounts(s).push({ volume: { $ref: `vol:${m.source}` }, target: m.target, ...readOnly });
    } else if (m.type === 'bind') {
      if (!m.source) return s.bad(key, entry);
      const sub = isDict(m.bind) ? m.bind : {};
      s.unknownKeys(`${key}/bind`, m.bind, ['propagation', 'create_host_path', 'selinux']);
      const selinux = flags.find((f) => f === 'z' || f === 'Z') ?? (sub.selinux === 'z' || sub.selinux === 'Z' ? sub.selinux : undefined);
      if (sub.propagation !== undefined) s.leftOut(`${key}/bind/propagation`, 'mount propagation is not a moor option yet');
      if (bool(sub.create_host_path) === false) s.info(`${key}/bind/create_host_path`, 'moor does not create a missing host path either');
      mounts(s).push({ bind: s.ctx.relative(m.source), target: m.target, ...readOnly, ...(selinux ? { selinux } : {}) });
    } else if (m.type === 'tmpfs') {
      const t = isDict(m.tmpfs) ? m.tmpfs : {};
      s.unknownKeys(`${key}/tmpfs`, m.tmpfs, ['size', 'mode']);
      const o: Dict = {};
      if (t.size !== undefined) o.size = t.size;
      if (num(t.mode) !== undefined) o.mode = /^[0-7]+$/.test(String(t.mode)) ? parseInt(String(t.mode), 8) : num(t.mode);
      mounts(s).push({ tmpfs: Object.keys(o).length ? o : true, target: m.target });
    } else s.leftOut(key, `mounts of type ${m.type} are not moor options`);
  });
};

/** secrets and configs: compose (outside swarm) bind-mounts their file read-only. */
function fileMounts(kind: 'secrets' | 'configs'): Handler {
  return (v, s) => {
    if (!Array.isArray(v)) return s.bad(kind, v);
    const top = s.ctx.section(kind);
    v.forEach((entry, i) => {
      const key = `${kind}/${i}`;
      const source = typeof entry === 'string' ? entry : isDict(entry) ? str(entry.source) : undefined;
      if (!source) return s.bad(key, entry);
      const def = top[source];
      if (!isDict(def)) return s.leftOut(key, `${source} is not declared under the top-level ${kind}:`);
      const name = fileRefKey(entry);
      const target = name.startsWith('/') ? name : kind === 'secrets' ? `/run/secrets/${name}` : `/${name}`;
      s.unknownKeys(key, entry, ['source', 'target', 'uid', 'gid', 'mode']);
      if (isDict(entry)) for (const k of ['uid', 'gid', 'mode']) if (entry[k] !== undefined) s.info(`${key}/${k}`, 'compose ignores it outside swarm too (the file keeps its owner and mode)');
      if (typeof def.file === 'string') {
        mounts(s).push({ bind: s.ctx.relative(def.file), target, readOnly: true });
        s.info(key, `${kind.slice(0, -1)} ${source}: the file ${path.basename(def.file)} mounted read-only at ${target}, as compose does`);
      } else if (def.environment !== undefined) s.leftOut(key, `${source} comes from the variable ${str(def.environment)}: moor mounts files only (put it in a file, or pass it as env with --secret-env)`);
      else if (def.content !== undefined) s.leftOut(key, `${source} is inline content: write it to a file and declare file: instead`);
      else if (bool(def.external) === true) s.leftOut(key, `${source} is external (a swarm ${kind.slice(0, -1)})`);
      else s.bad(key, def);
    });
  };
}

const volumesFrom: Handler = (v, s) => {
  if (!Array.isArray(v)) return s.bad('volumes_from', v);
  const out: unknown[] = [];
  v.forEach((entry, i) => {
    const [name, mode] = String(entry).split(':') as [string, string | undefined];
    if (name === 'container') return s.leftOut(`volumes_from/${i}`, 'volumes of a container outside the stack are not a moor option');
    if (!s.ctx.services.has(name)) return s.leftOut(`volumes_from/${i}`, `${name} is not a service of this project`);
    out.push(mode === 'ro' ? { container: { $ref: `svc:${name}` }, readOnly: true } : { $ref: `svc:${name}` });
  });
  if (out.length) s.set('volumesFrom', out);
};

export const STORAGE_HANDLERS: Record<string, Handler> = {
  volumes,
  tmpfs: (v, s) => {
    const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v.map(String) : undefined;
    if (!list) return s.bad('tmpfs', v);
    list.forEach((t, i) => {
      const m = tmpfsMount(t, s, `tmpfs/${i}`);
      if (m) mounts(s).push(m);
    });
  },
  volumes_from: volumesFrom,
  secrets: fileMounts('secrets'),
  configs: fileMounts('configs'),
};
