/** Privileges and the kernel's view: capabilities, security options, sysctls, ulimits, devices, DNS, logging. */
import { listOrMap } from '../syntax.js';
import { isDict, type Dict } from '../types.js';
import { num, str } from './context.js';
import type { Handler, ServiceMap } from './service.js';

function strings(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
  return undefined;
}

function capabilities(which: 'add' | 'drop'): Handler {
  return (v, s) => {
    const list = strings(v);
    if (!list) return s.bad(`cap_${which}`, v);
    const caps = (s.options.capabilities as Dict | undefined) ?? {};
    caps[which] = list;
    s.set('capabilities', caps);
  };
}

function dnsPart(part: 'servers' | 'search' | 'options', key: string): Handler {
  return (v, s) => {
    const list = strings(v);
    if (!list) return s.bad(key, v);
    const dns = (s.options.dns as Dict | undefined) ?? {};
    dns[part] = list;
    s.set('dns', dns);
  };
}

const ulimits: Handler = (v, s) => {
  if (!isDict(v)) return s.bad('ulimits', v);
  const out: Dict = {};
  for (const [name, l] of Object.entries(v)) {
    const single = num(l);
    if (single !== undefined) out[name] = single;
    else if (isDict(l) && num(l.soft) !== undefined && num(l.hard) !== undefined) {
      out[name] = { soft: num(l.soft), hard: num(l.hard) };
      s.unknownKeys(`ulimits/${name}`, l, ['soft', 'hard']);
    }
    else s.bad(`ulimits/${name}`, l);
  }
  s.set('ulimits', out);
};

const sysctls: Handler = (v, s) => {
  if (!Array.isArray(v) && !isDict(v)) return s.bad('sysctls', v);
  const out: Dict = {};
  for (const [k, x] of Object.entries(listOrMap(v))) {
    if (typeof x === 'number' || typeof x === 'string') out[k] = x;
    else s.bad(`sysctls/${k}`, x);
  }
  s.set('sysctls', out);
};

const devices: Handler = (v, s) => {
  if (!Array.isArray(v)) return s.bad('devices', v);
  const out: unknown[] = [];
  v.forEach((d, i) => {
    if (typeof d === 'string') out.push(d);
    else if (isDict(d) && typeof d.source === 'string') {
      s.unknownKeys(`devices/${i}`, d, ['source', 'target', 'permissions']);
      out.push({ host: d.source, ...(d.target ? { container: str(d.target) } : {}), ...(d.permissions ? { permissions: str(d.permissions) } : {}) });
    } else s.bad(`devices/${i}`, d);
  });
  s.set('devices', out);
};

const extraHosts: Handler = (v, s) => {
  const out: Dict = {};
  if (Array.isArray(v)) {
    v.forEach((h, i) => {
      // "host:ip" or "host=ip" (an IPv6 address keeps its colons).
      const m = /^([^:=]+)[:=](.+)$/.exec(String(h));
      if (m) out[m[1]!] = m[2]!.replace(/^\[(.*)\]$/, '$1');
      else s.bad(`extra_hosts/${i}`, h);
    });
  } else if (isDict(v)) {
    for (const [host, ip] of Object.entries(v)) {
      const list = strings(ip);
      if (!list?.length) { s.bad(`extra_hosts/${host}`, ip); continue; }
      out[host] = list[0];
      if (list.length > 1) s.leftOut(`extra_hosts/${host}`, `more than one address for ${host}: moor takes one (${list[0]})`);
    }
  } else return s.bad('extra_hosts', v);
  s.set('extraHosts', out);
};

const logging: Handler = (v, s) => {
  if (!isDict(v)) return s.bad('logging', v);
  s.unknownKeys('logging', v, ['driver', 'options']);
  const out: Dict = { driver: str(v.driver) ?? 'json-file' };
  if (v.driver === undefined) s.note('logging', 'no driver named: the engine\'s default is written as json-file');
  if (isDict(v.options)) out.options = Object.fromEntries(Object.entries(v.options).map(([k, x]) => [k, str(x) ?? '']));
  s.set('logging', out);
};

const simpleList = (option: string, key: string): Handler => (v, s) => {
  const list = strings(v);
  if (!list) s.bad(key, v);
  else s.set(option, list);
};

export const HOST_HANDLERS: Record<string, Handler> = {
  cap_add: capabilities('add'),
  cap_drop: capabilities('drop'),
  security_opt: simpleList('securityOptions', 'security_opt'),
  sysctls,
  ulimits,
  devices,
  shm_size: (v: unknown, s: ServiceMap) => (typeof v === 'string' || typeof v === 'number' ? s.set('shmSize', v) : s.bad('shm_size', v)),
  extra_hosts: extraHosts,
  dns: dnsPart('servers', 'dns'),
  dns_search: dnsPart('search', 'dns_search'),
  dns_opt: dnsPart('options', 'dns_opt'),
  logging,
  group_add: (v, s) => (Array.isArray(v) ? s.set('groupAdd', v.map((g) => (typeof g === 'number' ? g : String(g)))) : s.bad('group_add', v)),
  expose: (v, s) => (Array.isArray(v) ? s.set('expose', v.map((p) => (typeof p === 'number' ? p : String(p)))) : s.bad('expose', v)),
};
