/**
 * Anonymous volumes (a mount with only a target) across a replacement. The engine gives each new
 * container a new, empty anonymous volume; like compose's recreate, moor mounts the old container's
 * volume into the new one instead, so a replacement keeps the data. One the stack no longer mounts
 * is left on the engine (moor never removes a container's volumes with it), and the plan says so.
 */
import type { ContainerSpec } from '../model/spec.js';
import type { ObservedContainer } from '../observe/types.js';

export interface AnonymousCarry {
  /** Engine volume names by target, mounted again by the new container. */
  carried: Record<string, string>;
  causes: string[];
}

const short = (name: string) => name.slice(0, 12);

const anonymousTargets = (c: ContainerSpec | undefined) => new Set((c?.mounts ?? []).flatMap((m) => (m.type === 'anonymous' ? [m.target] : [])));

export function carryAnonymousVolumes(want: ContainerSpec, last: ContainerSpec | undefined, obs: ObservedContainer): AnonymousCarry {
  const out: AnonymousCarry = { carried: {}, causes: [] };
  const before = anonymousTargets(last);
  const after = anonymousTargets(want);
  for (const m of obs.volumeMounts ?? []) {
    if (!before.has(m.target)) continue;
    if (after.has(m.target)) {
      out.carried[m.target] = m.name;
      out.causes.push(`anonymous volume ${m.target} (${short(m.name)}) is mounted by the new container: its data is kept`);
    } else {
      out.causes.push(`anonymous volume ${m.target} (${short(m.name)}) is no longer mounted: its data stays on the engine in that volume, unused`);
    }
  }
  return out;
}

/** What a deleted container leaves behind: its anonymous volumes, kept on the engine. */
export function anonymousLeftBehind(obs: ObservedContainer): string | undefined {
  const targets = anonymousTargets(obs.spec);
  const left = (obs.volumeMounts ?? []).filter((m) => targets.has(m.target));
  if (!left.length) return undefined;
  return `container ${obs.name} leaves its anonymous volume${left.length > 1 ? 's' : ''} on the engine with the data: ${left.map((m) => `${m.name} (${m.target})`).join(', ')} (docker volume rm removes ${left.length > 1 ? 'them' : 'it'})`;
}
