/**
 * observe: every engine read a plan needs, and nothing else, in parallel: list calls with label
 * and name filters (plus, only when the stack needs them, the containers publishing its host
 * ports, `/info`, and the registry of an image the plan would pull), one inspect by name per
 * network the stack declares external, then one inspect per managed
 * container (the deep drift read: labels are immutable, so after a live update or a `docker
 * update` by hand only the engine knows the current value). `refresh: false` inspects only the
 * containers whose live attributes the stack changes.
 */
import type { EngineClient } from '../engine/client.js';
import type { HostContext } from '../../providers/types.js';
import { observeVolumeHealth } from './volume-health.js';
import { containersPublishing, engineNetworks, publishedPorts } from './engine-usage.js';
import { interruptedOf } from './intents.js';
import { askRegistry } from './pullable.js';
import { healthOf, portsOf } from './stack-containers.js';
import { observeExternalNetworks } from './external-networks.js';
import { observeServices } from './services.js';
import { familiarRef } from '../engine/podman.js';
import type { ContainerInspect, ContainerSummary, ImageSummary, NetworkSummary, VolumeSummary } from '../engine/api-types.js';
import { isLedgerVolume, readLedger } from '../model/ledger.js';
import { isMigrationVolume, readMigrations } from '../model/migration.js';
import { isKeyVolume, readKey } from '../model/secret.js';
import { LABEL, readSpec } from '../model/labels.js';
import { isAdoptionVolume, readAdoption, type AdoptedEntry } from '../model/adoption.js';
import { adoptedEntry, listAdopted, ownAdoptedPorts } from './adopted.js';
import { attachedNetworkName, NEXT_SUFFIX } from '../model/names.js';
import type { BackupSpec, ContainerSpec, DesiredStack, NetworkSpec, VolumeSpec } from '../model/spec.js';
import { sameValue } from '../plan/values.js';
import type { ResourceKind } from '../stack/handles.js';
import type { LiveContainerState, ObservedBackup, ObservedContainer, ObservedImage, ObservedNetwork, ObservedState, ObservedVolume, Ownership } from './types.js';

export interface ObserveOptions {
  /** Inspect every managed container to catch changes made by hand to attributes lists do not show. */
  refresh?: boolean;
  /** Where moor runs relative to the engine: with it, providers report their volumes' host-side health. */
  host?: HostContext;
}

const filters = (f: Record<string, string[]>) => JSON.stringify(f);

/** `Exited (3) 2 minutes ago` → 3; null for any other state. */
function exitCodeOf(status: string): number | null {
  const m = /^Exited \((-?\d+)\)/.exec(status);
  return m ? Number(m[1]) : null;
}

/** Drivers every engine has: no need to ask which it knows. */
const BUILTIN_NETWORK_DRIVERS = ['bridge', 'host', 'null', 'none'];

/**
 * Merge label- and name-filtered lists; keep only objects that are ours or collide with our names.
 * Ours means labelled with this stack AND this kind: a container someone created by hand from an
 * image this stack built inherits the image's moor.stack label, and must never count as the stack's.
 */
function classify<T>(
  stack: string,
  kind: ResourceKind,
  items: T[],
  id: (t: T) => string,
  name: (t: T) => string,
  labels: (t: T) => Record<string, string> | null,
  adopted: (t: T) => AdoptedEntry | undefined = () => undefined,
): { item: T; owner: Ownership; entry?: AdoptedEntry }[] {
  const seen = new Map<string, { item: T; owner: Ownership; entry?: AdoptedEntry }>();
  for (const item of items) {
    if (seen.has(id(item))) continue;
    const l = labels(item) ?? {};
    const entry = adopted(item);
    // In the stack's adoption record: the stack's own, with the spec the record holds.
    if (entry) seen.set(id(item), { item, owner: 'stack', entry });
    else if (l[LABEL.stack] === stack && l[LABEL.kind] === kind) seen.set(id(item), { item, owner: 'stack' });
    else if (name(item).startsWith(`${stack}-`)) seen.set(id(item), { item, owner: 'foreign' });
  }
  return [...seen.values()];
}

