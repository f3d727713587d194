/**
 * A fingerprint of the engine state a plan was computed from: one entry per engine object observe
 * saw (this stack's, and anything in its way by name), so a saved plan can tell whether the
 * objects it depends on changed since — and name them. Other stacks' objects are not in it: a
 * change there does not make the plan stale. Pure.
 */
import { createHash } from 'node:crypto';
import { byCodePoint } from '../graph.js';
import type { ObservedState } from '../observe/types.js';
import { engineName, nextContainerName } from '../model/names.js';
import type { DesiredStack } from '../model/spec.js';

export interface ObjectPrint {
  id: string;
  /** Containers: running, exited… (named in the stale message). */
  state?: string;
  /** Hash of everything else moor read about the object. */
  digest: string;
}

export type Fingerprint = Record<string, ObjectPrint>;

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
const hash = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 32);
const sorted = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => byCodePoint(a, b)));

/**
 * `inTheWay`: engine names the stack's resources take. Objects of other owners count only when
 * they bear one of them — another stack named `shop-x` has objects named `shop-x-…` that observe
 * sees (by name prefix) but that this plan does not depend on.
 */
export function fingerprint(o: ObservedState, inTheWay?: ReadonlySet<string>): Fingerprint {
  const fp: Fingerprint = {};
  const relevant = (x: { owner: string; name: string }) => x.owner === 'stack' || !inTheWay || inTheWay.has(x.name);
  for (const c of o.containers) {
    if (!relevant(c)) continue;
    // Health is left out: a container going from "starting" to "healthy" is not a change to the plan.
    fp[`container ${c.name}`] = { id: c.id, state: c.state, digest: hash([c.imageId, [...c.networks].sort(), sorted(c.labels), c.live ?? null, c.recorded ?? null]) };
  }
  for (const n of o.networks.filter(relevant)) fp[`network ${n.name}`] = { id: n.id, digest: hash(sorted(n.labels)) };
  for (const v of o.volumes.filter(relevant)) fp[`volume ${v.name}`] = { id: v.name, digest: hash([v.driver, sorted(v.options), sorted(v.labels)]) };
  for (const i of o.images) fp[`image ${i.refs[0] ?? i.id}`] = { id: i.id, digest: hash([[...i.refs].sort(), sorted(i.labels)]) };
  fp['moor live-update record'] = { id: String(o.ledger.generation), digest: hash(o.ledger.entries) };
  for (const b of o.backups) fp[`backup job ${b.resource}`] = { id: b.name, digest: hash(b.spec ?? null) };
  for (const [resource, m] of Object.entries(o.migrations)) fp[`migration of volume ${resource}`] = { id: m.volume, digest: hash(m) };
  // The version moves with every change to a service (by moor, by hand, a rollback).
  for (const s of (o.services ?? []).filter(relevant)) fp[`service ${s.name}`] = { id: s.id, digest: hash([s.version, s.live]) };
  if (o.adoption) fp['moor adoption record'] = { id: String(o.adoption.generation), digest: hash(o.adoption.entries) };
  if (o.secretKey) fp['moor secret key'] = { id: o.secretKey.volume, digest: hash(o.secretKey.key) };
  return fp;
}

/** What changed between two fingerprints, in words; empty when nothing did. */
export function staleReasons(saved: Fingerprint, now: Fingerprint): string[] {
  const reasons: string[] = [];
  for (const [key, was] of Object.entries(saved)) {
    const is = now[key];
    if (!is) reasons.push(`${key} is gone`);
    else if (is.id !== was.id) reasons.push(`${key} was recreated (id ${short(was.id)} → ${short(is.id)})`);
    else if (is.state !== was.state) reasons.push(`${key} is ${is.state} (was ${was.state})`);
    else if (is.digest !== was.digest) reasons.push(`${key} changed`);
  }
  for (const key of Object.keys(now)) if (!saved[key]) reasons.push(`${key} appeared`);
  return reasons.sort();
}

/** The engine names a stack's resources take (and a replacement's temporary name). */
export function stackNames(d: DesiredStack): Set<string> {
  return new Set([
    // Replicas: `<stack>-worker-1..N`, each with its temporary name too.
    ...d.containers.flatMap((c) => ['', ...Array.from({ length: (c.replicas ?? 1) > 1 ? c.replicas! : 0 }, (_, i) => `-${i + 1}`)]
      .flatMap((suffix) => [engineName(d.name, c.name + suffix), nextContainerName(d.name, c.name + suffix)])),
    ...d.networks.map((n) => engineName(d.name, n.name)),
    ...d.volumes.map((v) => engineName(d.name, v.name)),
    ...(d.services ?? []).map((s) => engineName(d.name, s.name)),
  ]);
}
