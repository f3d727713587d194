/** Ports, networks, network_mode. */
import { namesOrMap, portLong } from '../syntax.js';
import { isDict, type Dict } from '../types.js';
import { str } from './context.js';
import type { Handler } from './service.js';

const rangeOrNumber = (p: string): number | string => (/^\d+$/.test(p) ? Number(p) : p);
const width = (p: string) => (p.includes('-') ? Number(p.split('-')[1]) - Number(p.split('-')[0]) : 0);

const ports: Handler = (v, s) => {
  if (!Array.isArray(v)) return s.bad('ports', v);
  const out: Dict[] = [];
  v.forEach((entry, i) => {
    const p = portLong(entry);
    if (!p || !/^\d+(-\d+)?$/.test(p.target)) return s.bad(`ports/${i}`, entry);
    const port: Dict = {};
    if (p.published !== undefined) {
      if (!/^\d+(-\d+)?$/.test(p.published)) return s.bad(`ports/${i}`, entry);
      if (width(p.published) !== width(p.target)) {
        if (width(p.target) === 0) {
          // Compose picks a free host port in the range; moor publishes one: the first.
          port.host = Number(p.published.split('-')[0]);
          s.note(`ports/${i}`, `host range ${p.published} for one container port: moor publishes ${port.host}`);
        } else return s.leftOut(`ports/${i}`, `host range ${p.published} and container range ${p.target} differ in length`);
      } else port.host = rangeOrNumber(p.published);
    }
    port.container = rangeOrNumber(p.target);
    if (p.host_ip) port.hostIp = p.host_ip;
    if (p.protocol && p.protocol !== 'tcp') port.protocol = p.protocol;
    if (p.mode !== undefined && p.mode !== 'host' && p.mode !== 'ingress') s.bad(`ports/${i}/mode`, p.mode);
    for (const k of ['name', 'app_protocol']) if (p[k] !== undefined) s.info(`ports/${i}/${k}`, 'a label for tools: it changes nothing on the engine');
    for (const k of Object.keys(p)) if (!['target', 'published', 'host_ip', 'protocol', 'mode', 'name', 'app_protocol'].includes(k)) s.bad(`ports/${i}/${k}`, p[k]);
    out.push(port);
  });
  s.set('ports', out);
};

const networks: Handler = (v, s) => {
  if (!Array.isArray(v) && !isDict(v)) return s.bad('networks', v);
  const out: unknown[] = [];
  for (const [name, o] of Object.entries(namesOrMap(v))) {
    const key = `networks/${name}`;
    if (!s.ctx.networks.has(name) && name !== 'default') { s.leftOut(key, `${name} is not declared under the top-level networks:`); continue; }
    const ref = { $ref: `net:${name}` };
    if (!o) { out.push(ref); continue; }
    const att: Dict = { network: ref };
    if (Array.isArray(o.aliases) && o.aliases.length) att.aliases = o.aliases.map(String);
    if (o.ipv4_address !== undefined) att.ipv4Address = str(o.ipv4_address);
    for (const k of Object.keys(o)) {
      if (k === 'aliases' || k === 'ipv4_address') continue;
      s.leftOut(`${key}/${k}`, k === 'priority' || k === 'gw_priority' ? 'moor attaches networks in the order written' : `${k} of a network attachment is not a moor option yet`);
    }
    out.push(Object.keys(att).length === 1 ? ref : att);
  }
  s.set('networks', out);
};

const networkMode: Handler = (v, s) => {
  const mode = str(v) ?? '';
  if (mode === 'host' || mode === 'none' || mode === 'bridge') return s.set('networkMode', mode);
  const m = /^service:(.+)$/.exec(mode);
  if (m && s.ctx.services.has(m[1]!)) {
    s.set('networkMode', { container: { $ref: `svc:${m[1]}` } });
    // Compose also starts the other service first.
    const deps = (s.options.dependsOn as unknown[] | undefined) ?? [];
    if (!JSON.stringify(deps).includes(`"svc:${m[1]}"`)) s.set('dependsOn', [...deps, { $ref: `svc:${m[1]}` }]);
    return;
  }
  if (m) return s.leftOut('network_mode', `${m[1]} is not a service of this project`);
  if (mode.startsWith('container:')) return s.leftOut('network_mode', 'the namespace of a container outside the stack is not a moor option');
  s.bad('network_mode', v);
};

export const NETWORK_HANDLERS: Record<string, Handler> = { ports, networks, network_mode: networkMode };

export const isNetworkKeyDict = isDict;
