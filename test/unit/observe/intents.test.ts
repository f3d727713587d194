import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { classifyInterrupted, type Here } from '../../../core/observe/intents.js';
import { intentLabels, ownerLabels, type Intent } from '../../../core/model/intent.js';
import os from 'node:os';
import type { EngineClient } from '../../../core/engine/client.js';
import { EngineError } from '../../../core/engine/errors.js';
import { observeStack } from '../../../core/observe/observe.js';
import { planStack } from '../../../core/plan/plan.js';
import { desired, ENGINE } from '../../fixtures/builders.js';

const intent = (id: string, pid: number, since = '2026-12-06T03:00:00.000Z'): Intent => ({ id, command: 'backup run nightly', job: 'nightly', pid, host: 'box', since, step: 'stop', stopped: ['shop-db'] });
const here = (lock: ReturnType<Here['lock']>, pids: number[]): Here => ({ host: 'box', lock: () => lock, pidAlive: (p) => pids.includes(p) });
const worker = (name: string, state: string, labels: Record<string, string>) => ({ Id: `id-${name}`, Names: [`/${name}`], State: state, Labels: labels });

const c = suite('classifyInterrupted');

c('records of this stack are found and judged; other stacks\' and other volumes are not records', () => {
  const volumes = [
    { Name: 'shop.moor-intent-b', Labels: intentLabels('shop', intent('b', 20, '2026-12-06T04:00:00.000Z')) },
    { Name: 'shop.moor-intent-a', Labels: intentLabels('shop', intent('a', 10)) },
    { Name: 'shopx.moor-intent-c', Labels: intentLabels('shopx', intent('c', 10)) },
    { Name: 'shop-data', Labels: { 'moor.stack': 'shop', 'moor.kind': 'volume' } },
  ];
  const found = classifyInterrupted('shop', volumes, [], here('held', [20]));
  assert.equal(found.intents.map((i) => [i.volume, i.alive]), [['shop.moor-intent-a', false], ['shop.moor-intent-b', true]]);
  assert.equal(classifyInterrupted('shop', volumes, [], here('mine', [10, 20])).intents.map((i) => i.alive), [false, false], 'while this process holds the lock, every record is of a dead command');
});

c('backup workers of this stack whose maker is gone are leftovers; live ones, other stacks\' and non-helpers are not', () => {
  const job = { 'moor.helper': '1', 'moor.backup': 'shop/nightly' };
  const helpers = [
    worker('shop-nightly.moor-backup-archive-1', 'exited', { ...job, ...ownerLabels(10, 'box') }),
    worker('shop-nightly.moor-backup-list-2', 'running', { ...job, ...ownerLabels(20, 'box') }),
    worker('shop-nightly.moor-backup-finish-3', 'created', { ...job, ...ownerLabels(10, 'box') }),
    worker('shop-nightly.moor-backup-verify-4', 'created', { ...job, ...ownerLabels(10, 'far') }),
    worker('shop-old.moor-backup-archive-5', 'exited', job),
    worker('shop-old.moor-backup-archive-6', 'running', job),
    worker('shopx-nightly.moor-backup-archive-7', 'exited', { 'moor.helper': '1', 'moor.backup': 'shopx/nightly', ...ownerLabels(10, 'box') }),
    worker('shop-db', 'exited', { 'moor.stack': 'shop' }),
  ];
  const found = classifyInterrupted('shop', [], helpers, here('free', [20]));
  assert.equal(found.helpers.map((h) => `${h.name} ${h.state} ${h.owner ? h.owner.pid : '-'}`), [
    'shop-nightly.moor-backup-archive-1 exited 10',
    'shop-nightly.moor-backup-finish-3 created 10',
    'shop-old.moor-backup-archive-5 exited -',
  ]);
});

c.run();

const wired = suite('observeStack: interrupted operations');

