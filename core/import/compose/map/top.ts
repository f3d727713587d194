/** Top-level networks and volumes → network() and volume() options. */
import { listOrMap } from '../syntax.js';
import { isDict, type Dict } from '../types.js';
import { bool, num, str, type MapContext } from './context.js';

function labels(v: unknown): Dict | undefined {
  if (v === undefined) return undefined;
  const l = Object.fromEntries(Object.entries(listOrMap(v)).map(([k, x]) => [k, str(x) ?? '']));
  return Object.keys(l).length ? l : undefined;
}

export function mapNetwork(ctx: MapContext, key: string, def: Dict): { name: string; options: Dict } {
  const at = `networks/${key}`;
  const resource = ctx.networks.get(key)!;
  if (bool(def.external) === true || isDict(def.external)) {
    const name = str(def.name) ?? (isDict(def.external) ? str(def.external.name) : undefined) ?? key;
    for (const k of Object.keys(def)) if (k !== 'external' && k !== 'name') ctx.report('left-out', `${at}/${k}`, 'an external network takes no other option');
    ctx.report('info', at, `external: the engine network ${name} is joined, never created or deleted`);
    return { name, options: { external: true } };
  }
  const o: Dict = {};
  for (const [k, v] of Object.entries(def)) {
    if (v === null || v === undefined) continue;
    if (k === 'driver') { if (str(v) !== 'bridge') o.driver = str(v); }
    else if (k === 'internal') o.internal = bool(v);
    else if (k === 'attachable') o.attachable = bool(v);
    else if (k === 'labels') o.labels = labels(v);
    else if (k === 'ipam' && isDict(v)) ipam(ctx, at, v, o);
    else if (k === 'name') ctx.report('left-out', `${at}/name`, `moor names the network <stack>-${resource}`);
    else if (k === 'enable_ipv6') { if (bool(v)) ctx.report('note', `${at}/enable_ipv6`, 'IPv6 is enabled by an IPv6 subnet in moor'); }
    else if (k === 'driver_opts') ctx.report('left-out', `${at}/driver_opts`, 'driver options of networks are not a moor option yet');
    else if (k.startsWith('x-')) ctx.report('info', `${at}/${k}`, 'an extension field: compose ignores it too');
    else ctx.report('left-out', `${at}/${k}`, 'not a network option moor knows');
  }
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return { name: resource, options: o };
}

function ipam(ctx: MapContext, at: string, v: Dict, o: Dict): void {
  if (v.driver !== undefined && str(v.driver) !== 'default') ctx.report('left-out', `${at}/ipam/driver`, 'IPAM drivers other than the default are not a moor option');
  if (v.options !== undefined) ctx.report('left-out', `${at}/ipam/options`, 'IPAM driver options are not a moor option');
  const configs = Array.isArray(v.config) ? v.config : [];
  configs.forEach((c, i) => {
    if (!isDict(c)) return;
    if (i > 0) return ctx.report('left-out', `${at}/ipam/config/${i}`, 'moor takes one subnet per network');
    if (c.subnet !== undefined) o.subnet = str(c.subnet);
    if (c.gateway !== undefined) o.gateway = str(c.gateway);
    for (const k of Object.keys(c)) if (!['subnet', 'gateway'].includes(k)) ctx.report('left-out', `${at}/ipam/config/${i}/${k}`, `${k} is not a moor network option yet`);
  });
}

/** 'size=64m,mode=1777,uid=1000' → { size: '64m', mode: '1777', … } */
function mountOptions(o: string): Map<string, string> {
  return new Map(o.split(',').filter(Boolean).map((p) => { const [k, ...v] = p.split('='); return [k!.trim(), v.join('=')]; }));
}

export function mapVolume(ctx: MapContext, key: string, def: Dict): { name: string; options: Dict } | undefined {
  const at = `volumes/${key}`;
  const resource = ctx.volumes.get(key)!;
  if (bool(def.external) === true || isDict(def.external)) {
    ctx.report('left-out', at, 'an external volume: moor cannot take over a volume by name yet (adopt it with moor import --project); services mounting it are reported too');
    return undefined;
  }
  const o: Dict = {};
  for (const [k, v] of Object.entries(def)) {
    if (v === null || v === undefined) continue;
    if (k === 'labels') o.labels = labels(v);
    else if (k === 'driver') { if (str(v) !== 'local') ctx.report('left-out', `${at}/driver`, `the volume driver ${str(v)}: moor's volumes use storage providers (docs/providers.md)`); }
    else if (k === 'driver_opts' && isDict(v)) {
      const provider = providerOf(ctx, at, v);
      if (provider) o.provider = provider;
    } else if (k === 'name') ctx.report('left-out', `${at}/name`, `moor names the volume <stack>-${resource}`);
    else if (k.startsWith('x-')) ctx.report('info', `${at}/${k}`, 'an extension field: compose ignores it too');
    else ctx.report('left-out', `${at}/${k}`, 'not a volume option moor knows');
  }
  return { name: resource, options: o };
}

/** The local driver's options → a storage provider (tmpfs, bind, nfs). */
function providerOf(ctx: MapContext, at: string, d: Dict): Dict | undefined {
  const type = str(d.type);
  const opts = mountOptions(str(d.o) ?? '');
  const device = str(d.device) ?? '';
  const left = (why: string) => { ctx.report('left-out', `${at}/driver_opts`, why); return undefined; };
  if (type === 'tmpfs') {
    const args: Dict = {};
    for (const [k, v] of opts) {
      if (k === 'size') args.size = /^\d+$/.test(v) ? Number(v) : v;
      else if (k === 'mode') args.mode = v;
      else if ((k === 'uid' || k === 'gid') && num(v) !== undefined) args[k] = num(v);
      else return left(`the tmpfs option ${k} is not an option of tmpfs()`);
    }
    return { $call: 'tmpfs', args: Object.keys(args).length ? [args] : [] };
  }
  if ((type === 'none' || type === undefined) && opts.has('bind') && device) {
    if ([...opts.keys()].some((k) => k !== 'bind' && k !== 'rbind')) return left('bind options other than bind are not options of bind()');
    return { $call: 'bind', args: [{ path: device.startsWith('/') ? device : ctx.relative(device) }] };
  }
  if (type === 'nfs' || type === 'nfs4') {
    const server = opts.get('addr');
    const exportPath = device.replace(/^[^:]*:/, '');
    if (!server || !exportPath.startsWith('/')) return left('an NFS volume needs addr= and device :/path');
    const args: Dict = { server, path: exportPath };
    const vers = opts.get('nfsvers') ?? opts.get('vers') ?? (type === 'nfs4' ? '4' : undefined);
    if (vers && ['3', '4', '4.1', '4.2'].includes(vers)) args.version = Number(vers);
    const rest = [...opts].filter(([k]) => !['addr', 'nfsvers', 'vers'].includes(k)).map(([k, v]) => (v ? `${k}=${v}` : k));
    if (rest.length) args.options = rest;
    return { $call: 'nfs', args: [args] };
  }
  return left(`local driver options ${JSON.stringify(d)}: no moor provider takes them (tmpfs, bind and nfs do)`);
}
