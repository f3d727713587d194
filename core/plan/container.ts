/**
 * Containers: a three-way comparison. desired vs last applied (labels) finds changes; observed vs
 * last applied finds drift. Restart policy, limits and network attachments change live; every
 * other attribute is fixed at creation and forces a replacement, which is create-before-destroy
 * unless something the container uses is itself deleted first.
 */
import { isIgnored, rulesOf, type Lifecycle } from '../model/lifecycle.js';
import { attachedNetworkName, engineName, replicaBase, replicaIndex } from '../model/names.js';
import { replicaCounts, replicaOf, replicaSlots, waitsOf } from './replicas.js';
import type { ContainerSpec, NetworkAttachmentSpec, RestartSpec } from '../model/spec.js';
import type { ObservedContainer } from '../observe/types.js';
import { containerDependencies } from '../model/spec.js';
import { describeAttributes, diffAttributes, type AttributeRule } from './attributes.js';
import { collision, type PlanContext } from './context.js';
import { deletesFirst, type AttributeChange, type PlanNode, type WaitFor } from './types.js';
import { sameValue } from './values.js';
import { stoppedBy } from './intents.js';
import { addressChanges, RUNTIME_RULES, sharesFixedAddress } from './runtime-rules.js';
import { anonymousLeftBehind, carryAnonymousVolumes } from './anonymous-volumes.js';
import { nameOf } from './adopted.js';

const FIXED: AttributeRule<ContainerSpec>[] = [
  { path: 'image', get: (c) => c.image, forcesReplacement: true },
  { path: 'command', get: (c) => c.command, forcesReplacement: true },
  { path: 'entrypoint', get: (c) => c.entrypoint, forcesReplacement: true },
  { path: 'env', get: (c) => c.env, perKey: true, forcesReplacement: true },
  { path: 'ports', get: (c) => c.ports, forcesReplacement: true },
  { path: 'publishAll', get: (c) => c.publishAll, forcesReplacement: true },
  { path: 'networkMode', get: (c) => c.networkMode, forcesReplacement: true },
  { path: 'mounts', get: (c) => c.mounts, forcesReplacement: true },
  { path: 'volumesFrom', get: (c) => c.volumesFrom, forcesReplacement: true },
  { path: 'healthcheck', get: (c) => c.healthcheck, forcesReplacement: true },
  { path: 'user', get: (c) => c.user, forcesReplacement: true },
  { path: 'workingDir', get: (c) => c.workingDir, forcesReplacement: true },
  { path: 'hostname', get: (c) => c.hostname, forcesReplacement: true },
  { path: 'labels', get: (c) => c.labels, perKey: true, forcesReplacement: true },
  { path: 'stopSignal', get: (c) => c.stopSignal, forcesReplacement: true },
  { path: 'stopTimeout', get: (c) => c.stopTimeout, forcesReplacement: true },
  { path: 'runOnce', get: (c) => c.runOnce ?? false, forcesReplacement: true },
  ...RUNTIME_RULES,
];

/** Limits in the stack's units: CPUs (a fraction), memory in bytes, a number of processes. */
const RESOURCE_KEYS = [
  { key: 'nanoCpus', path: 'resources.cpus', value: (v: number | null) => (v === null ? null : v / 1e9) },
  { key: 'memoryBytes', path: 'resources.memory', value: (v: number | null) => v },
  { key: 'pids', path: 'resources.pids', value: (v: number | null) => v },
] as const;

/** Every attribute a container is created with, for the plan's `+` and `-` blocks. */
const DESCRIBED: AttributeRule<ContainerSpec>[] = [
  // networkMode 'networks' (the default) is what `networks` shows.
  ...FIXED.map((r) => (r.path === 'networkMode' ? { ...r, get: (c: ContainerSpec) => (c.networkMode.type === 'networks' ? null : c.networkMode) } : r)),
  { path: 'restart', get: (c) => (c.restart.policy === 'no' ? null : c.restart), forcesReplacement: false },
  ...RESOURCE_KEYS.map(({ key, path, value }) => ({ path, get: (c: ContainerSpec) => value(c.resources[key]), forcesReplacement: false })),
  { path: 'networks', get: (c) => (c.networkMode.type === 'networks' ? c.networks : null), forcesReplacement: false },
  { path: 'dependsOn', get: (c) => c.dependsOn, forcesReplacement: false },
];

