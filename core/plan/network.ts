/** Networks: every attribute is fixed at creation, so a change is a delete-before-create replacement. */
import { engineName } from '../model/names.js';
import type { NetworkSpec } from '../model/spec.js';
import { describeAttributes, diffAttributes, type AttributeRule } from './attributes.js';
import { collision, type PlanContext } from './context.js';
import type { PlanNode } from './types.js';
import { serviceUsers } from './service.js';
import { adoptedObject } from './adopted.js';

const RULES: AttributeRule<NetworkSpec>[] = [
  { path: 'driver', get: (n) => n.driver, forcesReplacement: true },
  { path: 'internal', get: (n) => n.internal, forcesReplacement: true },
  { path: 'attachable', get: (n) => n.attachable, forcesReplacement: true },
  { path: 'subnet', get: (n) => n.subnet, forcesReplacement: true },
  { path: 'gateway', get: (n) => n.gateway, forcesReplacement: true },
  { path: 'labels', get: (n) => n.labels, perKey: true, forcesReplacement: true },
];

/** Containers (as resource ids) attached to an engine network, from the container list. */
function attached(ctx: PlanContext, netEngineName: string): string[] {
  const services = serviceUsers(ctx, 'network', netEngineName.slice(ctx.desired.name.length + 1));
  return [...ctx.observed.containers.filter((c) => c.owner === 'stack' && c.networks.includes(netEngineName)).map((c) => `container.${c.resource}`), ...services];
}

export function planNetworks(ctx: PlanContext): PlanNode[] {
  const nodes: PlanNode[] = [];
  const stack = ctx.desired.name;
  for (const net of ctx.desired.networks) {
    const id = `network.${net.name}`;
    // Adopted in place (model/adoption.ts): found by its record, under the name it has.
    const adopted = adoptedObject(ctx.observed.networks, net.name);
    const en = adopted?.name ?? engineName(stack, net.name);
    const obs = adopted ?? ctx.observed.networks.find((o) => o.name === en);
    const base = { id, kind: 'network' as const, name: net.name, engineName: en, dependsOn: [], dependents: attached(ctx, en) };
    if (obs?.owner === 'foreign') { collision(ctx, 'network', net.name, en); continue; }
    if (!obs) { nodes.push({ ...base, action: 'create', causes: ['not on the engine'], changes: describeAttributes(RULES, net), op: { type: 'network.create', network: net } }); continue; }
    const changes = obs.spec ? diffAttributes(RULES, obs.spec, net) : [];
    const forced = ctx.options.replace?.includes(id);
    if (!obs.spec || changes.length || forced) {
      nodes.push({
        ...base, action: 'replace', changes,
        causes: [...(obs.spec ? changes.map((c) => `${c.path} changed`) : ['moor cannot read what it last applied to this network']), ...(forced ? ['forced by --replace'] : [])],
        op: { type: 'network.replace', id: obs.id, network: net },
        // A replacement is created under moor's name.
        ...(adopted ? { engineName: engineName(stack, net.name) } : {}),
      });
      continue;
    }
    nodes.push({ ...base, action: 'noop', causes: [], changes: [], op: { type: 'noop' } });
  }
  for (const name of ctx.desired.externalNetworks ?? []) {
    // Never a node: moor does not create, change or delete it. Missing, it cannot be joined.
    if (ctx.observed.externalNetworks?.[name] !== null) continue;
    const id = `network.${name}`;
    ctx.diagnostics.push({
      severity: 'error', resource: id, field: 'external', location: ctx.desired.locations[id] ?? { file: ctx.desired.file },
      summary: `network "${name}" is declared external: true, but the engine has no network named "${name}"`,
      detail: `moor joins an external network and never creates it. Create it first (docker network create ${name}), or drop external: true to let this stack own it.`,
    });
  }
  for (const obs of ctx.observed.networks) {
    if (obs.owner !== 'stack' || !obs.resource || ctx.desired.networks.some((n) => n.name === obs.resource)) continue;
    nodes.push({
      id: `network.${obs.resource}`, kind: 'network', name: obs.resource, engineName: obs.name, action: 'delete',
      causes: [ctx.options.mode === 'destroy' ? 'destroy' : 'no longer in the stack'], changes: obs.spec ? describeAttributes(RULES, obs.spec, true) : [], dependsOn: [],
      dependents: attached(ctx, obs.name), op: { type: 'network.delete', id: obs.id },
    });
  }
  return nodes;
}
