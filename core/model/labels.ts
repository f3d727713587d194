/**
 * moor keeps its state on the engine's own objects, in labels:
 *   moor.stack, moor.kind, moor.name  — ownership
 *   moor.spec                         — the canonical spec last applied (JSON)
 *   moor.format                       — version of that encoding
 * Labels are immutable after creation, so for live-updated attributes the engine's own
 * report is the truth (see observe).
 */
import type { ResourceKind } from '../stack/handles.js';
import type { ResourceSpec } from './spec.js';

export const LABEL = {
  stack: 'moor.stack',
  kind: 'moor.kind',
  name: 'moor.name',
  spec: 'moor.spec',
  format: 'moor.format',
  /** Content hash of a built image's context. */
  context: 'moor.context',
} as const;

export const LABEL_FORMAT = '1';

export function ownershipLabels(stack: string, kind: ResourceKind, name: string): Record<string, string> {
  return { [LABEL.stack]: stack, [LABEL.kind]: kind, [LABEL.name]: name, [LABEL.format]: LABEL_FORMAT };
}

export function specLabels(stack: string, spec: ResourceSpec): Record<string, string> {
  return { ...ownershipLabels(stack, spec.kind, spec.name), [LABEL.spec]: JSON.stringify(spec) };
}

/** Parse the last-applied spec from labels; undefined when missing or from an unknown format. */
export function readSpec<T extends ResourceSpec>(labels: Record<string, string> | null | undefined, kind: T['kind']): T | undefined {
  if (!labels || labels[LABEL.format] !== LABEL_FORMAT || labels[LABEL.kind] !== kind) return undefined;
  const raw = labels[LABEL.spec];
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as T;
    return parsed.kind === kind ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** On moor's helper containers and image (volume data moves, migrations): never a stack's resource. */
export const HELPER_LABEL = 'moor.helper';
/** On a backup job's worker containers. */
export const BACKUP_LABEL = 'moor.backup';