/** A container's attributes as created (or, with `gone`, as they go away). */
export function containerAttributes(c: ContainerSpec, gone = false): AttributeChange[] {
  return describeAttributes(DESCRIBED, c, gone);
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** Resource ids a container needs before it can be created. */
function forwardDeps(c: ContainerSpec): string[] {
  return [
    `image.${c.image}`,
    // External networks are not the stack's: nothing to wait for.
    ...c.networks.filter((n) => !n.external).map((n) => `network.${n.network}`),
    ...c.mounts.flatMap((m) => (m.type === 'volume' ? [`volume.${m.volume}`] : [])),
    ...containerDependencies(c).map((n) => `container.${n}`),
  ];
}

/** Containers (observed, as last applied) that use this one: volumesFrom, its network namespace, or dependsOn. */
function dependentContainers(ctx: PlanContext, name: string): string[] {
  return ctx.observed.containers
    .filter((c) => c.owner === 'stack' && c.spec && (
      c.spec.volumesFrom.some((v) => v.container === name) ||
      c.spec.dependsOn.some((d) => d.container === name) ||
      (c.spec.networkMode.type === 'container' && c.spec.networkMode.container === name)))
    .map((c) => `container.${c.resource}`);
}

/** Network attachments the engine should show for a container, by engine network name. */
function expectedAttachments(ctx: PlanContext, c: ContainerSpec): NetworkAttachmentSpec[] | undefined {
  if (c.networkMode.type === 'networks') return c.networks.map((n) => ({ network: n.external ? n.network : nameOf(ctx, 'network', n.network), aliases: n.aliases, ...(n.ipv4Address ? { ipv4Address: n.ipv4Address } : {}) }));
  if (c.networkMode.type === 'bridge') return [{ network: 'bridge', aliases: [] }];
  return undefined; // host, none, container:… — nothing to attach or detach
}

/**
 * The desired spec with ignored attributes as they are now: fixed ones as last applied, live ones
 * as the engine (or moor's record) has them. Used for comparison and in-place updates only; a
 * replacement creates the container as the stack says.
 */
function withIgnored(want: ContainerSpec, last: ContainerSpec, obs: ObservedContainer, rules: Lifecycle): ContainerSpec {
  const out: ContainerSpec = structuredClone(want);
  const resourceKey = { cpus: 'nanoCpus', memory: 'memoryBytes', pids: 'pids' } as const;
  for (const p of rules.ignoreChanges) {
    const dot = p.indexOf('.');
    const head = (dot < 0 ? p : p.slice(0, dot)) as keyof ContainerSpec;
    const key = dot < 0 ? undefined : p.slice(dot + 1);
    switch (head) {
      case 'env':
      case 'labels': {
        if (key === undefined) { (out as unknown as Record<string, unknown>)[head] = { ...last[head] }; break; }
        const rec = out[head] as Record<string, unknown>;
        const was = last[head] as Record<string, unknown>;
        if (key in was) rec[key] = was[key];
        else delete rec[key];
        break;
      }
      case 'restart':
        out.restart = obs.live?.restart ?? obs.recorded?.restart ?? last.restart;
        break;
      case 'resources': {
        const now = obs.live?.resources ?? obs.recorded?.resources ?? last.resources;
        const keys = key === undefined ? (Object.keys(resourceKey) as (keyof typeof resourceKey)[]) : [key as keyof typeof resourceKey];
        for (const k of keys) out.resources[resourceKey[k]] = now[resourceKey[k]];
        break;
      }
      case 'networks': {
        if (key === undefined) { out.networks = last.networks; break; }
        const before = last.networks.find((n) => n.network === key);
        out.networks = [...out.networks.filter((n) => n.network !== key), ...(before ? [before] : [])].sort((a, b) => a.network.localeCompare(b.network));
        break;
      }
      default:
        (out as unknown as Record<string, unknown>)[head] = last[head];
    }
  }
  return out;
}

interface NetworkDelta {
  changes: AttributeChange[];
  connect: NetworkAttachmentSpec[];
  disconnect: string[];
}

function networkDelta(ctx: PlanContext, obs: ObservedContainer, last: ContainerSpec, want: ContainerSpec): NetworkDelta {
  const stack = ctx.desired.name;
  const delta: NetworkDelta = { changes: [], connect: [], disconnect: [] };
  const desired = expectedAttachments(ctx, want);
  if (!desired) return delta;
  const before = expectedAttachments(ctx, last) ?? [];
  const label = (net: string) => net.startsWith(`${stack}-`) ? net.slice(stack.length + 1) : net;
  // Raw values: an attachment is its aliases, null when not attached.
  const att = (a: NetworkAttachmentSpec | undefined) => (a ? { aliases: a.aliases } : null);
  for (const d of desired) {
    const b = before.find((x) => x.network === d.network);
    const isAttached = obs.networks.includes(d.network);
    if (!isAttached) {
      delta.connect.push(d);
      delta.changes.push({ path: `networks.${label(d.network)}`, before: null, after: att(d), forcesReplacement: false, source: b ? 'drift' : 'change', ...(b ? { note: 'disconnected outside moor' } : {}) });
      continue;
    }
    const lastAliases = obs.recorded?.aliases[d.network] ?? b?.aliases ?? [];
    const current = obs.live?.aliases[d.network] ?? lastAliases;
    if (!sameValue(current, d.aliases)) {
      delta.disconnect.push(d.network);
      delta.connect.push(d);
      const drift = sameValue(lastAliases, d.aliases);
      delta.changes.push({ path: `networks.${label(d.network)}.aliases`, before: current, after: d.aliases, forcesReplacement: false, source: drift ? 'drift' : 'change' });
    }
  }
  for (const net of obs.networks) {
    if (desired.some((d) => d.network === net)) continue;
    const wasOurs = before.some((b) => b.network === net);
    delta.disconnect.push(net);
    delta.changes.push({ path: `networks.${label(net)}`, before: { aliases: obs.live?.aliases[net] ?? before.find((x) => x.network === net)?.aliases ?? [] }, after: null, forcesReplacement: false, source: wasOurs ? 'change' : 'drift', ...(wasOurs ? {} : { note: 'connected outside moor' }) });
  }
  return delta;
}

/**
 * A container should be running; a runOnce container should have completed (exited 0) or still
 * be running its job. Anything else is drift that apply repairs by starting it (again).
 */
function plannedState(want: ContainerSpec, obs: ObservedContainer, stoppedByMoor?: string): AttributeChange | undefined {
  if (obs.state === 'running') return undefined;
  if (want.runOnce) {
    if (obs.state === 'exited' && obs.exitCode === 0) return undefined;
    const code = obs.state === 'exited' && obs.exitCode !== null ? ` (exit code ${obs.exitCode})` : '';
    const note = obs.state === 'created' ? 'never started: its last start failed' : obs.state === 'exited' ? `its last run failed${code}: it runs again` : 'not completed';
    return { path: 'state', before: obs.state, after: 'completed', forcesReplacement: false, source: 'drift', note };
  }
  // 'created': it never ran (its start failed, e.g. a volume that could not be mounted). Exit 0 or a
  // SIGTERM/SIGKILL status (143, 137) is what `docker stop` leaves; any other code is more likely a
  // crash, and the plan says what it saw rather than who did it.
  const crashed = obs.state === 'exited' && obs.exitCode !== null && ![0, 137, 143].includes(obs.exitCode);
  const exited = crashed ? `exited with code ${obs.exitCode} (it crashed, or was stopped outside moor)` : undefined;
  const note = obs.state === 'created' ? 'never started: its last start failed' : stoppedByMoor ?? exited ?? 'stopped outside moor';
  return { path: 'state', before: obs.state, after: 'running', forcesReplacement: false, source: 'drift', note };
}

/** Why a restart policy or limit change replaces the container on Podman (docs/podman.md). */
export const NO_LIVE_UPDATE_ON_PODMAN = 'Podman cannot update a container in place';

export function planContainers(ctx: PlanContext, order: ContainerSpec[]): PlanNode[] {
  const stack = ctx.desired.name;
  const out: PlanNode[] = [];
  const owned = ctx.observed.containers.filter((c) => c.owner === 'stack' && !c.next);
  const claimed = new Set<string>();

  for (const want of order) {
    const replicas = want.replicas ?? 1;
    const slots = replicaSlots(ctx, want, owned, claimed);
    if (replicas > 1) {
      const shared = want.mounts.flatMap((m) => (m.type === 'volume' ? [m.volume] : []));
      if (shared.length) ctx.notes.push(`container.${want.name}: its ${replicas} replicas share volume${shared.length > 1 ? 's' : ''} ${shared.join(', ')} (each replica mounts the same data)`);
    }
    const { before, applied } = replicaCounts(ctx, want, owned);
    let previous: PlanNode | undefined;
    for (const { index, obs } of slots) {
      const id = replicas > 1 ? `container.${want.name}#${index}` : `container.${want.name}`;
      const resourceId = `container.${want.name}`;
      const en = engineName(stack, replicaBase(want.name, index, replicas));
      const foreign = ctx.observed.containers.find((c) => c.owner === 'foreign' && c.name === en);
      if (foreign) { collision(ctx, 'container', want.name, en); continue; }
      const waitFor = waitsOf(ctx, want);
      const replica = replicas > 1 ? { replica: index } : {};
      const counts = replicas > 1 || before > 1 ? { replicas: { before, after: replicas } } : {};
      const scaled = before > 0 && before !== replicas ? ` (${before} → ${replicas} replicas)` : '';
      // Adopted (model/adoption.ts): it keeps the name it has until it is replaced.
      const base = { id, kind: 'container' as const, name: want.name, engineName: obs?.adopted ? obs.name : en, dependsOn: forwardDeps(want), dependents: dependentContainers(ctx, want.name), ...(replicas > 1 ? { replica: index } : {}), ...counts };

      if (!obs) {
        out.push({ ...base, action: 'create', causes: [scaled && index > applied ? `scaled up${scaled}` : 'not on the engine'], changes: containerAttributes(want), op: { type: 'container.create', container: want, waitFor, ...replica } });
        ctx.nodes.set(id, out.at(-1)!);
        continue;
      }
      const last = obs.spec;
      const changes: AttributeChange[] = [];
      const causes: string[] = [];
      let forced = !last;
      if (!last) causes.push('moor cannot read what it last applied to this container');

      // ignoreChanges: the ignored attributes are compared as they are now, so they never differ.
      const rules = rulesOf(ctx.desired.lifecycle, resourceId);
      const cmp = last && rules.ignoreChanges.length ? withIgnored(want, last, obs, rules) : want;
      let delta: NetworkDelta = { changes: [], connect: [], disconnect: [] };
      let restart: RestartSpec | undefined;
      let resources: ContainerSpec['resources'] | undefined;
      if (last) {
        changes.push(...diffAttributes(FIXED, last, cmp), ...addressChanges(last, cmp));
        // Live attributes: what moor last applied is the ledger's record, else the labels; what the engine
        // has now is its own report when observe inspected the container, else that same record.
        const lastRestart = obs.recorded?.restart ?? last.restart;
        const lastResources = obs.recorded?.resources ?? last.resources;
        const liveRestart = obs.live?.restart ?? lastRestart;
        // Podman's compatible API has no live update: there these attributes are fixed too.
        const fixedHere = ctx.observed.engine.podman ? { forcesReplacement: true, note: NO_LIVE_UPDATE_ON_PODMAN } : undefined;
        if (!sameValue(liveRestart, cmp.restart)) {
          restart = cmp.restart;
          changes.push({ path: 'restart', before: liveRestart, after: cmp.restart, forcesReplacement: false, source: sameValue(lastRestart, cmp.restart) ? 'drift' : 'change', ...fixedHere });
        }
        const liveRes = obs.live?.resources ?? lastResources;
        for (const { key, path, value } of RESOURCE_KEYS) {
          const b = liveRes[key];
          const a = cmp.resources[key];
          if (b === a) continue;
          const removal = a === null;
          if (!removal) resources = cmp.resources;
          changes.push({
            path, before: value(b), after: value(a), forcesReplacement: removal, source: lastResources[key] === a ? 'drift' : 'change',
            ...(removal ? { note: 'the engine cannot remove a limit from a running container' } : {}), ...fixedHere,
          });
        }
        if (!changes.some((c) => c.path === 'networkMode')) {
          delta = networkDelta(ctx, obs, last, cmp);
          changes.push(...delta.changes);
        }
        if (!changes.some((c) => c.path === 'image')) {
          const imageNode = ctx.nodes.get(`image.${cmp.image}`);
          const current = ctx.observed.images.find((i) => i.refs.includes(ctx.desired.images.find((x) => x.name === cmp.image)?.ref ?? ''));
          if (imageNode && (imageNode.action === 'create' || imageNode.action === 'replace')) {
            changes.push({ path: 'image id', before: short(obs.imageId), after: '(known after the image is ' + (imageNode.op.type === 'image.pull' ? 'pulled)' : 'built)'), forcesReplacement: true, source: 'change' });
          } else if (current && current.id !== obs.imageId) {
            changes.push({ path: 'image id', before: short(obs.imageId), after: short(current.id), forcesReplacement: true, source: 'change', note: `${cmp.image} now points to another image` });
          }
        }
      }
      // ignoreChanges: drift of those attributes (e.g. networks connected by hand) is not planned either.
      if (rules.ignoreChanges.length) {
        changes.splice(0, changes.length, ...changes.filter((c) => !isIgnored(rules, c.path)));
        const keep = (net: string) => !isIgnored(rules, `networks.${net.startsWith(`${stack}-`) ? net.slice(stack.length + 1) : net}`);
        delta = { changes: [], connect: delta.connect.filter((n) => keep(n.network)), disconnect: delta.disconnect.filter(keep) };
      }
      // Stopped by a moor command: a live one starts it itself; a dead one's record is finished first (plan/intents.ts).
      const by = obs.state === 'running' ? undefined : stoppedBy(ctx, obs.name);
      if (by && !by.alive) base.dependsOn.push(by.node);
      const stateChange = by?.alive ? undefined : plannedState(want, obs, by?.note);
      if (stateChange) changes.push(stateChange);
      // Renamed by hand (`docker rename`): found by its labels, renamed back live.
      const renamed = !obs.adopted && obs.name !== en;
      // Scaled from 1 to more (or back to 1): the container keeps running under its replica's name.
      const byScale = renamed && replicaIndex(stack, want.name, obs.name) === index;
      if (renamed) changes.push({ path: 'name', before: obs.name, after: en, forcesReplacement: false, source: byScale ? 'change' : 'drift', note: byScale ? `named for ${replicas} replica${replicas > 1 ? 's' : ''}` : 'renamed outside moor' });

      // What the container uses being replaced forces it to be recreated too.
      // What it uses now or used as last applied.
      const uses = [...new Set([...base.dependsOn, ...(last ? forwardDeps(last) : [])])];
      const usesReplaced = uses.filter((dep) => {
        const n = ctx.nodes.get(dep);
        if (!n) return false;
        // A migration copies the old volume while nothing writes to it, then removes it: its users let
        // go, and come back on the new one. Resuming from a verified copy or rolling back does not need that.
        if (n.op.type === 'volume.migrate') return n.op.steps.includes('stash') || n.op.steps.includes('drop-old');
        if (n.action !== 'replace') return false;
        if (n.kind === 'network' || n.kind === 'volume') return true;
        return n.kind === 'container' && (want.volumesFrom.some((v) => `container.${v.container}` === dep) || (want.networkMode.type === 'container' && `container.${want.networkMode.container}` === dep));
      });
      for (const dep of usesReplaced) causes.push(`${dep.replace('.', ' ')} is ${ctx.nodes.get(dep)!.action === 'migrate' ? 'migrated' : 'replaced'}`);
      forced ||= usesReplaced.length > 0 || changes.some((c) => c.forcesReplacement);
      if (ctx.options.replace?.includes(id) || ctx.options.replace?.includes(resourceId)) { forced = true; causes.push('forced by --replace'); }

      if (forced) {
        causes.unshift(...changes.filter((c) => c.forcesReplacement).map((c) => `${c.path} ${c.source === 'drift' ? 'drifted' : 'changed'}`));
        // Something it uses is removed before being recreated: it must let go first, so it goes first too.
        const deleteFirst = uses.some((dep) => { const n = ctx.nodes.get(dep); return !!n && deletesFirst(n); }) || (!!last && sharesFixedAddress(last, want));
        if (last && sharesFixedAddress(last, want)) causes.push('its fixed address cannot be held by two containers: the old one goes first');
        if (rules.replaceOrder === 'delete-before-create' && !deleteFirst) causes.push('replaceOrder: delete-before-create');
        const anonymous = carryAnonymousVolumes(want, last, obs);
        causes.push(...anonymous.causes);
        // Rolling: one replica at a time, each new one started (healthy, with a healthcheck) before the next old one goes.
        if (replicas > 1 && previous?.action === 'replace') { base.dependsOn.push(previous.id); causes.push(`rolling: after ${previous.id}`); }
        out.push({
          ...base, engineName: en, action: 'replace', causes: [...new Set(causes)], changes,
          op: {
            type: 'container.replace', oldId: obs.id, container: want, order: deleteFirst || rules.replaceOrder === 'delete-before-create' ? 'delete-before-create' : 'create-before-destroy', waitFor, ...replica,
            ...(Object.keys(anonymous.carried).length ? { anonymousVolumes: anonymous.carried } : {}),
            ...(obs.adopted ? { oldName: obs.name } : {}),
          },
        });
      } else if (changes.length) {
        out.push({
          ...base, action: 'update', changes,
          causes: changes.map((c) => (c.source === 'drift' ? `${c.path}: ${c.note ?? 'drifted'}` : `${c.path} changed`)),
          op: {
            type: 'container.update', id: obs.id, container: cmp,
            ...(restart ? { restart } : {}), ...(resources ? { resources } : {}),
            disconnect: delta.disconnect, connect: delta.connect, start: !!stateChange, waitFor, ...replica,
            ...(renamed ? { rename: en } : {}),
            record: {
              restart: cmp.restart,
              resources: cmp.resources,
              aliases: Object.fromEntries((expectedAttachments(ctx, cmp) ?? []).map((a) => [a.network, a.aliases])),
            },
          },
        });
      } else {
        out.push({ ...base, action: 'noop', causes: [], changes: [], op: { type: 'noop' } });
      }
      ctx.nodes.set(id, out.at(-1)!);
      previous = out.at(-1);
    }
  }

  // Owned containers the stack no longer declares, duplicates, and replacements left half-done.
  for (const obs of ctx.observed.containers) {
    if (obs.owner !== 'stack' || claimed.has(obs.id)) continue;
    const resource = obs.resource ?? obs.name;
    const declared = ctx.desired.containers.some((c) => c.name === resource);
    // A replica beyond the count asked for (scaled down), or one of a replicated container going away.
    const want = ctx.desired.containers.find((c) => c.name === resource);
    const index = obs.next ? null : replicaOf(stack, obs);
    const replica = index !== null && ((obs.spec?.replicas ?? 1) > 1 || (want?.replicas ?? 1) > 1) ? index : undefined;
    const scaledDown = declared && replica !== undefined && replica > (want?.replicas ?? 1);
    const cause = obs.next ? 'left behind by an interrupted replacement' : scaledDown ? `scaled down (${obs.spec?.replicas ?? replica} → ${want?.replicas ?? 1} replicas)` : declared ? 'a second container for the same resource' : ctx.options.mode === 'destroy' ? 'destroy' : 'no longer in the stack';
    const nodeId = replica !== undefined && (scaledDown || !declared) ? `container.${resource}#${replica}` : declared || obs.next ? `container.${resource}#${obs.id.slice(0, 12)}` : `container.${resource}`;
    const left = declared || obs.next ? undefined : anonymousLeftBehind(obs);
    if (left) ctx.notes.push(left);
    out.push({
      id: nodeId, kind: 'container', name: resource, engineName: obs.name, action: 'delete', causes: [cause], changes: obs.spec && !declared && !obs.next ? containerAttributes(obs.spec, true) : [],
      dependsOn: [], dependents: declared ? [] : dependentContainers(ctx, resource), op: { type: 'container.delete', id: obs.id, stopTimeout: obs.spec?.stopTimeout ?? null },
      ...(replica !== undefined ? { replica, replicas: { before: obs.spec?.replicas ?? 1, after: declared ? (want?.replicas ?? 1) : 0 } } : {}),
    });
  }
  return out;
}
