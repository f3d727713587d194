/**
 * moor graph through the CLI on a stack file with every kind of link (no engine needed, nothing
 * created): the Mermaid and the DOT output are parsed back by the small parsers below and must
 * give exactly the stack's vertices and edges, labels included.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { newPrefix, runMoor, show, stackSource, sweepPrefix, withStack } from './helpers.js';

const prefix = newPrefix();
const graph = suite('e2e: moor graph');
graph.after(() => sweepPrefix(prefix));

interface Parsed { vertices: Map<string, string>; edges: string[] }

/** Mermaid flowchart: `id<open>"label"<close>` vertices, `a --> b`, `a ==>|"label"| b`, `a -.-> b` edges. */
function parseMermaid(text: string): Parsed {
  const [head, ...rest] = text.trimEnd().split('\n');
  assert.is(head, 'flowchart LR');
  const vertices = new Map<string, string>();
  const edges: string[] = [];
  for (const raw of rest) {
    const line = raw.trim();
    if (line.startsWith('%%')) continue;
    const v = /^([A-Za-z0-9_-]+)(\[\/|\(\[|\[\(|\{\{|\[)"([^"]*)"(\/\]|\]\)|\)\]|\}\}|\])$/.exec(line);
    if (v) {
      const pairs: Record<string, string> = { '[/': '/]', '([': '])', '[(': ')]', '{{': '}}', '[': ']' };
      assert.is(pairs[v[2]!], v[4], `shape opened and closed alike: ${line}`);
      vertices.set(v[1]!, v[3]!);
      continue;
    }
    const e = /^([A-Za-z0-9_-]+) (-->|==>|-\.->)(?:\|"([^"]*)"\|)? ([A-Za-z0-9_-]+)$/.exec(line);
    assert.ok(e, `a Mermaid vertex or edge: ${line}`);
    assert.ok(vertices.has(e![1]!) && vertices.has(e![4]!), `edge between declared vertices: ${line}`);
    edges.push(`${vertices.get(e![1]!)} -> ${vertices.get(e![4]!)}${e![3] ? ` [${e![3]}]` : ''}`);
  }
  return { vertices, edges };
}

/** DOT: `"id" [label="…", shape=…];` and `"a" -> "b" [label="…", …];` inside `digraph "name" { … }`. */
function parseDot(text: string, name: string): Parsed {
  const lines = text.trimEnd().split('\n').map((l) => l.trim());
  assert.is(lines[0], `digraph "${name}" {`);
  assert.is(lines.at(-1), '}');
  const vertices = new Map<string, string>();
  const edges: string[] = [];
  const attrs = (s: string | undefined) => Object.fromEntries([...(s ?? '').matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\w+)/g)].map((m) => [m[1]!, m[2]!.replace(/^"|"$/g, '')]));
  for (const line of lines.slice(1, -1)) {
    if (/^(rankdir|node) /.test(line) || /^rankdir=/.test(line)) continue;
    const e = /^"([^"]+)" -> "([^"]+)"(?: \[(.*)\])?;$/.exec(line);
    if (e) {
      assert.ok(vertices.has(e[1]!) && vertices.has(e[2]!), `edge between declared vertices: ${line}`);
      const label = attrs(e[3]).label;
      edges.push(`${vertices.get(e[1]!)} -> ${vertices.get(e[2]!)}${label ? ` [${label}]` : ''}`);
      continue;
    }
    const v = /^"([^"]+)" \[(.*)\];$/.exec(line);
    assert.ok(v, `a DOT node or edge: ${line}`);
    const a = attrs(v![2]);
    assert.ok(a.shape, line);
    vertices.set(v![1]!, a.label!);
  }
  return { vertices, edges };
}

const EXPECTED_VERTICES = [
  'backup nightly', 'container app', 'container db', 'container sidecar', 'image nginx:1.27', 'image tools', 'network backend', 'network front',
  'volume archives', 'volume data', 'volume uploads',
];
const EXPECTED_EDGES = [
  'backup nightly -> container app [stops]',
  'backup nightly -> container db [runs hook in]',
  'backup nightly -> volume archives [stores archives in]',
  'backup nightly -> volume data [archives]',
  'backup nightly -> volume uploads [archives]',
  'container app -> container db [healthy]',
  'container app -> image nginx:1.27',
  'container app -> network backend [api]',
  'container app -> network front',
  'container app -> volume uploads [/uploads (ro)]',
  'container db -> image tools',
  'container db -> network backend',
  'container db -> volume data [/data]',
  'container sidecar -> container app [volumesFrom]',
  'container sidecar -> container db [started]',
  'container sidecar -> image tools',
];

graph('Mermaid and DOT: every resource and every link of the stack, parsed back', () =>
  withStack(prefix, 'graph', async (s) => {
    s.writeRaw(stackSource(s.name, s.toolsContext, `
  const backend = network('backend');
  const front = network('front');
  const data = volume('data');
  const uploads = volume('uploads');
  const archives = volume('archives');
  const db = container('db', { image: img, command: ['sleep', '3600'], networks: [backend], mounts: [{ volume: data, target: '/data' }],
    healthcheck: { test: ['CMD', 'true'] } });
  const app = container('app', { image: 'nginx:1.27', networks: [{ network: backend, aliases: ['api'] }, front],
    mounts: [{ volume: uploads, target: '/uploads', readOnly: true }], dependsOn: [{ container: db, condition: 'healthy' }] });
  container('sidecar', { image: img, command: ['sleep', '3600'], volumesFrom: [app], dependsOn: [db] });
  backup('nightly', { volumes: [data, uploads], target: archives, schedule: '0 3 * * *', stop: [app], image: img,
    hooks: { before: [{ exec: db, command: ['true'] }] } });
`).replace('({ image, network, volume, container })', '({ image, network, volume, container, backup })'));

    let r = await runMoor(['graph', s.relFile], { env: { MOOR_SKIP_TYPECHECK: '1' } });
    assert.is(r.code, 0, show(r));
    const m = parseMermaid(r.stdout);
    assert.equal([...m.vertices.values()].sort(), EXPECTED_VERTICES);
    assert.equal(m.edges.sort(), EXPECTED_EDGES, show(r));

    r = await runMoor(['graph', s.relFile, '--format', 'dot'], { env: { MOOR_SKIP_TYPECHECK: '1' } });
    assert.is(r.code, 0, show(r));
    const d = parseDot(r.stdout, s.name);
    assert.equal([...d.vertices.values()].sort(), EXPECTED_VERTICES);
    assert.equal(d.edges.sort(), EXPECTED_EDGES, show(r));

    r = await runMoor(['graph', s.relFile, '--format', 'svg']);
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, /--format takes mermaid or dot \(got "svg"\)/, show(r));
    assert.is(await s.labelledCount(), 0, 'graph touched no engine');
  }));

graph.run();
