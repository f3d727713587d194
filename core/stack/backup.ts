/** From a backup() declaration to its canonical spec: validated, paths resolved, names checked. */
import path from 'node:path';
import { error, type Diagnostic } from '../diagnostics.js';
import { parseSchedule } from '../backup/schedule.js';
import type { BackupSpec } from '../model/spec.js';
import type { Declaration } from './collect.js';
import { resourceId, type Handle, type ResourceKind } from './handles.js';
import type { BackupOptionsParsed } from './schema/backup.js';

/** Default time a hook may run, seconds. */
const HOOK_TIMEOUT = 300;

export function backupSpec(
  d: Declaration,
  o: BackupOptionsParsed,
  dir: string,
  ref: (h: Handle<ResourceKind>, from: Declaration, field: string) => string,
  imageRef: (h: Handle<'image'> | string) => string,
  diags: Diagnostic[],
): BackupSpec | undefined {
  const where = { resource: resourceId('backup', d.name), location: d.location };
  const before = diags.length;
  const volumes = o.volumes.map((v, i) => ref(v, d, `volumes[${i}]`));
  if (new Set(volumes).size !== volumes.length) diags.push(error('a volume is listed twice', { ...where, field: 'volumes' }));
  const target: BackupSpec['target'] =
    'hostPath' in o.target ? { type: 'hostPath', path: path.resolve(dir, o.target.hostPath) } : { type: 'volume', volume: ref(o.target, d, 'target') };
  if (target.type === 'volume' && volumes.includes(target.volume)) {
    diags.push(error(`volume "${target.volume}" is both archived and the target: archives would be written into what is being archived`, { ...where, field: 'target' }));
  }
  if (target.type === 'hostPath' && target.path === '/') diags.push(error('the host\'s root directory cannot be a backup target', { ...where, field: 'target.hostPath' }));
  const schedule = parseSchedule(o.schedule, o.timezone);
  if (!schedule.ok) diags.push(error(schedule.error, { ...where, field: /time zone/.test(schedule.error) ? 'timezone' : 'schedule' }));
  if (o.compression === 'zstd') {
    diags.push(error('compression "zstd" is not supported yet: moor re-reads every archive to verify it, and Node 20 has no zstd; use "gzip" or "none"', { ...where, field: 'compression' }));
  }
  const hooks = (list: BackupOptionsParsed['hooks']['before'], field: string) =>
    list.map((h, i) => ({ container: ref(h.exec, d, `hooks.${field}[${i}].exec`), command: h.command, timeoutSec: h.timeout ?? HOOK_TIMEOUT }));
  if (diags.length > before) return undefined;
  return {
    kind: 'backup',
    name: d.name,
    volumes: [...volumes].sort(),
    target,
    schedule: { cron: o.schedule.trim().replace(/\s+/g, ' '), timezone: o.timezone },
    keep: { last: o.keep.last ?? 0, daily: o.keep.daily ?? 0, weekly: o.keep.weekly ?? 0, monthly: o.keep.monthly ?? 0 },
    // Ordered later (stack-wide) by dependency; here as declared.
    stop: o.stop.map((c, i) => ref(c, d, `stop[${i}]`)),
    hooks: { before: hooks(o.hooks.before, 'before'), after: hooks(o.hooks.after, 'after') },
    compression: o.compression === 'none' ? 'none' : 'gzip',
    image: imageRef(o.image),
  };
}
