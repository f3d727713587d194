import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planStack } from '../../../core/plan/plan.js';
import type { Intent } from '../../../core/model/intent.js';
import type { ObservedState } from '../../../core/observe/types.js';
import type { ObservedInterrupted } from '../../../core/observe/intents.js';
import { actions, nodeOf, observed, planText, shopStack, stopped } from '../../fixtures/builders.js';

const SINCE = '2026-12-06T03:00:00.000Z';
const run: Intent = { id: 'feed01', command: 'backup run nightly', job: 'nightly', pid: 4242, host: 'box', since: SINCE, step: 'stop', stopped: ['shop-db', 'shop-web'] };

function left(o: ObservedState, interrupted: ObservedInterrupted): ObservedState {
  return { ...o, interrupted };
}

const p = suite('planInterrupted');

p('a dead backup run\'s record: a node finishes it first, and the containers it stopped say why they are started', () => {
  const d = shopStack();
  const o = left(observed(d, stopped('db'), stopped('web')), { intents: [{ volume: 'shop.moor-intent-feed01', intent: run, alive: false }], helpers: [] });
  const plan = planStack(d, o);
  const n = nodeOf(plan, 'intent.feed01');
  assert.is(n.action, 'update');
  assert.equal(n.op, { type: 'intent.finish', volume: 'shop.moor-intent-feed01', intent: run, start: true });
  const db = nodeOf(plan, 'container.db');
  assert.ok(db.dependsOn.includes('intent.feed01'));
  assert.equal(db.changes, [{ path: 'state', before: 'exited', after: 'running', forcesReplacement: false, source: 'drift', note: `stopped by moor backup run nightly (pid 4242 on host box, since ${SINCE}) that did not finish` }]);
  assert.ok(nodeOf(plan, 'container.web').dependsOn.includes('intent.feed01'));
  assert.equal(actions(plan), ['intent.feed01 update', 'container.db update', 'container.web update']);
  const text = planText(plan);
  assert.match(text, `  ~   volume shop.moor-intent-feed01  (finish; moor backup run nightly (pid 4242 on host box, since ${SINCE}) did not finish: start again the containers it stopped (shop-db, shop-web), then remove this record)`);
  assert.match(text, `  ~   container db  (update in place; state: stopped by moor backup run nightly (pid 4242 on host box, since ${SINCE}) that did not finish)`);
});

p('a live run\'s record is left alone: no node, the containers it stopped are not started, a note says why', () => {
  const d = shopStack();
  const o = left(observed(d, stopped('db')), { intents: [{ volume: 'shop.moor-intent-feed01', intent: run, alive: true }], helpers: [] });
  const plan = planStack(d, o);
  assert.equal(actions(plan), []);
  assert.equal(plan.notes, [`moor backup run nightly (pid 4242 on host box, since ${SINCE}) is running: it stopped shop-db, shop-web and starts them again when it finishes; moor leaves it be`]);
});

p('a container stopped by hand still reads "stopped outside moor"', () => {
  const d = shopStack();
  const plan = planStack(d, left(observed(d, stopped('db')), { intents: [{ volume: 'shop.moor-intent-feed01', intent: { ...run, stopped: ['shop-web'] }, alive: false }], helpers: [] }));
  assert.is(nodeOf(plan, 'container.db').changes[0]!.note, 'stopped outside moor');
  assert.not.ok(nodeOf(plan, 'container.db').dependsOn.includes('intent.feed01'));
});

p('workers of dead commands are removed; the workers of a dead record go with its node, not twice', () => {
  const d = shopStack();
  const helpers = [
    { id: 'c1', name: 'shop-nightly.moor-backup-finish-aa', state: 'created', owner: { pid: 4242, host: 'box' }, job: 'shop/nightly' },
    { id: 'c2', name: 'shop-nightly.moor-backup-list-bb', state: 'exited', owner: { pid: 7, host: 'box' }, job: 'shop/nightly' },
  ];
  const plan = planStack(d, left(observed(d, stopped('db')), { intents: [{ volume: 'shop.moor-intent-feed01', intent: run, alive: false }], helpers }));
  assert.equal(actions(plan), ['intent.feed01 update', 'container.db update', 'leftover.shop-nightly.moor-backup-list-bb delete']);
  assert.equal(nodeOf(plan, 'leftover.shop-nightly.moor-backup-list-bb').op, { type: 'container.delete', id: 'c2', stopTimeout: 0 });
  assert.match(nodeOf(plan, 'intent.feed01').causes[0]!, 'did not finish: remove its workers (shop-nightly.moor-backup-finish-aa), start again');
  assert.match(planText(plan), '  -   container shop-nightly.moor-backup-list-bb  (backup worker of shop/nightly (exited) left by moor (pid 7 on host box), which is gone)');
});

p('a restore killed in its switch: the node finishes the switch, then starts what it stopped; destroy only finishes the data step', () => {
  const d = shopStack();
  const restore: Intent = { ...run, command: 'backup restore nightly', step: 'switch', stopped: ['shop-db'], restore: { image: 'tools', stage: '.moor-restore-1', volumes: [{ volume: 'data', engineVolume: 'shop-data', mode: '755', owner: '0:0' }] } };
  const o = left(observed(d, stopped('db')), { intents: [{ volume: 'shop.moor-intent-feed01', intent: restore, alive: false }], helpers: [] });
  assert.match(nodeOf(planStack(d, o), 'intent.feed01').causes[0]!, 'did not finish: finish switching the volumes to the restored data, start again the containers it stopped (shop-db), then remove this record');
  const destroy = planStack({ ...d, containers: [], networks: [], images: [], volumes: [], backups: [] }, o, { mode: 'destroy' });
  const n = nodeOf(destroy, 'intent.feed01');
  assert.is((n.op as { start: boolean }).start, false);
  assert.match(n.causes[0]!, 'did not finish: finish switching the volumes to the restored data, then remove this record');
});

p('nothing left behind plans nothing more', () => {
  const d = shopStack();
  assert.equal(actions(planStack(d, left(observed(d), { intents: [], helpers: [] }))), []);
});

p.run();
