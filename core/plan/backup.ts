/**
 * Backup jobs: their definition is a record on the engine (model/backup.ts), holding no data. A
 * changed definition rewrites the record in place (the engine cannot relabel a volume, so the
 * record is recreated: nothing of the user's is touched); a removed job deletes only the record:
 * its archives stay in the target.
 */
import { backupRecordName } from '../model/backup.js';
import type { BackupSpec } from '../model/spec.js';
import { describeAttributes, diffAttributes, type AttributeRule } from './attributes.js';
import type { PlanContext } from './context.js';
import type { PlanNode } from './types.js';

const RULES: AttributeRule<BackupSpec>[] = [
  { path: 'volumes', get: (b) => b.volumes, forcesReplacement: false },
  { path: 'target', get: (b) => b.target, forcesReplacement: false },
  { path: 'schedule', get: (b) => b.schedule, forcesReplacement: false },
  { path: 'keep', get: (b) => b.keep, forcesReplacement: false },
  { path: 'stop', get: (b) => b.stop, forcesReplacement: false },
  { path: 'hooks', get: (b) => b.hooks, forcesReplacement: false },
  { path: 'compression', get: (b) => b.compression, forcesReplacement: false },
  { path: 'image', get: (b) => b.image, forcesReplacement: false },
];

export function showTarget(b: Pick<BackupSpec, 'target'>): string {
  return b.target.type === 'volume' ? `volume ${b.target.volume}` : `host directory ${b.target.path}`;
}

export function showKeep(b: Pick<BackupSpec, 'keep'>): string {
  const parts = (['last', 'daily', 'weekly', 'monthly'] as const).filter((k) => b.keep[k] > 0).map((k) => `${k} ${b.keep[k]}`);
  return parts.length ? parts.join(', ') : 'the newest only';
}

/** One line: what the job archives, where, when, how long it keeps archives. */
export function describeBackup(b: BackupSpec): string {
  return `${b.volumes.join(', ')} → ${showTarget(b)}, ${b.schedule.cron} (${b.schedule.timezone}), keep ${showKeep(b)}${b.stop.length ? `, stops ${b.stop.join(', ')}` : ''}`;
}

export function planBackups(ctx: PlanContext): PlanNode[] {
  const stack = ctx.desired.name;
  const nodes: PlanNode[] = [];
  for (const b of ctx.desired.backups) {
    const id = `backup.${b.name}`;
    const obs = ctx.observed.backups.find((o) => o.resource === b.name);
    const base = {
      id, kind: 'backup' as const, name: b.name, engineName: backupRecordName(stack, b.name), dependents: [],
      // The job needs what it archives, where it writes and what it runs, to exist.
      dependsOn: [...b.volumes, ...(b.target.type === 'volume' ? [b.target.volume] : [])].map((v) => `volume.${v}`),
    };
    if (!obs) {
      nodes.push({ ...base, action: 'create', causes: [describeBackup(b)], changes: describeAttributes(RULES, b), op: { type: 'backup.create', backup: b } });
      continue;
    }
    const changes = obs.spec ? diffAttributes(RULES, obs.spec, b) : [];
    if (!obs.spec || changes.length) {
      nodes.push({
        ...base, action: 'update', changes,
        causes: obs.spec ? ['the job definition changed (its archives are kept)'] : ['moor cannot read what it last applied to this job'],
        op: { type: 'backup.update', backup: b },
      });
      continue;
    }
    nodes.push({ ...base, action: 'noop', causes: [], changes: [], op: { type: 'noop' } });
  }
  for (const obs of ctx.observed.backups) {
    if (ctx.desired.backups.some((b) => b.name === obs.resource)) continue;
    const where = obs.spec ? ` (in ${showTarget(obs.spec)})` : '';
    nodes.push({
      id: `backup.${obs.resource}`, kind: 'backup', name: obs.resource, engineName: obs.name, action: 'delete',
      causes: [ctx.options.mode === 'destroy' ? 'destroy' : 'no longer in the stack', `only the job goes: its archives stay${where}`],
      changes: [], dependsOn: [], dependents: [], op: { type: 'backup.delete' },
    });
  }
  return nodes;
}
