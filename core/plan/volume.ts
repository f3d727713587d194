/**
 * Volumes: the engine cannot change a volume's driver or options, so a change is a replacement —
 * and removing a volume destroys its data. Both are marked `dataLoss`; apply refuses them unless
 * the user said so explicitly.
 */
import { serviceUsers } from './service.js';
import { engineName } from '../model/names.js';
import { adoptedObject } from './adopted.js';
import type { VolumeSpec } from '../model/spec.js';
import { getProvider, type DataHome } from '../../providers/index.js';
import { describeAttributes, diffAttributes, type AttributeRule } from './attributes.js';
import { collision, type PlanContext } from './context.js';
import { rulesOf } from '../model/lifecycle.js';
import { STASH_PAYLOAD, type ObservedMigration } from '../model/migration.js';
import type { ObservedVolume } from '../observe/types.js';
import type { MigrationStep, PlanNode } from './types.js';

const RULES: AttributeRule<VolumeSpec>[] = [
  { path: 'provider', get: (v) => v.provider.name, forcesReplacement: true },
  { path: 'provider.options', get: (v) => v.provider.options, perKey: true, forcesReplacement: true },
  { path: 'driver', get: (v) => v.driver, forcesReplacement: true },
  { path: 'driverOpts', get: (v) => v.driverOpts, perKey: true, forcesReplacement: true },
];

/** What a created or deleted volume is, in the stack's terms (driver and options follow from them). */
const DESCRIBED = RULES.filter((r) => r.path.startsWith('provider'));

function users(ctx: PlanContext, volume: string): string[] {
  return ctx.observed.containers
    .filter((c) => c.owner === 'stack' && c.spec?.mounts.some((m) => m.type === 'volume' && m.volume === volume))
    .map((c) => `container.${c.resource}`)
    .concat(serviceUsers(ctx, 'volume', volume));
}

/** Running containers of the stack that mount the volume and stay in the stack, by engine name. */
function runningUsers(ctx: PlanContext, volume: string): string[] {
  const kept = new Set(ctx.desired.containers.map((c) => c.name));
  return ctx.observed.containers
    .filter((c) => c.owner === 'stack' && !c.next && c.state === 'running' && kept.has(c.resource ?? '') && c.spec?.mounts.some((m) => m.type === 'volume' && m.volume === volume))
    .map((c) => c.name)
    .sort();
}

export function describeVolume(v: VolumeSpec): string {
  const p = getProvider(v.provider.name);
  return p ? p.describe(v.provider.options as never) : v.provider.name;
}

/** What the provider wants a user to know about a volume it creates. */
function notesOf(v: VolumeSpec): string[] {
  return getProvider(v.provider.name)?.notes?.(v.provider.options as never) ?? [];
}

const FULL_MIGRATION: MigrationStep[] = ['stash', 'drop-old', 'create-new', 'restore', 'drop-stash'];

/** What a volume holds, as a cause (or nothing when it could not be measured). */
function atStake(ctx: PlanContext, engine: string): Pick<PlanNode, 'dataAtStake'> {
  const u = ctx.observed.volumeUsage[engine];
  return u ? { dataAtStake: { bytes: u.bytes, files: u.files, ...(u.complete ? {} : { complete: false }) } } : {};
}

function isEmpty(ctx: PlanContext, engine: string): boolean {
  const u = ctx.observed.volumeUsage[engine];
  return !!u && u.complete && u.files === 0;
}

/** Where a volume's data lives (a volume without a readable spec: in the engine). */
function dataHomeOf(v: VolumeSpec | undefined): DataHome {
  return (v && getProvider(v.provider.name)?.data) || 'engine';
}

/** What deleting the engine volume leaves behind, for a volume whose data is not in the engine. */
function dataStays(old: VolumeSpec, home: Exclude<DataHome, 'engine'>): string {
  return home === 'memory'
    ? 'its data lived in memory only, and goes when its containers stop'
    : `its data stays where it is (${describeVolume(old)}): only the engine's volume is removed`;
}

/**
 * A replacement or deletion of a volume: guarded unless it keeps no data in the engine, is empty,
 * or the stack allows the loss.
 */