wired('records and dead workers come from the lists observe makes anyway, and are planned', async () => {
  const d = desired('shop', (b) => {
    const img = b.image('tools', { build: { context: '.' } });
    b.container('db', { image: img });
  });
  const dead = intent('feed01', 2 ** 30);
  const volumes = [{ Name: 'shop.moor-intent-feed01', Driver: 'local', Labels: intentLabels('shop', { ...dead, stopped: [] }), Options: null, Mountpoint: '/x' }];
  const containers = [worker('shop-nightly.moor-backup-list-1', 'exited', { 'moor.helper': '1', 'moor.backup': 'shop/nightly', ...ownerLabels(2 ** 30, os.hostname()) })];
  const calls: string[] = [];
  const client = {
    async engineInfo() { return ENGINE; },
    async request(method: string, path: string, opts: { query?: Record<string, unknown> } = {}) {
      calls.push(`${method} ${path} ${String(opts.query?.filters ?? '')}`);
      const f = JSON.parse(String(opts.query?.filters ?? '{}')) as { label?: string[]; name?: string[] };
      if (path === '/volumes') return { Volumes: f.label ? volumes : [] };
      if (path === '/containers/json') return f.name ? containers.map((c) => ({ ...c, Image: '', ImageID: '', Status: '' })) : [];
      return [];
    },
  } as unknown as EngineClient;
  const o = await observeStack(client, d);
  assert.equal(o.interrupted?.intents.map((i) => [i.volume, i.alive]), [['shop.moor-intent-feed01', false]]);
  assert.equal(o.interrupted?.helpers.map((h) => h.name), ['shop-nightly.moor-backup-list-1']);
  assert.is(calls.length, 9, 'no request of its own (the 9th lists swarm services)');
  const plan = planStack(d, o);
  assert.equal(plan.nodes.filter((n) => /^(intent|leftover)\./.test(n.id)).map((n) => `${n.id} ${n.action}`), [
    'intent.feed01 update', 'leftover.shop-nightly.moor-backup-list-1 delete',
  ]);
});

wired('an engine elsewhere: a record from another machine that still holds the engine lock is alive (one read of the lock, only when there is a record)', async () => {
  const d = desired('shop', (b) => { b.container('db', { image: 'busybox:1' }); });
  const remote = { ...intent('cafe01', 31337), host: 'laptop-of-ann' };
  let holder: { pid: number; host: string } | null = { pid: 31337, host: 'laptop-of-ann' };
  let withRecord = true;
  const calls: string[] = [];
  const client = {
    endpoint: { host: 'prod-1', port: 2376, display: 'tcp://prod-1:2376' },
    async engineInfo() { return ENGINE; },
    async request(method: string, path: string, opts: { query?: Record<string, unknown> } = {}) {
      calls.push(`${method} ${path}`);
      const f = JSON.parse(String(opts.query?.filters ?? '{}')) as { label?: string[] };
      if (path === '/volumes') return { Volumes: f.label && withRecord ? [{ Name: 'shop.moor-intent-cafe01', Driver: 'local', Labels: intentLabels('shop', remote), Options: null, Mountpoint: '/x' }] : [] };
      if (path === '/containers/shop.moor-lock/json') {
        if (!holder) throw new EngineError(404, 'No such container: shop.moor-lock', `GET ${path}`);
        return { Config: { Labels: { 'moor.lock': JSON.stringify({ ...holder, since: '2026-12-06T03:00:00.000Z', command: 'backup run nightly' }) } } };
      }
      if (path === '/containers/json') return [];
      return [];
    },
  } as unknown as EngineClient;
  assert.equal((await observeStack(client, d)).interrupted?.intents.map((i) => i.alive), [true]);
  assert.equal(planStack(d, await observeStack(client, d)).nodes.filter((n) => n.id.startsWith('intent.')), [], 'a live record is not planned');
  holder = null;
  assert.equal((await observeStack(client, d)).interrupted?.intents.map((i) => i.alive), [false], 'the lock is free: its command is over');
  holder = { pid: 99, host: 'ci-runner' };
  assert.equal((await observeStack(client, d)).interrupted?.intents.map((i) => i.alive), [false], 'another command holds the lock now');
  withRecord = false;
  calls.length = 0;
  await observeStack(client, d);
  assert.not.ok(calls.some((c) => c.includes('moor-lock')), 'no record: the lock is not read');
});

wired.run();
