/** `--target web` / `--replace container.web`: names as users type them, to resource ids. */
import type { DesiredStack } from '../model/spec.js';
import type { ObservedState } from '../observe/types.js';
import { UsageError } from './errors.js';

/** Every resource id the stack declares or the engine holds for it. */
export function knownResourceIds(stack: DesiredStack, observed: ObservedState): string[] {
  const ids = new Set<string>([
    ...stack.images.map((i) => `image.${i.name}`),
    ...stack.networks.map((n) => `network.${n.name}`),
    ...stack.volumes.map((v) => `volume.${v.name}`),
    ...stack.containers.map((c) => `container.${c.name}`),
    // One replica of a container with replicas: `--replace container.api#2`.
    ...stack.containers.flatMap((c) => Array.from({ length: (c.replicas ?? 1) > 1 ? c.replicas! : 0 }, (_, i) => `container.${c.name}#${i + 1}`)),
    ...stack.backups.map((b) => `backup.${b.name}`),
    ...(stack.services ?? []).map((s) => `service.${s.name}`),
    ...Object.keys(stack.lifecycle),
  ]);
  for (const c of observed.containers) if (c.owner === 'stack' && c.resource) ids.add(`container.${c.resource}`);
  for (const n of observed.networks) if (n.owner === 'stack' && n.resource) ids.add(`network.${n.resource}`);
  for (const v of observed.volumes) if (v.owner === 'stack' && v.resource) ids.add(`volume.${v.resource}`);
  for (const i of observed.images) if (i.resource) ids.add(`image.${i.resource}`);
  for (const b of observed.backups) ids.add(`backup.${b.resource}`);
  for (const s of observed.services ?? []) if (s.owner === 'stack' && s.resource) ids.add(`service.${s.resource}`);
  return [...ids].sort();
}

export function resolveResourceNames(flag: string, names: string[], known: string[]): string[] {
  return names.map((name) => {
    if (known.includes(name)) return name;
    const matches = known.filter((id) => id.slice(id.indexOf('.') + 1) === name);
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new UsageError(`--${flag} ${name} is ambiguous: say ${matches.join(' or ')}`);
    throw new UsageError(`--${flag} ${name}: no such resource in this stack (known: ${known.join(', ') || 'none'})`);
  });
}
