/**
 * Every engine read an adoption makes: which objects (a compose project by its labels, or named
 * containers, networks and volumes), their inspects, their images' configs (the defaults they
 * inherit), the networks and named volumes they use, the engine's default log driver, and who
 * owns them already (moor labels, or any stack's adoption record).
 */
import type { EngineClient } from '../../engine/client.js';
import { isNotFound } from '../../engine/errors.js';
import type { ContainerSummary, VolumeSummary } from '../../engine/api-types.js';
import { MoorError } from '../../errors.js';
import { LABEL } from '../../model/labels.js';
import { ADOPTION_KIND, readAdoption, type AdoptionRecord } from '../../model/adoption.js';
import type { ContainerDetail, EngineSnapshot, ImageConfig, NetworkDetail, VolumeDetail } from './engine-types.js';
import { COMPOSE } from './names.js';

export interface Selection {
  /** A compose project: its containers (one-off `run` containers left out), networks and volumes. */
  project?: string;
  containers: string[];
  networks: string[];
  volumes: string[];
}

/** Networks every engine has: never adopted. */
const ENGINE_NETWORKS = new Set(['bridge', 'host', 'none']);
/** An unnamed volume (an image's VOLUME, a mount without a name) is named by 64 hex digits. */
const anonymous = (name: string) => /^[0-9a-f]{64}$/.test(name);

export class NotFoundForImport extends MoorError {}

const q = (f: Record<string, string[]>) => ({ filters: JSON.stringify(f) });

async function inspect<T>(client: EngineClient, path: string, what: string): Promise<T> {
  try {
    return await client.request<T>('GET', path);
  } catch (e) {
    if (isNotFound(e)) throw new NotFoundForImport(`${what} not found on the engine`);
    throw e;
  }
}

export async function readSnapshot(client: EngineClient, sel: Selection): Promise<EngineSnapshot> {
  const byProject = sel.project ? q({ label: [`${COMPOSE.project}=${sel.project}`] }) : undefined;
  const [listed, projNets, projVols, info] = await Promise.all([
    byProject ? client.request<ContainerSummary[]>('GET', '/containers/json', { query: { all: 1, ...byProject } }) : Promise.resolve([]),
    byProject ? client.request<{ Id: string }[]>('GET', '/networks', { query: byProject }) : Promise.resolve([]),
    byProject ? client.request<{ Volumes: VolumeSummary[] | null }>('GET', '/volumes', { query: byProject }).then((r) => r.Volumes ?? []) : Promise.resolve([]),
    client.request<{ LoggingDriver?: string }>('GET', '/info'),
  ]);
  const projectIds = listed.filter((c) => c.Labels?.[COMPOSE.oneoff] !== 'True').map((c) => c.Id);
  if (sel.project && projectIds.length === 0) throw new NotFoundForImport(`no containers of compose project "${sel.project}" on the engine (looked for the label ${COMPOSE.project}=${sel.project})`);

  const containers = await Promise.all([...projectIds, ...sel.containers].map((c) => inspect<ContainerDetail>(client, `/containers/${encodeURIComponent(c)}/json`, `container ${c}`)));
  const unique = [...new Map(containers.map((c) => [c.Id, c])).values()].sort((a, b) => a.Name.localeCompare(b.Name));

  const netNames = new Set([...projNets.map((n) => n.Id), ...sel.networks]);
  for (const c of unique) for (const n of Object.keys(c.NetworkSettings.Networks ?? {})) if (!ENGINE_NETWORKS.has(n)) netNames.add(n);
  const volNames = new Set([...projVols.map((v) => v.Name), ...sel.volumes]);
  for (const c of unique) for (const m of c.Mounts) if (m.Type === 'volume' && m.Name && !anonymous(m.Name)) volNames.add(m.Name);

  const imageIds = [...new Set(unique.map((c) => c.Image))];
  const refs = [...new Set(unique.map((c) => c.Config.Image))];
  const [networks, volumes, images, refIds] = await Promise.all([
    Promise.all([...netNames].map((n) => inspect<NetworkDetail>(client, `/networks/${encodeURIComponent(n)}`, `network ${n}`))),
    Promise.all([...volNames].map((v) => inspect<VolumeDetail>(client, `/volumes/${encodeURIComponent(v)}`, `volume ${v}`))),
    Promise.all(imageIds.map((id) => client.request<{ Config?: ImageConfig | null }>('GET', `/images/${encodeURIComponent(id)}/json`).then((i) => [id, i.Config ?? {}] as const, () => [id, {}] as const))),
    Promise.all(refs.map((r) => client.request<{ Id: string }>('GET', `/images/${encodeURIComponent(r)}/json`).then((i) => [[r, i.Id] as const], () => []))),
  ]);
  return {
    containers: unique,
    networks: [...new Map(networks.filter((n) => !ENGINE_NETWORKS.has(n.Name)).map((n) => [n.Id, n])).values()].sort((a, b) => a.Name.localeCompare(b.Name)),
    volumes: [...new Map(volumes.map((v) => [v.Name, v])).values()].sort((a, b) => a.Name.localeCompare(b.Name)),
    images: Object.fromEntries(images),
    refs: Object.fromEntries(refIds.flat()),
    loggingDriver: info.LoggingDriver ?? 'json-file',
  };
}

/** Every stack's adoption record on the engine, by stack. */
export async function readAdoptionRecords(client: EngineClient): Promise<Map<string, AdoptionRecord>> {
  const vols = await client.request<{ Volumes: VolumeSummary[] | null }>('GET', '/volumes', { query: q({ label: [`${LABEL.kind}=${ADOPTION_KIND}`] }) }).then((r) => r.Volumes ?? []);
  const byStack = new Map<string, VolumeSummary[]>();
  for (const v of vols) {
    const stack = v.Labels?.[LABEL.stack];
    if (stack) byStack.set(stack, [...(byStack.get(stack) ?? []), v]);
  }
  return new Map([...byStack].map(([stack, list]) => [stack, readAdoption(list)]));
}

export interface Owned {
  object: string;
  stack: string;
  how: 'labels' | 'adoption record';
}

/** Objects of the snapshot some moor stack owns already: by its labels, or by an adoption record. */
export function ownedObjects(snap: EngineSnapshot, records: Map<string, AdoptionRecord>): Owned[] {
  const out: Owned[] = [];
  const objects = [
    ...snap.containers.map((c) => ({ kind: 'container', id: c.Id, name: c.Name.replace(/^\//, ''), labels: c.Config.Labels })),
    ...snap.networks.map((n) => ({ kind: 'network', id: n.Id, name: n.Name, labels: n.Labels })),
    ...snap.volumes.map((v) => ({ kind: 'volume', id: v.Name, name: v.Name, labels: v.Labels })),
  ];
  for (const o of objects) {
    // A container inherits its image's labels: only moor.kind of its own kind counts.
    const stack = o.labels?.[LABEL.stack];
    if (stack && o.labels?.[LABEL.kind] === o.kind) { out.push({ object: `${o.kind} ${o.name}`, stack, how: 'labels' }); continue; }
    for (const [s, record] of records) {
      if (record.entries.some((e) => e.kind === o.kind && e.id === o.id)) out.push({ object: `${o.kind} ${o.name}`, stack: s, how: 'adoption record' });
    }
  }
  return out;
}