function guard(ctx: PlanContext, id: string, engine: string, old: VolumeSpec | undefined): Pick<PlanNode, 'dataLoss' | 'dataLossAllowed' | 'dataAtStake' | 'dataHome'> {
  const home = dataHomeOf(old);
  if (home !== 'engine') return { dataHome: home };
  if (isEmpty(ctx, engine)) return { dataAtStake: { bytes: 0, files: 0 } };
  const rules = rulesOf(ctx.desired.lifecycle, id);
  return { dataLoss: true, ...atStake(ctx, engine), ...(rules.allowDataLoss ? { dataLossAllowed: 'allowDataLoss: true in the stack' } : {}) };
}

/** Resume (or roll back) a migration an earlier apply did not finish. */
function resumeMigration(ctx: PlanContext, vol: VolumeSpec, obs: ObservedVolume | undefined, mig: ObservedMigration, base: Omit<PlanNode, 'action' | 'causes' | 'changes' | 'op'>): PlanNode | undefined {
  const node = (steps: MigrationStep[], cause: string): PlanNode => ({
    ...base, action: 'migrate', causes: [cause], changes: [], ...atStake(ctx, base.engineName),
    op: { type: 'volume.migrate', volume: vol, steps, verified: mig.verified, ...(obs?.spec ? { old: obs.spec } : {}) },
  });
  if (mig.verified && !mig.stash) return node(['drop-stash'], 'an earlier migration finished; its marker is removed');
  if (mig.verified) {
    // Whatever is at the volume's name now (the old data, or a half-filled new volume) is released:
    // the verified copy is the data, and it is restored into a fresh volume.
    const steps: MigrationStep[] = [...(obs ? ['drop-old' as const] : []), 'create-new', 'restore', 'drop-stash'];
    return node(steps, `resuming an interrupted migration from its verified copy ${mig.stash}`);
  }
  if (!obs) {
    ctx.diagnostics.push({
      severity: 'error', resource: base.id, location: ctx.desired.locations[base.id],
      summary: `volume ${base.engineName} is missing and the copy ${mig.stash} of an interrupted migration was never verified; moor will not guess which data is right`,
      detail: `Check ${mig.stash} (its data is under ${STASH_PAYLOAD}/) and restore it by hand, or remove it once you are sure.`,
    });
    return undefined;
  }
  const changes = obs.spec ? diffAttributes(RULES, obs.spec, vol) : [];
  return node(['discard-stash', ...(changes.length || !obs.spec ? FULL_MIGRATION : [])], `an interrupted migration is rolled back (its copy was never verified; ${base.engineName} still holds the data)`);
}

