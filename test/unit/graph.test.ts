import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CycleError, findCycles, topoSort, walk, type GraphNode, type WalkOutcome } from '../../core/graph.js';

const n = (id: string, ...dependsOn: string[]): GraphNode => ({ id, dependsOn });
const tick = (ms = 0) => new Promise<void>((r) => setTimeout(r, ms));

const sort = suite('topoSort');

sort('dependencies come first; ties keep input order', () => {
  const order = topoSort([n('web', 'db', 'net'), n('db', 'net'), n('net'), n('cache'), n('worker', 'cache')]).map((x) => x.id);
  assert.equal(order, ['net', 'db', 'web', 'cache', 'worker']);
});

sort('dependencies on ids not in the graph are ignored', () => {
  assert.equal(topoSort([n('a', 'elsewhere'), n('b', 'a')]).map((x) => x.id), ['a', 'b']);
});

sort('a cycle is a CycleError naming the cycle, first node repeated at the end', () => {
  try {
    topoSort([n('start', 'a'), n('a', 'b'), n('b', 'c'), n('c', 'a')]);
    assert.unreachable('no error');
  } catch (e) {
    assert.instance(e, CycleError);
    assert.equal((e as CycleError).cycle, ['a', 'b', 'c', 'a']);
    assert.is((e as Error).message, 'dependency cycle: a → b → c → a');
  }
});

sort('a node depending on itself is a cycle of one', () => {
  assert.throws(() => topoSort([n('a', 'a')]), (e: unknown) => e instanceof CycleError && e.message === 'dependency cycle: a → a');
});

sort.run();

const cycles = suite('findCycles');

cycles('every cycle, one per strongly connected part, in input order', () => {
  const graph = [n('start', 'a'), n('a', 'b'), n('b', 'c'), n('c', 'a'), n('x', 'y'), n('y', 'x'), n('self', 'self'), n('free', 'start')];
  assert.equal(findCycles(graph), [['a', 'b', 'c', 'a'], ['x', 'y', 'x'], ['self', 'self']]);
});

cycles('no cycle: none', () => {
  assert.equal(findCycles([n('web', 'db'), n('db'), n('a', 'elsewhere')]), []);
});

cycles.run();


const walker = suite('walk');

walker('runs every node once, each after its dependencies finished', async () => {
  const finished: string[] = [];
  const nodes = [n('web', 'db', 'net'), n('db', 'net'), n('net'), n('cache')];
  const outcomes = await walk(nodes, 4, async (x) => {
    for (const d of x.dependsOn) assert.ok(finished.includes(d), `${x.id} started before ${d} finished`);
    await tick(x.id === 'net' ? 5 : 1);
    finished.push(x.id);
  });
  assert.equal(finished.slice().sort(), ['cache', 'db', 'net', 'web']);
  assert.equal([...outcomes.values()].map((o) => o.status), ['done', 'done', 'done', 'done']);
});

walker('never runs more than `concurrency` nodes at once, and does reach that bound', async () => {
  let running = 0;
  let peak = 0;
  const nodes = Array.from({ length: 10 }, (_, i) => n(`n${i}`));
  await walk(nodes, 3, async () => {
    running++;
    peak = Math.max(peak, running);
    await tick(2);
    running--;
  });
  assert.is(peak, 3);
});

walker('concurrency 1 runs nodes one at a time in dependency order', async () => {
  const started: string[] = [];
  await walk([n('b', 'a'), n('a'), n('c')], 1, async (x) => { started.push(x.id); await tick(); });
  assert.equal(started, ['a', 'b', 'c']);
});

walker('a failure skips everything downstream, once each, naming the failed node; independent branches finish', async () => {
  const ran: string[] = [];
  const reported: [string, WalkOutcome][] = [];
  const boom = new Error('boom');
  const nodes = [n('net'), n('db', 'net'), n('web', 'db'), n('sidecar', 'web'), n('cache'), n('worker', 'cache')];
  const outcomes = await walk(
    nodes, 2,
    async (x) => { ran.push(x.id); await tick(1); if (x.id === 'db') throw boom; },
    (x, o) => reported.push([x.id, o]),
  );
  assert.equal(ran.sort(), ['cache', 'db', 'net', 'worker']);
  assert.equal(outcomes.get('db'), { status: 'failed', error: boom });
  assert.equal(outcomes.get('web'), { status: 'skipped', because: 'db' });
  assert.equal(outcomes.get('sidecar'), { status: 'skipped', because: 'db' });
  assert.equal(outcomes.get('worker'), { status: 'done' });
  assert.equal(reported.map(([id]) => id).sort(), ['cache', 'db', 'net', 'sidecar', 'web', 'worker']);
});

walker('a node with one dependency still running and another failed is skipped because of the failed one', async () => {
  const boom = new Error('boom');
  const outcomes = await walk([n('slow'), n('fails'), n('both', 'slow', 'fails')], 4, async (x) => {
    if (x.id === 'slow') await tick(20);
    if (x.id === 'fails') throw boom;
  });
  assert.equal(outcomes.get('slow'), { status: 'done' });
  assert.equal(outcomes.get('both'), { status: 'skipped', because: 'fails' });
});

walker('an empty graph resolves at once', async () => {
  assert.equal((await walk([], 4, async () => { throw new Error('never'); })).size, 0);
});

walker('told to stop: the nodes in flight finish, nothing new starts, the rest is cancelled', async () => {
  let stop = false;
  const started: string[] = [];
  const outcomes = await walk([n('a'), n('b', 'a'), n('c', 'b'), n('d')], 1, async (node) => {
    started.push(node.id);
    await tick(5);
    if (node.id === 'a') stop = true; // Ctrl-C while a runs
  }, undefined, () => stop);
  assert.equal(started, ['a']);
  assert.equal(outcomes.get('a'), { status: 'done' });
  for (const id of ['b', 'c', 'd']) assert.equal(outcomes.get(id), { status: 'cancelled' }, id);
});

walker('a cycle is refused before anything runs', async () => {
  let ran = false;
  try {
    await walk([n('a', 'b'), n('b', 'a')], 2, async () => { ran = true; });
    assert.unreachable('no error');
  } catch (e) {
    assert.instance(e, CycleError);
  }
  assert.not.ok(ran);
});

walker('a node that releases its slot lets the next one start; the walk still ends only when it does', async () => {
  const log: string[] = [];
  let finishA!: () => void;
  const aDone = new Promise<void>((r) => (finishA = r));
  const nodes = [{ id: 'a', dependsOn: [] }, { id: 'b', dependsOn: [] }, { id: 'c', dependsOn: ['a'] }];
  const walked = walk(nodes, 1, async (n, release) => {
    log.push(`start ${n.id}`);
    if (n.id === 'a') { release(); release(); await aDone; }
    if (n.id === 'b') finishA();
    log.push(`end ${n.id}`);
  });
  const outcomes = await walked;
  assert.equal(log, ['start a', 'start b', 'end b', 'end a', 'start c', 'end c']);
  assert.equal([...outcomes.values()].map((o) => o.status), ['done', 'done', 'done']);
});

walker.run();
