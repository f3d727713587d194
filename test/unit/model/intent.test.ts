import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { describeIntent, helperOwnerAlive, intentLabels, intentVolumeName, isIntentVolume, ownerAlive, ownerLabels, ownerOf, pidAlive, readIntent, type Intent } from '../../../core/model/intent.js';

const intent: Intent = {
  id: '1a2b3c4d', command: 'backup run nightly', job: 'nightly', pid: 4242, host: 'box', since: '2026-12-06T03:00:00.000Z',
  step: 'stop', stopped: ['shop-db', 'shop-app'],
};

const record = suite('intent records');

record('a record is a volume named after the stack, labelled with it, whose labels give the record back', () => {
  assert.is(intentVolumeName('shop', intent.id), 'shop.moor-intent-1a2b3c4d');
  const labels = intentLabels('shop', intent);
  assert.is(labels['moor.stack'], 'shop');
  assert.is(labels['moor.kind'], 'intent');
  assert.ok(isIntentVolume(labels));
  assert.equal(readIntent(labels), intent);
  const restore: Intent = { ...intent, command: 'backup restore nightly', step: 'switch', restore: { image: 'tools', stage: '.moor-restore-ab', volumes: [{ volume: 'data', engineVolume: 'shop-data', mode: '750', owner: '1:2' }] } };
  assert.equal(readIntent(intentLabels('shop', restore)), restore);
});

record('anything else is not a record: other kinds, unknown formats, broken or incomplete JSON', () => {
  const labels = intentLabels('shop', intent);
  assert.is(readIntent(null), null);
  assert.is(readIntent({ ...labels, 'moor.kind': 'ledger' }), null);
  assert.is(readIntent({ ...labels, 'moor.format': '2' }), null);
  assert.is(readIntent({ ...labels, 'moor.intent': '{not json' }), null);
  assert.is(readIntent({ ...labels, 'moor.intent': JSON.stringify({ ...intent, step: 'dance' }) }), null);
  assert.is(readIntent({ ...labels, 'moor.intent': JSON.stringify({ ...intent, pid: 'x' }) }), null);
  assert.is(readIntent({ ...labels, 'moor.intent': JSON.stringify({ ...intent, stopped: [1] }) }), null);
});

record('described with its command and who ran it', () => {
  assert.is(describeIntent(intent), 'moor backup run nightly (pid 4242 on host box, since 2026-12-06T03:00:00.000Z)');
});

const alive = suite('whose process may still be at work');
const here = (lock: 'mine' | 'held' | 'free', pids: number[] = [4242]) => ({ host: 'box', lock, pidAlive: (p: number) => pids.includes(p) });

alive('a record is alive only on this host, with its pid alive and the stack lock held by another process', () => {
  assert.ok(ownerAlive(intent, here('held')));
  assert.not.ok(ownerAlive(intent, here('held', [])), 'its pid is gone');
  assert.not.ok(ownerAlive(intent, here('free')), 'nobody holds the lock: its command is over');
  assert.not.ok(ownerAlive(intent, here('mine')), 'this process holds the lock: no other command can be at work');
  assert.not.ok(ownerAlive({ ...intent, host: 'other' }, here('held')), 'another host');
});

alive('an engine elsewhere: alive while the engine lock\'s holder is the record\'s writer, on any host', () => {
  const remote = (lockHolder: { pid: number; host: string } | null | 'unknown', pids: number[] = [4242]) => ({ ...here('held', pids), lockHolder });
  assert.ok(ownerAlive({ ...intent, host: 'laptop' }, remote({ pid: 4242, host: 'laptop' })), 'written from another machine that still holds the lock');
  assert.not.ok(ownerAlive({ ...intent, host: 'laptop' }, remote(null)), 'nobody holds the lock: its command is over');
  assert.not.ok(ownerAlive({ ...intent, host: 'laptop' }, remote({ pid: 7, host: 'laptop' })), 'another command holds it now');
  assert.not.ok(ownerAlive({ ...intent, host: 'laptop' }, remote({ pid: 4242, host: 'box' })), 'same pid, another host');
  assert.ok(ownerAlive(intent, remote({ pid: 4242, host: 'box' })), 'this host, pid alive');
  assert.not.ok(ownerAlive(intent, remote({ pid: 4242, host: 'box' }, [])), 'this host, its pid is gone');
  assert.ok(ownerAlive({ ...intent, host: 'laptop' }, remote('unknown')), 'held by someone moor cannot name: left alone');
});

alive('a helper is alive while its maker pid is (commands that take no lock make helpers too); another host\'s is left to it', () => {
  assert.ok(helperOwnerAlive({ pid: 4242, host: 'box' }, here('free')));
  assert.not.ok(helperOwnerAlive({ pid: 1, host: 'box' }, here('mine', [])));
  assert.ok(helperOwnerAlive({ pid: 1, host: 'elsewhere' }, here('free', [])));
});

alive('owner labels round-trip; missing or bad ones read as no owner', () => {
  assert.equal(ownerOf(ownerLabels(77, 'box')), { pid: 77, host: 'box' });
  assert.is(ownerOf({}), null);
  assert.is(ownerOf({ 'moor.owner.pid': 'x', 'moor.owner.host': 'box' }), null);
  assert.is(ownerOf({ 'moor.owner.pid': '7' }), null);
});

alive('pidAlive: this process is, a pid far beyond pid_max is not', () => {
  assert.ok(pidAlive(process.pid));
  assert.not.ok(pidAlive(2 ** 30));
});

record.run();
alive.run();
