/**
 * A loaded compose project → the plain description emitStack() writes (ImportedStack), and the
 * import report: every key is mapped, or reported with file:line and why.
 */
import type { Entry, ImportedStack } from '../../emit.js';
import { JS_RESERVED } from '../../emit-value.js';
import { isDict, type ComposeProject, type Dict, type ReportItem } from '../types.js';
import { MapContext, resourceName, str, varName, type MapOptions } from './context.js';
import { containerEntry, mapService, rewriteRefs, type ServiceMap } from './service.js';
import { mapNetwork, mapVolume } from './top.js';

export interface MappedProject {
  stack: Omit<ImportedStack, 'header' | 'name'>;
  items: ReportItem[];
  services: string[];
}

const TOP_LEVEL = new Set(['services', 'networks', 'volumes', 'secrets', 'configs']);

export function mapProject(project: ComposeProject, options: MapOptions): MappedProject {
  const ctx = new MapContext(project, options);
  const services = ctx.section('services');
  const networks = ctx.section('networks');
  const volumes = ctx.section('volumes');

  // Names first: handlers refer to each other's resources.
  const taken = { svc: new Set<string>(), net: new Set<string>(), vol: new Set<string>() };
  for (const [name, def] of Object.entries(services)) {
    if (isDict(def) && runnable(def)) ctx.services.set(name, resourceName(name, taken.svc));
    else ctx.report('left-out', `services/${name}`, 'neither an image nor a local build context: there is nothing to run');
  }
  for (const name of Object.keys(networks)) ctx.networks.set(name, resourceName(name, taken.net));
  if (!ctx.networks.has('default')) ctx.networks.set('default', resourceName('default', taken.net));
  for (const [name, def] of Object.entries(volumes)) {
    const external = isDict(def) && (def.external === true || isDict(def.external));
    ctx.volumes.set(name, external ? '' : resourceName(name, taken.vol));
  }

  for (const [key, v] of Object.entries(project.model)) {
    if (TOP_LEVEL.has(key)) continue;
    if (key === 'version') ctx.report('info', key, 'obsolete in the Compose spec: nothing to map');
    else if (key === 'name') ctx.report('info', key, 'the project name: the stack\'s name unless --name is given');
    else if (key.startsWith('x-')) ctx.report('info', key, 'an extension field: its anchors were applied where used');
    else if (key === 'include') ctx.report('info', key, 'the included applications\' services, networks and volumes are part of this stack');
    else ctx.report('left-out', key, `not a top-level compose key moor knows (${JSON.stringify(v).slice(0, 40)})`);
  }
  for (const d of project.disabled) {
    ctx.items.push({ kind: 'info', key: `services.${d.name}`, loc: d.loc, why: `in profile ${d.profiles.join(', ')}, not enabled: left out, as compose up leaves it (--profile ${d.profiles[0]} includes it)` });
  }

  const mapped: ServiceMap[] = [];
  const images: { key: string; entry: Omit<Entry, 'varName'>; shared: boolean }[] = [];
  for (const [name, def] of Object.entries(services)) {
    if (!isDict(def) || !ctx.services.has(name)) continue;
    const s = mapService(ctx, name, def);
    const image = imageOf(ctx, s, def)!;
    if (typeof image === 'string') s.options = { image, ...s.options };
    else {
      // Services built the same way share one image (compose would build it once per service).
      const same = images.find((i) => JSON.stringify(i.entry.options) === JSON.stringify(image.options));
      if (same) same.shared = true;
      else images.push({ key: `img:${name}`, entry: image, shared: false });
      s.options = { image: { $ref: same?.key ?? `img:${name}` }, ...s.options };
    }
    mapped.push(s);
  }
  for (const s of mapped) {
    if (s.resource === s.name) continue;
    // Other services reach it by its compose name: keep that name as an alias on its networks.
    const nets = s.options.networks as unknown[] | undefined;
    if (nets && /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(s.name)) {
      s.options.networks = nets.map((n) => {
        const att = isDict(n) && 'network' in n ? n : { network: n };
        return { ...att, aliases: [...new Set([...((att.aliases as string[] | undefined) ?? []), s.name])] };
      });
      s.note('', `moor's resource names are lower-case [a-z0-9_-]: named ${s.resource}, with ${s.name} as a network alias`);
    } else s.note('', `moor's resource names are lower-case [a-z0-9_-]: named ${s.resource}`);
  }
  for (const name of ctx.runOnce) {
    const s = mapped.find((m) => m.name === name);
    if (!s) continue;
    s.options.runOnce = true;
    const r = s.options.restart;
    if (r === 'always' || r === 'unless-stopped') {
      delete s.options.restart;
      s.note('restart', `dropped: a service others wait for with service_completed_successfully runs once in moor (runOnce), which needs restart 'no' or 'on-failure'`);
    } else s.info('depends_on', 'others wait for it to complete: runOnce: true');
  }

  // Variable names: a container keeps its name; another kind takes a suffix when it would clash.
  const vars = new Map<string, string>();
  const used = new Set<string>();
  const claim = (key: string, name: string, suffix: string) => {
    let v = varName(name);
    if (used.has(v) || ['image', 'network', 'volume', 'container', 'stack', 'secret', ...JS_RESERVED].includes(v)) v = `${v}${suffix}`;
    for (let n = 2; used.has(v); n++) v = `${varName(name)}${suffix}${n}`;
    used.add(v);
    vars.set(key, v);
  };
  for (const s of mapped) claim(`svc:${s.name}`, s.resource, 'Container');
  const usedNets = new Set(mapped.flatMap((s) => JSON.stringify(s.options).match(/"net:[^"]+"/g) ?? []).map((m) => m.slice(5, -1)));
  for (const name of ctx.networks.keys()) if (usedNets.has(name)) claim(`net:${name}`, ctx.networks.get(name)!, 'Net');
  for (const [name, r] of ctx.volumes) if (r) claim(`vol:${name}`, r, 'Volume');
  const imageNames = new Set<string>();
  for (const i of images) {
    // A shared image is named after its build context's directory.
    const context = String((i.entry.options.build as Dict).context);
    const base = i.shared ? context.split('/').filter((p) => p && p !== '.' && p !== '..').pop() ?? i.entry.name : i.entry.name;
    i.entry = { ...i.entry, name: resourceName(base, imageNames) };
    claim(i.key, i.entry.name, 'Image');
  }
  const varOf = (key: string) => vars.get(key) ?? key;

  const networkEntries: Entry[] = [];
  for (const name of ctx.networks.keys()) {
    if (!usedNets.has(name)) {
      if (name in networks) ctx.report('info', `networks/${name}`, 'no service uses it: compose does not create it either');
      continue;
    }
    const def = isDict(networks[name]) ? (networks[name] as Dict) : {};
    const n = mapNetwork(ctx, name, def);
    networkEntries.push({ varName: varOf(`net:${name}`), name: n.name, options: n.options });
  }
  const volumeEntries: Entry[] = [];
  for (const [name, def] of Object.entries(volumes)) {
    const v = mapVolume(ctx, name, isDict(def) ? def : {});
    if (v) volumeEntries.push({ varName: varOf(`vol:${name}`), name: v.name, options: v.options });
  }
  for (const section of ['secrets', 'configs']) {
    for (const [name, def] of Object.entries(ctx.section(section))) {
      if (isDict(def) && typeof def.file === 'string') ctx.report('info', `${section}/${name}`, 'a file: mounted read-only into the services that use it');
    }
  }

  return {
    stack: {
      images: images.map((i) => ({ varName: varOf(i.key), ...i.entry, options: rewriteRefs(i.entry.options, varOf) as Dict })),
      networks: networkEntries,
      volumes: volumeEntries,
      containers: mapped.map((s) => containerEntry(s, varOf)),
    },
    items: ctx.items,
    services: mapped.map((s) => s.name),
  };
}

/** A service has something to run: an image reference, or a build context on this machine. */
function runnable(def: Dict): boolean {
  if (str(def.image)) return true;
  const context = typeof def.build === 'string' ? def.build : isDict(def.build) ? str(def.build.context) : undefined;
  return !!context?.startsWith('/');
}

/** The container's image: a reference, or an image() built from the service's build:. */
function imageOf(ctx: MapContext, s: ServiceMap, def: Dict): string | Omit<Entry, 'varName'> | undefined {
  const ref = str(def.image);
  if (def.build === undefined) return ref;
  const b: Dict = typeof def.build === 'string' ? { context: def.build } : isDict(def.build) ? def.build : {};
  const context = str(b.context);
  if (!context || !context.startsWith('/')) {
    s.leftOut('build', `the build context ${context ?? '(none)'} is not a local directory: moor builds local contexts${ref ? `; the image ${ref} is used instead` : ''}`);
    return ref;
  }
  const build: Dict = { context: ctx.relative(context) };
  const options: Dict = { build };
  for (const [k, v] of Object.entries(b)) {
    if (k === 'context') continue;
    if (k === 'dockerfile') build.dockerfile = str(v);
    else if (k === 'args') {
      const args: Dict = {};
      const list = Array.isArray(v) ? Object.fromEntries(v.map((a) => String(a).split(/=(.*)/s).slice(0, 2))) : isDict(v) ? v : {};
      for (const [ak, av] of Object.entries(list)) {
        const value = av === null || av === undefined ? ctx.options.lookup(ak) : str(av);
        if (value === undefined) s.info(`build/args/${ak}`, `no value and ${ak} is not set here: left to the Dockerfile's default`);
        else args[ak] = value;
      }
      if (Object.keys(args).length) build.args = args;
    } else if (k === 'target' || k === 'platform') build[k] = str(v);
    else if (k === 'labels') options.labels = Object.fromEntries(Object.entries(Array.isArray(v) ? Object.fromEntries(v.map((a) => String(a).split(/=(.*)/s).slice(0, 2))) : isDict(v) ? v : {}).map(([lk, lv]) => [lk, str(lv) ?? '']));
    else s.leftOut(`build/${k}`, `not a build option of moor's image() yet`);
  }
  if (ref) s.note('build', `compose tags the built image ${ref}; moor names it after the stack and the image resource`);
  return { name: s.resource, options };
}
