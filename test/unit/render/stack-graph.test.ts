import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stackGraph, toDot, toMermaid } from '../../../core/render/stack-graph.js';
import { desired, shopStack } from '../../fixtures/builders.js';

const graph = suite('stackGraph, toMermaid, toDot');

graph('edges of the shop stack: dependsOn with its condition, network mode, volumesFrom, images, networks with aliases, mounts', () => {
  const g = stackGraph(shopStack());
  const edges = g.edges.map((e) => `${e.from} -${e.relation}-> ${e.to}${e.label ? ` [${e.label}]` : ''}`);
  for (const e of [
    'container.web -dependsOn-> container.db [healthy]',
    'container.sidecar -network-mode-> container.web [network mode]',
    'container.sidecar -volumesFrom-> container.web [volumesFrom]',
    'container.web -image-> image.tools',
    'container.db -image-> image.postgres:16',
    'container.web -network-> network.backend [www]',
    'container.db -mount-> volume.data [/var/lib/postgresql/data]',
  ]) assert.ok(edges.includes(e), `${e} in\n${edges.join('\n')}`);
  // Binds and tmpfs are not resources: no edge.
  assert.not.ok(edges.some((e) => e.includes('/www') || e.includes('/tmp')));
  assert.ok(g.edges.every((e) => g.vertices.some((v) => v.id === e.to)), 'every edge ends at a vertex');
});

graph('Mermaid ids are plain (an image reference\'s : and / escaped), labels quoted; DOT strings escaped', () => {
  const g = { stack: 'a"b', vertices: [{ id: 'container.web', kind: 'container' as const, name: 'web' }, { id: 'image.ghcr.io/x/y:1', kind: 'image' as const, name: 'ghcr.io/x/y:1' }],
    edges: [{ from: 'container.web', to: 'image.ghcr.io/x/y:1', relation: 'mount', label: 'say "hi"' }] };
  const m = toMermaid(g).split('\n');
  assert.ok(m.includes('  container_web["container web"]'), m.join('\n'));
  const imageLine = m.find((l) => l.includes('ghcr'))!;
  assert.match(imageLine, /^ {2}image_[A-Za-z0-9_-]+\(\["image ghcr\.io\/x\/y:1"\]\)$/);
  assert.ok(m.includes(`  container_web -->|"say #quot;hi#quot;"| ${imageLine.trim().split('(')[0]}`), m.join('\n'));
  const d = toDot(g);
  assert.match(d, /^digraph "a\\"b" \{/);
  assert.match(d, /"container\.web" -> "image\.ghcr\.io\/x\/y:1" \[label="say \\"hi\\""\];/);
});

graph('a container with replicas is one vertex that says how many', () => {
  const g = stackGraph(desired('app', ({ container }) => { container('worker', { image: 'busybox', replicas: 3 }); container('one', { image: 'busybox' }); }));
  assert.equal(g.vertices.filter((v) => v.kind === 'container'), [{ id: 'container.worker', kind: 'container', name: 'worker', replicas: 3 }, { id: 'container.one', kind: 'container', name: 'one' }]);
  assert.ok(toMermaid(g).split('\n').includes('  container_worker["container worker ×3"]'), toMermaid(g));
  assert.match(toDot(g), /"container\.worker" \[label="container worker ×3", shape=box\];/);
});

graph('services: their image, overlay networks and volumes; drawn as subroutines / 3D boxes, the replica count on the vertex as for containers', () => {
  const d = desired('shop', ({ network, volume, service, container }) => {
    const net = network('backend', { driver: 'overlay' });
    const data = volume('data');
    service('web', { image: 'nginx:1.27', replicas: 3, networks: [net], mounts: [{ volume: data, target: '/data' }] });
    service('one', { image: 'nginx:1.27', replicas: 1, networks: [net] });
    container('worker', { image: 'busybox', replicas: 3 });
  });
  const g = stackGraph(d);
  assert.equal(g.vertices.filter((v) => v.kind === 'service'), [{ id: 'service.web', kind: 'service', name: 'web', replicas: 3 }, { id: 'service.one', kind: 'service', name: 'one' }]);
  assert.equal(g.edges.filter((e) => e.from === 'service.web').map((e) => `${e.to} ${e.label}`), ['image.nginx:1.27 ', 'network.backend ', 'volume.data /data']);
  const m = toMermaid(g).split('\n');
  // One notation for replicas, containers and services alike: ` ×N` after the name, on the vertex; none on edges.
  assert.ok(m.includes('  service_web[["service web ×3"]]'), m.join('\n'));
  assert.ok(m.includes('  service_one[["service one"]]'), m.join('\n'));
  assert.ok(m.includes('  container_worker["container worker ×3"]'), m.join('\n'));
  assert.equal(m.filter((l) => l.includes('×')).length, 2, m.join('\n'));
  const dot = toDot(g).split('\n');
  assert.ok(dot.includes('  "service.web" [label="service web ×3", shape=box3d];'), dot.join('\n'));
  assert.ok(dot.includes('  "container.worker" [label="container worker ×3", shape=box];'), dot.join('\n'));
  assert.equal(dot.filter((l) => l.includes('×')).length, 2, dot.join('\n'));
});

graph.run();