export async function observeStack(client: EngineClient, desired: DesiredStack, options: ObserveOptions = {}): Promise<ObservedState> {
  const stack = desired.name;
  const byLabel = filters({ label: [`${LABEL.stack}=${stack}`] });
  const byName = filters({ name: [`${stack}-`] });
  const refs = [...new Set(desired.images.map((i) => i.ref))];

  const hostPorts = [...new Set(desired.containers.flatMap((c) => c.ports.filter((p) => p.hostPort).map((p) => `${p.hostPort}/${p.containerPort.split('/')[1]}`)))];

  const wantsCpus = desired.containers.some((c) => c.resources.nanoCpus !== null);
  // A network driver other than the built-in ones must be one the engine has (a plugin).
  const wantsDrivers = desired.networks.some((n) => !BUILTIN_NETWORK_DRIVERS.includes(n.driver));

  const [services, engine, cByLabel, cByName, cPublishing, nByLabel, nAll, vByLabel, vByName, iByLabel, iByRef, info] = await Promise.all([
    observeServices(client, stack, (desired.services ?? []).length > 0),
    client.engineInfo(),
    client.request<ContainerSummary[]>('GET', '/containers/json', { query: { all: 1, filters: byLabel } }),
    client.request<ContainerSummary[]>('GET', '/containers/json', { query: { all: 1, filters: byName } }),
    // Running containers that publish one of the stack's host ports, and every network with its
    // subnets: what an apply could collide with.
    containersPublishing(client, hostPorts),
    client.request<NetworkSummary[]>('GET', '/networks', { query: { filters: byLabel } }),
    client.request<NetworkSummary[]>('GET', '/networks'),
    client.request<{ Volumes: VolumeSummary[] | null }>('GET', '/volumes', { query: { filters: byLabel } }),
    client.request<{ Volumes: VolumeSummary[] | null }>('GET', '/volumes', { query: { filters: byName } }),
    client.request<ImageSummary[]>('GET', '/images/json', { query: { filters: byLabel } }),
    refs.length
      ? client.request<ImageSummary[]>('GET', '/images/json', { query: { filters: filters({ reference: refs }) } })
      : Promise.resolve([] as ImageSummary[]),
    // The engine's CPU count and network drivers, for limits and drivers it would refuse: read only when the stack needs them.
    wantsCpus || wantsDrivers ? client.request<{ NCPU?: number; Plugins?: { Network?: string[] } }>('GET', '/info').catch(() => undefined) : Promise.resolve(undefined),
  ]);

  const ours = (vByLabel.Volumes ?? []).filter((v) => v.Labels?.[LABEL.stack] === stack);
  const adoptionRecord = readAdoption(ours);
  const adopted = adoptionRecord.volumes.length ? await listAdopted(client, adoptionRecord) : { containers: [], volumes: [] };

  const containers: ObservedContainer[] = classify(
    stack, 'container', [...adopted.containers, ...cByLabel, ...cByName], (c) => c.Id, (c) => (c.Names[0] ?? '').replace(/^\//, ''), (c) => c.Labels,
    (c) => adoptedEntry(adoptionRecord, 'container', c.Id),
  ).map(({ item: c, owner, entry }) => {
    const labels = c.Labels ?? {};
    const name = (c.Names[0] ?? '').replace(/^\//, '');
    const status = c.Status ?? '';
    return {
      id: c.Id,
      name,
      labels,
      owner,
      resource: entry ? entry.resource : owner === 'stack' ? labels[LABEL.name] : undefined,
      spec: entry ? (entry.spec as ContainerSpec) : owner === 'stack' ? readSpec<ContainerSpec>(labels, 'container') : undefined,
      ...(entry ? { adopted: true as const } : {}),
      ...(entry?.replica ? { adoptedReplica: entry.replica } : {}),
      next: !entry && owner === 'stack' && name.endsWith(NEXT_SUFFIX),
      state: c.State,
      exitCode: exitCodeOf(status),
      health: healthOf(status),
      imageId: c.ImageID,
      ports: portsOf(c.Ports),
      networks: Object.keys(c.NetworkSettings?.Networks ?? {}),
      volumeMounts: (c.Mounts ?? []).flatMap((m) => (m.Type === 'volume' && m.Name ? [{ name: m.Name, target: m.Destination }] : [])),
    };
  });

  const networks: ObservedNetwork[] = classify(stack, 'network', [...nByLabel, ...nAll], (n) => n.Id, (n) => n.Name, (n) => n.Labels, (n) => adoptedEntry(adoptionRecord, 'network', n.Id)).map(
    ({ item: n, owner, entry }) => ({
      id: n.Id, name: n.Name, labels: n.Labels ?? {}, owner,
      resource: entry ? entry.resource : owner === 'stack' ? n.Labels?.[LABEL.name] : undefined,
      spec: entry ? (entry.spec as NetworkSpec) : owner === 'stack' ? readSpec<NetworkSpec>(n.Labels, 'network') : undefined,
      ...(entry ? { adopted: true as const } : {}),
    }),
  );

  const ledger = readLedger((vByLabel.Volumes ?? []).filter((v) => v.Labels?.[LABEL.stack] === stack));
  for (const c of containers) if (ledger.entries[c.id]) c.recorded = ledger.entries[c.id];

  const migrations = readMigrations(ours);
  const keyVolume = ours.find((v) => isKeyVolume(v.Labels));
  const volumes: ObservedVolume[] = classify(
    stack, 'volume', [...adopted.volumes, ...(vByLabel.Volumes ?? []), ...(vByName.Volumes ?? [])].filter((v) => !isLedgerVolume(v.Labels) && !isMigrationVolume(v.Labels) && !isKeyVolume(v.Labels) && !isAdoptionVolume(v.Labels)), (v) => v.Name, (v) => v.Name, (v) => v.Labels,
    (v) => adoptedEntry(adoptionRecord, 'volume', v.Name),
  ).map(({ item: v, owner, entry }) => ({
    id: v.Name, name: v.Name, labels: v.Labels ?? {}, owner, driver: v.Driver, options: v.Options ?? {}, mountpoint: v.Mountpoint,
    resource: entry ? entry.resource : owner === 'stack' ? v.Labels?.[LABEL.name] : undefined,
    spec: entry ? (entry.spec as VolumeSpec) : owner === 'stack' ? readSpec<VolumeSpec>(v.Labels, 'volume') : undefined,
    ...(entry ? { adopted: true as const } : {}),
  }));

  const backups: ObservedBackup[] = ours
    .filter((v) => v.Labels?.[LABEL.kind] === 'backup' && v.Labels?.[LABEL.name])
    .map((v) => ({ name: v.Name, resource: v.Labels![LABEL.name]!, spec: readSpec<BackupSpec>(v.Labels, 'backup') }));

  if (options.host) await observeVolumeHealth(stack, volumes, options.host);
  const interrupted = await interruptedOf(client, stack, ours, cByName);

  const images = new Map<string, ObservedImage>();
  for (const i of [...iByLabel, ...iByRef]) {
    const labels = i.Labels ?? {};
    images.set(i.Id, {
      id: i.Id,
      // Tags, and digests for images pinned by digest (`nginx@sha256:…`).
      // Podman lists them under their full names (docker.io/library/…): moor compares the short ones.
      refs: [...(i.RepoTags ?? []), ...(i.RepoDigests ?? [])].map(familiarRef),
      labels,
      resource: labels[LABEL.stack] === stack ? labels[LABEL.name] : undefined,
    });
  }

  const refresh = options.refresh ?? true;
  const toInspect = containers.filter((c) => c.owner === 'stack' && c.spec && !c.next && (refresh || needsLiveRead(c, desired, networks)));
  // Images the plan will pull are asked of their registry, so that one that cannot be pulled stops the plan.
  // pullPolicy 'always': the registry's current digest of images the engine has too.
  const present = new Set(desired.images.filter((d) => [...images.values()].some((o) => o.refs.includes(d.ref))).map((d) => d.ref));
  const ask = desired.images.filter((d) => !d.build && d.pull?.policy !== 'never' && (d.pull?.policy === 'always' || !present.has(d.ref))).map((d) => d.ref);
  const [{ unpullable, digests: registryDigests }, externalNetworks] = await Promise.all([
    askRegistry(client, ask, present),
    observeExternalNetworks(client, desired.externalNetworks ?? []),
    ...toInspect.map(async (c) => {
      // By name: the same read from one plan to the next even when the container was recreated
      // meanwhile, so a plan's reads sent ahead (read-ahead.ts) still answer it. A name that now
      // belongs to another container than the one listed is read again by id.
      const byName = await client.request<ContainerInspect>('GET', `/containers/${encodeURIComponent(c.name)}/json`, { okStatuses: [404] });
      const info = byName?.Id === c.id ? byName : await client.request<ContainerInspect>('GET', `/containers/${c.id}/json`);
      c.live = liveState(info, c.resource ?? '');
    }),
  ]);

  const adoptedNames = containers.filter((c) => c.adopted).map((c) => c.name);
  const adoptedNets = new Set(networks.filter((n) => n.adopted).map((n) => n.name));
  return { stack, engine: client.endpoint ? { ...engine, endpoint: client.endpoint.display } : engine, containers, networks, volumes, images: [...images.values()], unpullable, registryDigests, backups, ledger, refreshed: refresh, migrations, volumeUsage: {}, interrupted, externalNetworks,
    ...(adoptionRecord.volumes.length ? { adoption: adoptionRecord } : {}),
    engineNetworks: engineNetworks(nAll).map((n) => (adoptedNets.has(n.name) ? { ...n, stack } : n)),
    publishedPorts: ownAdoptedPorts(stack, publishedPorts(cPublishing), adoptedNames), ...(info?.NCPU ? { engineCpus: info.NCPU } : {}),
    swarm: services.swarm, services: services.services, swarmSecrets: services.secrets,
    ...(wantsDrivers && info?.Plugins?.Network ? { networkDrivers: info.Plugins.Network } : {}),
    secretKey: keyVolume ? { volume: keyVolume.Name, key: readKey(keyVolume.Labels)?.toString('base64') ?? null } : null,
  };
}

/**
 * Only when the stack wants a live attribute other than what moor last applied (the ledger, else
 * the labels) must we ask the engine what it has now.
 */
function needsLiveRead(c: ObservedContainer, desired: DesiredStack, networks: ObservedNetwork[]): boolean {
  const spec = c.spec!;
  const want = desired.containers.find((d) => d.name === spec.name);
  if (!want) return false;
  const last = c.recorded ?? { restart: spec.restart, resources: spec.resources, aliases: {} };
  if (!sameValue(want.restart, last.restart) || !sameValue(want.resources, last.resources)) return true;
  return want.networks.some((n) => {
    const before = spec.networks.find((x) => x.network === n.network);
    // An adopted network keeps its own name (model/adoption.ts); an external one is named as declared.
    const net = networks.find((x) => x.adopted && x.resource === n.network)?.name ?? attachedNetworkName(desired.name, n);
    const recorded = c.recorded?.aliases[net];
    return before !== undefined && !sameValue(recorded ?? before.aliases, n.aliases);
  });
}

export function liveState(info: ContainerInspect, resource: string): LiveContainerState {
  const hc = info.HostConfig;
  const rp = hc.RestartPolicy;
  const shortId = info.Id.slice(0, 12);
  const aliases: Record<string, string[]> = {};
  for (const [net, ep] of Object.entries(info.NetworkSettings.Networks ?? {})) {
    aliases[net] = (ep.Aliases ?? []).filter((a) => a !== shortId && a !== resource && a !== info.Name.replace(/^\//, '')).sort();
  }
  return {
    restart: { policy: (rp?.Name || 'no') as LiveContainerState['restart']['policy'], maxRetries: rp?.MaximumRetryCount ?? 0 },
    resources: {
      nanoCpus: hc.NanoCpus ? hc.NanoCpus : null,
      memoryBytes: hc.Memory ? hc.Memory : null,
      pids: hc.PidsLimit && hc.PidsLimit > 0 ? hc.PidsLimit : null,
    },
    aliases,
  };
}