export function planVolumes(ctx: PlanContext): PlanNode[] {
  const nodes: PlanNode[] = [];
  const stack = ctx.desired.name;
  for (const vol of ctx.desired.volumes) {
    const id = `volume.${vol.name}`;
    // Adopted in place (model/adoption.ts): found by its record, same name, same data.
    const adopted = adoptedObject(ctx.observed.volumes, vol.name);
    const en = adopted?.name ?? engineName(stack, vol.name);
    const obs = adopted ?? ctx.observed.volumes.find((o) => o.name === en);
    const base = { id, kind: 'volume' as const, name: vol.name, engineName: en, dependsOn: [], dependents: users(ctx, vol.name) };
    if (obs?.owner === 'foreign') { collision(ctx, 'volume', vol.name, en); continue; }
    const mig = ctx.observed.migrations[vol.name];
    if (mig) {
      const resumed = resumeMigration(ctx, vol, obs, mig, base);
      if (resumed) nodes.push(resumed);
      continue;
    }
    if (!obs) { nodes.push({ ...base, action: 'create', causes: [describeVolume(vol), ...notesOf(vol)], changes: describeAttributes(DESCRIBED, vol), op: { type: 'volume.create', volume: vol } }); continue; }
    const changes = obs.spec ? diffAttributes(RULES, obs.spec, vol) : [];
    if (obs.spec && diffAttributes([{ path: 'labels', get: (v: VolumeSpec) => v.labels, forcesReplacement: false }], obs.spec, vol).length) {
      ctx.diagnostics.push({
        severity: 'warning', resource: id, location: ctx.desired.locations[id], field: 'labels',
        summary: `volume labels cannot change without recreating the volume (and its data); the new labels are not applied`,
      });
    }
    const forced = ctx.options.replace?.includes(id);
    if (!obs.spec || changes.length || forced) {
      const causes = [
        ...(obs.spec ? changes.map((c) => `${c.path} changed (the engine cannot change a volume in place)`) : ['moor cannot read what it last applied to this volume']),
        ...(forced ? ['forced by --replace'] : []),
      ];
      const rules = rulesOf(ctx.desired.lifecycle, id);
      const old = obs.spec;
      const migrating = rules.migrate || ctx.options.migrateVolumes;
      // Data in memory is gone once the containers stop: there is nothing to copy out of a memory
      // volume, and nothing copied into one survives the helper that restores it. Such a
      // replacement is a plain one, guarded as data loss when the old volume holds data.
      const intoMemory = dataHomeOf(vol) === 'memory';
      if (migrating && dataHomeOf(old) !== 'memory' && !intoMemory && !isEmpty(ctx, en)) {
        nodes.push({
          ...base, action: 'migrate', changes, ...atStake(ctx, en),
          causes: [...causes, `data copied into the new volume and verified (${rules.migrate ? 'migrate: true' : '--migrate-volumes'})`],
          op: { type: 'volume.migrate', volume: vol, steps: FULL_MIGRATION, verified: null, ...(old ? { old } : {}) },
        });
        continue;
      }
      const guarded = guard(ctx, id, en, old);
      nodes.push({
        ...base, action: 'replace', changes, ...guarded,
        causes: [
          ...causes,
          ...(guarded.dataHome && old ? [dataStays(old, guarded.dataHome)] : guarded.dataLoss ? [] : ['the volume is empty']),
          ...(migrating && intoMemory && guarded.dataLoss ? ['the data cannot be migrated: the new volume keeps data in memory only'] : []),
          // A memory volume replaced by one: its "lived in memory" cause already says it.
          ...(guarded.dataHome === 'memory' && intoMemory ? [] : notesOf(vol)),
        ],
        op: { type: 'volume.replace', volume: vol, ...(old ? { old } : {}) },
      });
      continue;
    }
    if (obs.health && !obs.health.ok) {
      const restart = runningUsers(ctx, vol.name);
      nodes.push({
        ...base, action: 'update', changes: [],
        causes: [`${obs.health.reason} (drift): apply repairs it${restart.length ? `, then restarts ${restart.join(', ')} so that ${restart.length === 1 ? 'it sees' : 'they see'} the repaired volume` : ''}`],
        op: { type: 'volume.repair', volume: vol, restart },
      });
      continue;
    }
    nodes.push({ ...base, action: 'noop', causes: [], changes: [], op: { type: 'noop' } });
  }
  for (const obs of ctx.observed.volumes) {
    if (obs.owner !== 'stack' || !obs.resource || ctx.desired.volumes.some((v) => v.name === obs.resource)) continue;
    const home = dataHomeOf(obs.spec);
    // destroy keeps volumes holding data; one whose data lives elsewhere (or in memory) has none to keep.
    if (ctx.options.mode === 'destroy' && !ctx.options.destroyVolumes && home === 'engine') {
      ctx.notes.push(`volume ${obs.name} is kept with its data (destroy --volumes removes it)`);
      continue;
    }
    const mig = ctx.observed.migrations[obs.resource];
    const guarded = guard(ctx, `volume.${obs.resource}`, obs.name, obs.spec);
    nodes.push({
      id: `volume.${obs.resource}`, kind: 'volume', name: obs.resource, engineName: obs.name, action: 'delete', ...guarded,
      causes: [
        ctx.options.mode === 'destroy' ? (ctx.options.destroyVolumes ? 'destroy --volumes' : 'destroy') : 'no longer in the stack',
        ...(guarded.dataHome && obs.spec ? [dataStays(obs.spec, guarded.dataHome)] : []),
      ],
      changes: obs.spec ? describeAttributes(DESCRIBED, obs.spec, true) : [], dependsOn: [],
      dependents: users(ctx, obs.resource),
      op: { type: 'volume.delete', also: mig ? [mig.stash, mig.verified?.marker].filter((x): x is string => !!x) : [], ...(obs.spec ? { old: obs.spec } : {}) },
    });
  }
  return nodes;
}
