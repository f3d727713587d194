/**
 * The stack's dependency graph, from the stack alone (no engine): its resources and what links
 * them, rendered as Mermaid (renders on GitHub) or Graphviz DOT.
 *
 * Edges point from the resource that needs to the one it needs:
 *   container → container   dependsOn (labelled with its condition), volumesFrom, network mode container:
 *   container → image       the image it runs
 *   container → network     the networks it joins (labelled with its aliases)
 *   container → volume      what it mounts (labelled with the target)
 *   backup → volume         the volumes it archives, and its target volume
 *   backup → container      the containers it stops while archiving, and those its hooks run in
 *   service → image/network/volume   as for containers
 * A container or service with a replica count other than 1 is one vertex labelled with it
 * (`container worker ×3`, `service web ×3`): the same notation for both.
 */
import type { DesiredStack } from '../model/spec.js';
import type { ResourceKind } from '../stack/handles.js';

export interface GraphVertex {
  /** `container.web` */
  id: string;
  kind: ResourceKind;
  name: string;
  /** A container or service with a replica count other than 1: how many (one vertex stands for all of them). */
  replicas?: number;
}

/** `container worker ×3`, `service web ×3`: what a vertex is called in the drawings. */
const vertexLabel = (v: GraphVertex) => `${v.kind} ${v.name}${v.replicas !== undefined ? ` ×${v.replicas}` : ''}`;
const replicaCount = (n: number | undefined) => (n !== undefined && n !== 1 ? { replicas: n } : {});

export interface GraphEdge {
  from: string;
  to: string;
  /** dependsOn, volumesFrom, network-mode, image, network, mount, archives, target, stops, hook */
  relation: string;
  label: string;
}

export interface StackGraph {
  stack: string;
  vertices: GraphVertex[];
  edges: GraphEdge[];
}

export function stackGraph(stack: DesiredStack): StackGraph {
  const vertices: GraphVertex[] = [
    ...stack.containers.map((c) => ({ id: `container.${c.name}`, kind: 'container' as const, name: c.name, ...replicaCount(c.replicas) })),
    ...stack.images.map((i) => ({ id: `image.${i.name}`, kind: 'image' as const, name: i.name })),
    ...stack.networks.map((n) => ({ id: `network.${n.name}`, kind: 'network' as const, name: n.name })),
    ...stack.volumes.map((v) => ({ id: `volume.${v.name}`, kind: 'volume' as const, name: v.name })),
    ...stack.backups.map((b) => ({ id: `backup.${b.name}`, kind: 'backup' as const, name: b.name })),
    ...(stack.services ?? []).map((s) => ({ id: `service.${s.name}`, kind: 'service' as const, name: s.name, ...replicaCount(s.replicas) })),
  ];
  const edges: GraphEdge[] = [];
  const add = (from: string, to: string, relation: string, label = '') => edges.push({ from, to, relation, label });
  for (const c of stack.containers) {
    const from = `container.${c.name}`;
    for (const d of c.dependsOn) add(from, `container.${d.container}`, 'dependsOn', d.condition);
    for (const v of c.volumesFrom) add(from, `container.${v.container}`, 'volumesFrom', v.readOnly ? 'volumesFrom (ro)' : 'volumesFrom');
    if (c.networkMode.type === 'container') add(from, `container.${c.networkMode.container}`, 'network-mode', 'network mode');
    add(from, `image.${c.image}`, 'image');
    for (const n of c.networks) add(from, `network.${n.network}`, 'network', n.aliases.join(', '));
    for (const m of c.mounts) if (m.type === 'volume') add(from, `volume.${m.volume}`, 'mount', `${m.target}${m.readOnly ? ' (ro)' : ''}`);
  }
  for (const s of stack.services ?? []) {
    const from = `service.${s.name}`;
    add(from, `image.${s.image}`, 'image');
    for (const n of s.networks) add(from, `network.${n.network}`, 'network', n.aliases.join(', '));
    for (const m of s.mounts) if (m.type === 'volume') add(from, `volume.${m.volume}`, 'mount', `${m.target}${m.readOnly ? ' (ro)' : ''}`);
  }
  for (const b of stack.backups) {
    const from = `backup.${b.name}`;
    for (const v of b.volumes) add(from, `volume.${v}`, 'archives', 'archives');
    if (b.target.type === 'volume') add(from, `volume.${b.target.volume}`, 'target', 'stores archives in');
    for (const c of b.stop) add(from, `container.${c}`, 'stops', 'stops');
    for (const h of [...b.hooks.before, ...b.hooks.after]) add(from, `container.${h.container}`, 'hook', 'runs hook in');
  }
  // An edge to something the stack does not declare (an image by reference is declared; a slip would be a bug) is kept visible.
  const known = new Set(vertices.map((v) => v.id));
  for (const e of edges) {
    if (!known.has(e.to)) {
      const [kind, ...rest] = e.to.split('.');
      vertices.push({ id: e.to, kind: kind as ResourceKind, name: rest.join('.') });
      known.add(e.to);
    }
  }
  const seen = new Set<string>();
  return { stack: stack.name, vertices, edges: edges.filter((e) => !seen.has(`${e.from}|${e.to}|${e.relation}|${e.label}`) && !!seen.add(`${e.from}|${e.to}|${e.relation}|${e.label}`)) };
}

