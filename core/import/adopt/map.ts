/**
 * Running objects → a stack: each container's settings read back from the engine, mapped to
 * container() options, with what the engine or the image fills in by default left out (the
 * image's own command, entrypoint, env, working directory, user, labels, health check and exposed
 * ports; the engine's hostname, log driver, shm size…). What moor cannot express is listed in the
 * report, with why. Pure.
 */
import type { ContainerDetail, EngineSnapshot, HealthConfig, ImageConfig, NetworkDetail, VolumeDetail } from './engine-types.js';
import type { Entry, ImportedStack } from '../emit.js';
import { COMPOSE, composeNumber, containerResource, handleVar, isComposeLabel, networkResource, volumeResource } from './names.js';
import { hostConfigLeftovers, mapHostOptions } from './host-config.js';

export interface ReportItem {
  /** `container web`, `network default`. */
  object: string;
  /** The engine setting (`HostConfig.Links`). */
  field: string;
  why: string;
}

export interface AdoptTarget {
  kind: 'container' | 'network' | 'volume';
  resource: string;
  id: string;
  engineName: string;
  /** The replica a container stands for, when its resource has several. */
  replica?: number;
}

export interface MappedStack {
  model: ImportedStack;
  report: ReportItem[];
  targets: AdoptTarget[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const nameOf = (c: { Name: string }) => c.Name.replace(/^\//, '');

/** Nanoseconds → a duration string ('30s', '1500ms'). */
export function durationOf(ns: number): string {
  if (ns % 1e9 === 0) return `${ns / 1e9}s`;
  if (ns % 1e6 === 0) return `${ns / 1e6}ms`;
  return `${ns}ns`;
}

function healthcheck(h: HealthConfig): Record<string, unknown> {
  return {
    test: h.Test ?? [],
    ...(h.Interval ? { interval: durationOf(h.Interval) } : {}),
    ...(h.Timeout ? { timeout: durationOf(h.Timeout) } : {}),
    ...(h.StartPeriod ? { startPeriod: durationOf(h.StartPeriod) } : {}),
    ...(h.Retries ? { retries: h.Retries } : {}),
  };
}

function ports(c: ContainerDetail): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [key, bindings] of Object.entries(c.HostConfig.PortBindings ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const [port, protocol] = key.split('/');
    for (const b of bindings ?? [{ HostIp: '', HostPort: '' }]) {
      out.push({
        container: Number(port),
        ...(b.HostPort ? { host: Number(b.HostPort) } : {}),
        ...(b.HostIp ? { hostIp: b.HostIp } : {}),
        ...(protocol && protocol !== 'tcp' ? { protocol } : {}),
      });
    }
  }
  return out;
}

/** Env entries the image does not set to the same value. */
function env(c: ContainerDetail, img: ImageConfig): Record<string, string> {
  const inherited = new Set(img.Env ?? []);
  const out: Record<string, string> = {};
  for (const line of c.Config.Env ?? []) {
    if (inherited.has(line)) continue;
    const eq = line.indexOf('=');
    out[eq < 0 ? line : line.slice(0, eq)] = eq < 0 ? '' : line.slice(eq + 1);
  }
  return out;
}

function ownLabels(labels: Record<string, string> | null | undefined, inherited: Record<string, string> | null | undefined = {}): Record<string, string> | undefined {
  // moor's own keys are reserved (an image moor built passes them on): never the user's.
  const out = Object.fromEntries(Object.entries(labels ?? {}).filter(([k, v]) => !isComposeLabel(k) && !k.startsWith('moor.') && inherited?.[k] !== v));
  return Object.keys(out).length ? out : undefined;
}

function mapNetwork(n: NetworkDetail, resource: string, report: ReportItem[]): Entry {
  const object = `network ${resource}`;
  const ipam = n.IPAM?.Config ?? [];
  if (n.Options && Object.keys(n.Options).length) report.push({ object, field: 'Options', why: `driver options (${Object.keys(n.Options).join(', ')}) have no network() option` });
  if (n.EnableIPv6) report.push({ object, field: 'EnableIPv6', why: 'network() enables IPv6 only through an IPv6 subnet' });
  if (ipam.length > 1) report.push({ object, field: 'IPAM.Config', why: 'network() takes one subnet; the others are not kept' });
  if (ipam.some((c) => c.IPRange)) report.push({ object, field: 'IPAM.Config.IPRange', why: 'network() has no ip range option' });
  return {
    varName: handleVar('network', resource), name: resource,
    options: {
      ...(n.Driver !== 'bridge' ? { driver: n.Driver } : {}),
      ...(n.Internal ? { internal: true } : {}),
      ...(n.Attachable ? { attachable: true } : {}),
      ...(ownLabels(n.Labels) ? { labels: ownLabels(n.Labels) } : {}),
    },
    comments: ipam[0]?.Subnet
      ? [`The engine reports subnet ${ipam[0].Subnet}${ipam[0].Gateway ? ` (gateway ${ipam[0].Gateway})` : ''}: add subnet/gateway if you chose them, else a replacement gets another one.`]
      : undefined,
  };
}

function mapVolume(v: VolumeDetail, resource: string, report: ReportItem[]): Entry {
  if (v.Driver !== 'local') report.push({ object: `volume ${resource}`, field: 'Driver', why: `driver ${v.Driver}: moor's volumes use storage providers (local, tmpfs, bind, nfs, sshfs)` });
  if (v.Options && Object.keys(v.Options).length) report.push({ object: `volume ${resource}`, field: 'Options', why: `driver options (${Object.entries(v.Options).map(([k, x]) => `${k}=${x}`).join(', ')}) are not mapped to a provider` });
  return { varName: handleVar('volume', resource), name: resource, options: ownLabels(v.Labels) ? { labels: ownLabels(v.Labels) } : {} };
}

/**
 * Containers in groups: those of one compose service (same project and service label; one-off
 * `run` containers apart) together, by compose's container number; any other alone. Groups come
 * in the order of their first container.
 */
function replicaGroups(containers: ContainerDetail[]): ContainerDetail[][] {
  const groups = new Map<string, ContainerDetail[]>();
  for (const c of containers) {
    const l = c.Config.Labels ?? {};
    const key = l[COMPOSE.service] && l[COMPOSE.oneoff] !== 'True' ? `service ${l[COMPOSE.project] ?? ''}/${l[COMPOSE.service]}` : `container ${c.Id}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].map((g) => [...g].sort((a, b) => composeNumber(a) - composeNumber(b) || a.Name.localeCompare(b.Name)));
}

/** `name`, or `name-2`, `name-3`… when another object of the kind took it. */
function unique(name: string, taken: Map<string, string>): string {
  const used = new Set(taken.values());
  let out = name;
  for (let n = 2; used.has(out); n++) out = `${name.slice(0, 60)}-${n}`;
  return out;
}

export function mapSnapshot(stackName: string, snap: EngineSnapshot, header: string[] = []): MappedStack {
  const report: ReportItem[] = [];
  const targets: AdoptTarget[] = [];
  const netVar = new Map<string, string>();
  const volVar = new Map<string, string>();
  const ctrVar = new Map<string, string>();
  const networks = snap.networks.map((n) => {
    const resource = unique(networkResource(n), netVar);
    netVar.set(n.Name, resource);
    targets.push({ kind: 'network', resource, id: n.Id, engineName: n.Name });
    return mapNetwork(n, resource, report);
  });
  const volumes = snap.volumes.map((v) => {
    const resource = unique(volumeResource(v), volVar);
    volVar.set(v.Name, resource);
    targets.push({ kind: 'volume', resource, id: v.Name, engineName: v.Name });
    return mapVolume(v, resource, report);
  });
  const groups = replicaGroups(snap.containers);
  // Resource names: one per group merged into one resource with replicas, else one per container.
  const name = (merged: Set<ContainerDetail[]>) => {
    ctrVar.clear();
    for (const g of groups) {
      if (merged.has(g)) { const r = unique(containerResource(g[0]!), ctrVar); for (const c of g) ctrVar.set(nameOf(c), r); }
      else for (const c of g) ctrVar.set(nameOf(c), unique(containerResource(c), ctrVar));
    }
  };

  const mapContainer = (c: ContainerDetail, report: ReportItem[]): Entry => {
    const resource = ctrVar.get(nameOf(c))!;
    const object = `container ${resource}`;
    const img = snap.images[c.Image] ?? {};
    const cfg = c.Config;
    const hc = c.HostConfig;
    const o: Record<string, unknown> = { image: cfg.Image };
    if (/^sha256:/.test(cfg.Image)) report.push({ object, field: 'Config.Image', why: 'it was created from an image id, not a reference: put the reference in `image`' });
    const now = snap.refs?.[cfg.Image];
    if (now && now !== c.Image) report.push({ object, field: 'Image', why: `${cfg.Image} now points to another image than the one it runs: the first apply replaces it (moor plan shows it)` });
    // A job that ran to completion (exited 0, never restarted) is a runOnce container; anything else not running is started by the next apply.
    const restartNo = !c.HostConfig.RestartPolicy?.Name || c.HostConfig.RestartPolicy.Name === 'no';
    const runOnce = c.State.Status === 'exited' && c.State.ExitCode === 0 && restartNo;
    if (!runOnce && c.State.Status !== 'running') report.push({ object, field: 'State', why: `it is ${c.State.Status}${c.State.Status === 'exited' ? ` (exit code ${c.State.ExitCode ?? '?'})` : ''}: moor keeps containers running, so the first apply starts it (moor plan shows it)` });
    // The engine drops the image's command when the entrypoint is set: both are the container's then.
    const ownEntrypoint = !same(cfg.Entrypoint, img.Entrypoint);
    if (ownEntrypoint && cfg.Entrypoint) o.entrypoint = cfg.Entrypoint;
    if (ownEntrypoint && !cfg.Entrypoint) report.push({ object, field: 'Config.Entrypoint', why: "the image's entrypoint was cleared: moor cannot clear it" });
    if (cfg.Cmd && (ownEntrypoint || !same(cfg.Cmd, img.Cmd))) o.command = cfg.Cmd;
    const e = env(c, img);
    if (Object.keys(e).length) o.env = e;
    const p = ports(c);
    if (p.length) o.ports = p;
    if (hc.PublishAllPorts) o.publishAll = true;
    const exposed = Object.keys(cfg.ExposedPorts ?? {}).filter((k) => !(k in (img.ExposedPorts ?? {})) && !(k in (hc.PortBindings ?? {})));
    if (exposed.length) o.expose = exposed.map((k) => (k.endsWith('/tcp') ? k.slice(0, -4) : k));

    const mode = hc.NetworkMode ?? 'default';
    const attached = Object.entries(c.NetworkSettings.Networks ?? {});
    if (mode === 'host' || mode === 'none') o.networkMode = mode;
    else if (mode.startsWith('container:')) {
      const other = snap.containers.find((x) => x.Id === mode.slice(10) || nameOf(x) === mode.slice(10));
      if (other) o.networkMode = { container: { $ref: handleVar('container', ctrVar.get(nameOf(other))!) } };
      else report.push({ object, field: 'HostConfig.NetworkMode', why: `${mode}: that container is not adopted with it` });
    } else if (!(attached.length === 1 && attached[0]![0] === 'bridge')) {
      if (attached.some(([net]) => net === 'bridge')) report.push({ object, field: 'NetworkSettings.Networks.bridge', why: "the engine's default bridge together with other networks cannot be declared" });
      o.networks = attached.filter(([net]) => net !== 'bridge').map(([net, ep]) => {
        // The engine's and compose's own aliases (short id, name, service name = the resource name) are moor's too.
        const aliases = (ep.Aliases ?? []).filter((a) => a !== resource && a !== c.Id.slice(0, 12) && a !== nameOf(c) && a !== cfg.Hostname);
        const ip = ep.IPAMConfig?.IPv4Address;
        const ref = { $ref: handleVar('network', netVar.get(net) ?? net) };
        return aliases.length || ip ? { network: ref, ...(aliases.length ? { aliases } : {}), ...(ip ? { ipv4Address: ip } : {}) } : ref;
      });
    }

    const mounts: Record<string, unknown>[] = [];
    const tmpfs = hc.Tmpfs ?? {};
    for (const m of [...c.Mounts].sort((a, b) => a.Destination.localeCompare(b.Destination))) {
      const readOnly = m.RW ? {} : { readOnly: true };
      if (m.Type === 'volume' && m.Name && volVar.has(m.Name)) mounts.push({ volume: { $ref: handleVar('volume', volVar.get(m.Name)!) }, target: m.Destination, ...readOnly });
      else if (m.Type === 'volume') report.push({ object, field: `Mounts ${m.Destination}`, why: `anonymous volume ${m.Name?.slice(0, 12) ?? ''} (from the image's VOLUME or an unnamed mount) is not adopted: its data stays with this container` });
      else if (m.Type === 'bind') mounts.push({ bind: m.Source, target: m.Destination, ...readOnly });
      else if (m.Type === 'tmpfs' && !(m.Destination in tmpfs)) mounts.push({ tmpfs: true, target: m.Destination });
      else if (m.Type !== 'tmpfs') report.push({ object, field: `Mounts ${m.Destination}`, why: `mount type ${m.Type} has no mount option` });
    }
    for (const [target, opts] of Object.entries(tmpfs)) {
      const size = /(?:^|,)size=([^,]+)/.exec(opts)?.[1];
      const rest = opts.split(',').filter((x) => x && !x.startsWith('size='));
      if (rest.length) report.push({ object, field: `HostConfig.Tmpfs ${target}`, why: `tmpfs options ${rest.join(',')} are not kept (size and mode are)` });
      mounts.push({ tmpfs: size ? { size } : true, target });
    }
    if (mounts.length) o.mounts = mounts;
    const from = (hc.VolumesFrom ?? []).map((v) => {
      const [name, ro] = v.split(':');
      const other = snap.containers.find((x) => nameOf(x) === name || x.Id.startsWith(name ?? '?'));
      if (!other) { report.push({ object, field: 'HostConfig.VolumesFrom', why: `${name}: that container is not adopted with it` }); return undefined; }
      const ref = { $ref: handleVar('container', ctrVar.get(nameOf(other))!) };
      return ro === 'ro' ? { container: ref, readOnly: true } : ref;
    }).filter((x) => x !== undefined);
    if (from.length) o.volumesFrom = from;

    const rp = hc.RestartPolicy;
    if (rp && rp.Name && rp.Name !== 'no') o.restart = rp.Name === 'on-failure' && rp.MaximumRetryCount ? { policy: 'on-failure', maxRetries: rp.MaximumRetryCount } : rp.Name;
    if (cfg.Healthcheck && !same(cfg.Healthcheck, img.Healthcheck)) o.healthcheck = healthcheck(cfg.Healthcheck);
    if (cfg.User && cfg.User !== (img.User ?? '')) o.user = cfg.User;
    if (cfg.WorkingDir && cfg.WorkingDir !== (img.WorkingDir ?? '')) o.workingDir = cfg.WorkingDir;
    if (cfg.Hostname && cfg.Hostname !== c.Id.slice(0, 12)) o.hostname = cfg.Hostname;
    const labels = ownLabels(cfg.Labels, img.Labels);
    if (labels) o.labels = labels;
    if (cfg.StopSignal && cfg.StopSignal !== (img.StopSignal ?? 'SIGTERM') && cfg.StopSignal !== 'SIGTERM') o.stopSignal = cfg.StopSignal;
    if (typeof cfg.StopTimeout === 'number') o.stopTimeout = cfg.StopTimeout;
    const resources = {
      ...(hc.NanoCpus ? { cpus: hc.NanoCpus / 1e9 } : {}),
      ...(hc.Memory ? { memory: hc.Memory } : {}),
      ...(hc.PidsLimit && hc.PidsLimit > 0 ? { pids: hc.PidsLimit } : {}),
    };
    if (Object.keys(resources).length) o.resources = resources;
    // compose v2 records depends_on in a label: `db:service_healthy:false,…`.
    const deps = (cfg.Labels?.['com.docker.compose.depends_on'] ?? '').split(',').filter(Boolean).flatMap((d) => {
      const [svc, cond] = d.split(':');
      const other = snap.containers.find((x) => x.Config.Labels?.['com.docker.compose.service'] === svc);
      if (!other) { report.push({ object, field: 'depends_on', why: `${svc}: that service is not adopted with it` }); return []; }
      const condition = cond === 'service_healthy' ? 'healthy' : cond === 'service_completed_successfully' ? 'completed' : undefined;
      const ref = { $ref: handleVar('container', ctrVar.get(nameOf(other))!) };
      return [condition ? { container: ref, condition } : ref];
    });
    if (deps.length) o.dependsOn = deps;
    if (runOnce) o.runOnce = true;
    Object.assign(o, mapHostOptions(c, snap.loggingDriver));
    for (const [field, why] of hostConfigLeftovers(c)) report.push({ object, field, why });
    return { varName: handleVar('container', resource), name: resource, options: o };
  };

  // A compose service scaled to N containers (`up --scale web=3`) is one container with replicas N,
  // when its containers map to the same options and publish no fixed host port (which replicas cannot share).
  const scaled = groups.filter((g) => g.length > 1);
  name(new Set(scaled));
  const merged = new Set<ContainerDetail[]>();
  for (const g of scaled) {
    const options = g.map((c) => JSON.stringify(mapContainer(c, []).options));
    const fixedPort = ((JSON.parse(options[0]!) as { ports?: { host?: number }[] }).ports ?? []).some((p) => p.host !== undefined);
    const service = g[0]!.Config.Labels?.[COMPOSE.service];
    if (options.every((x) => x === options[0]) && !fixedPort) { merged.add(g); continue; }
    const why = fixedPort ? 'they publish a fixed host port, which replicas cannot share' : 'their settings differ';
    report.push({ object: `compose service ${service}`, field: 'replicas', why: `its ${g.length} containers are adopted as separate containers: ${why}` });
  }
  if (merged.size < scaled.length) name(merged);

  const containers = groups.flatMap((g): Entry[] => {
    const entries = g.map((c) => mapContainer(c, report));
    const replicas = merged.has(g) ? g.length : 1;
    g.forEach((c, i) => targets.push({ kind: 'container', resource: ctrVar.get(nameOf(c))!, id: c.Id, engineName: nameOf(c), ...(replicas > 1 ? { replica: i + 1 } : {}) }));
    if (replicas === 1) return entries;
    const { image, ...rest } = entries[0]!.options;
    return [{ ...entries[0]!, options: { image, replicas, ...rest } }];
  });
  // Replicas report the same things (the same setting left out): once each.
  const seen = new Set<string>();
  const reported = report.filter((r) => { const k = JSON.stringify(r); return !seen.has(k) && !!seen.add(k); });
  report.splice(0, report.length, ...reported);

  const model: ImportedStack = { name: stackName, header, images: [], networks, volumes, containers };
  return { model, report, targets };
}
