/**
 * Volumes: the engine cannot change a volume's driver or options, so a change is a replacement —
 * and removing a volume destroys its data. Both are marked `dataLoss`; apply refuses them unless
 * the user said so explicitly.
 */
import { engineName } from '../model/names.js';
import type { VolumeSpec } from '../model/spec.js';
import { getProvider } from '../../providers/index.js';
import { diffAttributes, type AttributeRule } from './attributes.js';
import { collision, type PlanContext } from './context.js';
import type { PlanNode } from './types.js';

const RULES: AttributeRule<VolumeSpec>[] = [
  { path: 'provider', get: (v) => v.provider.name, forcesReplacement: true },
  { path: 'provider.options', get: (v) => v.provider.options, forcesReplacement: true },
  { path: 'driver', get: (v) => v.driver, forcesReplacement: true },
  { path: 'driverOpts', get: (v) => v.driverOpts, perKey: true, forcesReplacement: true },
];

function users(ctx: PlanContext, volume: string): string[] {
  return ctx.observed.containers
    .filter((c) => c.owner === 'stack' && c.spec?.mounts.some((m) => m.type === 'volume' && m.volume === volume))
    .map((c) => `container.${c.resource}`);
}

export function describeVolume(v: VolumeSpec): string {
  const p = getProvider(v.provider.name);
  return p ? p.describe(v.provider.options as never) : v.provider.name;
}

export function planVolumes(ctx: PlanContext): PlanNode[] {
  const nodes: PlanNode[] = [];
  const stack = ctx.desired.name;
  for (const vol of ctx.desired.volumes) {
    const id = `volume.${vol.name}`;
    const en = engineName(stack, vol.name);
    const obs = ctx.observed.volumes.find((o) => o.name === en);
    const base = { id, kind: 'volume' as const, name: vol.name, engineName: en, dependsOn: [], dependents: users(ctx, vol.name) };
    if (obs?.owner === 'foreign') { collision(ctx, 'volume', vol.name, en); continue; }
    if (!obs) { nodes.push({ ...base, action: 'create', causes: [describeVolume(vol)], changes: [], op: { type: 'volume.create', volume: vol } }); continue; }
    const changes = obs.spec ? diffAttributes(RULES, obs.spec, vol) : [];
    if (obs.spec && diffAttributes([{ path: 'labels', get: (v: VolumeSpec) => v.labels, forcesReplacement: false }], obs.spec, vol).length) {
      ctx.diagnostics.push({
        severity: 'warning', resource: id, location: ctx.desired.locations[id], field: 'labels',
        summary: `volume labels cannot change without recreating the volume (and its data); the new labels are not applied`,
      });
    }
    if (!obs.spec || changes.length) {
      nodes.push({
        ...base, action: 'replace', changes, dataLoss: true,
        causes: obs.spec ? changes.map((c) => `${c.path} changed (the engine cannot change a volume in place)`) : ['moor cannot read what it last applied to this volume'],
        op: { type: 'volume.replace', volume: vol },
      });
      continue;
    }
    nodes.push({ ...base, action: 'noop', causes: [], changes: [], op: { type: 'noop' } });
  }
  for (const obs of ctx.observed.volumes) {
    if (obs.owner !== 'stack' || !obs.resource || ctx.desired.volumes.some((v) => v.name === obs.resource)) continue;
    if (ctx.options.mode === 'destroy' && !ctx.options.destroyVolumes) {
      ctx.notes.push(`volume ${obs.name} is kept with its data (destroy --volumes removes it)`);
      continue;
    }
    nodes.push({
      id: `volume.${obs.resource}`, kind: 'volume', name: obs.resource, engineName: obs.name, action: 'delete', dataLoss: true,
      causes: [ctx.options.mode === 'destroy' ? 'destroy --volumes' : 'no longer in the stack'], changes: [], dependsOn: [],
      dependents: users(ctx, obs.resource), op: { type: 'volume.delete' },
    });
  }
  return nodes;
}