/** A Mermaid node id: letters, digits and underscores only. */
function mermaidId(id: string): string {
  // `container.web` → `container_web`; anything else outside [A-Za-z0-9-] (an image reference's `:` and `/`) as its code.
  return id.replace('.', '_').replace(/[^A-Za-z0-9_-]/g, (ch) => `_${ch.charCodeAt(0).toString(16)}_`);
}

/** Text inside Mermaid's quotes: a double quote is an entity there. */
const mermaidText = (s: string) => s.replace(/"/g, '#quot;');

const MERMAID_SHAPE: Record<ResourceKind, [string, string]> = {
  container: ['[', ']'],
  image: ['([', '])'],
  network: ['{{', '}}'],
  volume: ['[(', ')]'],
  backup: ['[/', '/]'],
  service: ['[[', ']]'],
};

export function toMermaid(g: StackGraph): string {
  const lines = ['flowchart LR'];
  for (const kind of ['container', 'service', 'image', 'network', 'volume', 'backup'] as const) {
    const of = g.vertices.filter((v) => v.kind === kind);
    if (!of.length) continue;
    lines.push(`  %% ${kind}s`);
    const [open, close] = MERMAID_SHAPE[kind];
    for (const v of of) lines.push(`  ${mermaidId(v.id)}${open}"${mermaidText(vertexLabel(v))}"${close}`);
  }
  for (const e of g.edges) {
    const arrow = e.relation === 'dependsOn' || e.relation === 'volumesFrom' || e.relation === 'network-mode' ? '==>' : e.relation === 'image' ? '-.->' : '-->';
    lines.push(`  ${mermaidId(e.from)} ${arrow}${e.label ? `|"${mermaidText(e.label)}"|` : ''} ${mermaidId(e.to)}`);
  }
  return lines.join('\n');
}

/** A DOT quoted string. */
const dotText = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

const DOT_SHAPE: Record<ResourceKind, string> = { container: 'box', image: 'component', network: 'hexagon', volume: 'cylinder', backup: 'parallelogram', service: 'box3d' };

export function toDot(g: StackGraph): string {
  const lines = [`digraph ${dotText(g.stack)} {`, '  rankdir=LR;', '  node [fontname="Helvetica"];'];
  for (const v of g.vertices) lines.push(`  ${dotText(v.id)} [label=${dotText(vertexLabel(v))}, shape=${DOT_SHAPE[v.kind]}];`);
  for (const e of g.edges) {
    const attrs = [e.label ? `label=${dotText(e.label)}` : '', e.relation === 'image' ? 'style=dashed' : e.relation === 'dependsOn' ? 'style=bold' : ''].filter(Boolean);
    lines.push(`  ${dotText(e.from)} -> ${dotText(e.to)}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  }
  lines.push('}');
  return lines.join('\n');
}
