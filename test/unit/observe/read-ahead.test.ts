/**
 * Reads sent ahead (core/observe/read-ahead.ts, EngineClient.readAhead) against the fake engine:
 * the second plan of a stack sends the first plan's reads before observe asks, observe takes them
 * instead of asking again, and what the engine changed in between (a container stopped and one
 * removed by hand) is in the plan exactly as without read-ahead. A read sent ahead keeps its status
 * for the request that takes it (404 is an error unless that request allows it).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EngineClient } from '../../../core/engine/client.js';
import { EngineError } from '../../../core/engine/errors.js';
import { observeStack } from '../../../core/observe/observe.js';
import { startReadAhead } from '../../../core/observe/read-ahead.js';
import { planStack } from '../../../core/plan/plan.js';
import { desired, planText } from '../../fixtures/builders.js';
import { applyOn } from '../../fixtures/fake-apply.js';
import { withFakeEngine, type FakeEngine } from '../../fixtures/fake-engine.js';

const ahead = suite('read-ahead');

function shopStack() {
  return desired('shop', ({ network, container }) => {
    const back = network('back');
    container('db', { image: 'busybox', networks: [back], restart: 'always' });
    container('api', { image: 'busybox', networks: [back], restart: 'always' });
    container('web', { image: 'busybox', networks: [back], restart: 'always' });
  });
}

async function withCache<T>(fn: () => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moor-read-ahead-'));
  const saved = process.env.MOOR_CACHE_DIR;
  process.env.MOOR_CACHE_DIR = dir;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.MOOR_CACHE_DIR; else process.env.MOOR_CACHE_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One `moor plan`'s engine part, with read-ahead: its plan text and the GET lines it sent. */
async function planWithReadAhead(engine: FakeEngine, settle: boolean): Promise<{ text: string; gets: string[] }> {
  const from = engine.requests.length;
  const client = new EngineClient(`unix://${engine.socketPath}`);
  try {
    const ra = startReadAhead(client, '/srv/shop/stack.ts', undefined);
    // Loading the stack takes a while: the reads sent ahead are answered meanwhile.
    if (settle) await new Promise((r) => setTimeout(r, 100));
    const d = shopStack();
    const text = planText(planStack(d, await observeStack(client, d)));
    await ra.save();
    return { text, gets: engine.calls({ since: from }).filter((l) => l.startsWith('GET ')) };
  } finally {
    client.close();
  }
}

ahead('the second plan takes the first plan\'s reads, sent ahead; what changed meanwhile is in the plan', () => withCache(() => withFakeEngine(async (engine) => {
  const d = shopStack();
  engine.addImage('busybox');
  assert.ok((await applyOn(engine, d)).result.ok);
  const first = await planWithReadAhead(engine, false);
  assert.is(first.text, 'No changes. The engine matches stack shop.');

  // Drift by hand after the first plan recorded its reads: one container stopped, one removed.
  const [a, b] = [...engine.containers.values()];
  a!.state = 'exited';
  a!.exitCode = 137;
  engine.containers.delete(b!.Id);

  const second = await planWithReadAhead(engine, true);
  const fresh = planText(planStack(d, await observeStack(engine.client, d)));
  assert.is(second.text, fresh, 'the same plan as without read-ahead');
  assert.match(second.text, new RegExp(`container ${a!.name.replace('shop-', '')}[^\\n]*\\n[^]*container ${b!.name.replace('shop-', '')}|container ${b!.name.replace('shop-', '')}[^]*container ${a!.name.replace('shop-', '')}`), `both drifts are in the plan:\n${second.text}`);
  // Every read of the first plan was sent once, ahead; observe asked nothing twice.
  assert.is(new Set(second.gets).size, second.gets.length, `no read sent twice:\n${second.gets.join('\n')}`);
  assert.ok(first.gets.every((g) => second.gets.includes(g)), 'every read of the first plan was sent ahead');
}))); 

ahead('a read sent ahead keeps its status: 404 is the taker\'s error unless it allows it; a failed one is asked again', () => withFakeEngine(async (engine) => {
  const client = new EngineClient(`unix://${engine.socketPath}`);
  try {
    client.readAhead(['/containers/nope/json', '/containers/nope2/json']);
    await new Promise((r) => setTimeout(r, 100));
    const e = await client.request('GET', '/containers/nope/json').then(() => undefined, (x: unknown) => x);
    assert.instance(e, EngineError);
    assert.is((e as EngineError).status, 404);
    const allowed = await client.requestRaw('GET', '/containers/nope2/json', { okStatuses: [404] });
    assert.match(allowed.toString(), /No such container/i);
    const sent = engine.calls().filter((l) => l.includes('nope'));
    assert.equal(sent, ['GET /containers/nope/json', 'GET /containers/nope2/json'], 'each sent once, ahead');
  } finally {
    client.close();
  }
}));

ahead('the record is rewritten only when the reads change, not when they come in another order (containers recreated)', () => withCache(() => withFakeEngine(async (engine) => {
  const d = shopStack();
  engine.addImage('busybox');
  assert.ok((await applyOn(engine, d)).result.ok);
  await planWithReadAhead(engine, false);
  const dir = path.join(process.env.MOOR_CACHE_DIR!, 'reads');
  const file = path.join(dir, readdirSync(dir)[0]!);
  const reads = (JSON.parse(readFileSync(file, 'utf8')) as { reads: string[] }).reads;
  assert.ok(reads.length >= 4, reads.join(', '));
  // Another order of the same reads, as after a recreation: the next plan leaves the record as it is.
  const shuffled = JSON.stringify({ reads: [...reads].reverse() });
  writeFileSync(file, shuffled);
  await planWithReadAhead(engine, false);
  assert.is(readFileSync(file, 'utf8'), shuffled);
  // A record missing one of them is rewritten with all of them.
  writeFileSync(file, JSON.stringify({ reads: reads.slice(1) }));
  await planWithReadAhead(engine, false);
  assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { reads: string[] }).reads, [...reads].sort());
})));

ahead.run();
