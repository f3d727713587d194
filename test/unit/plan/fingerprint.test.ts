import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fingerprint, staleReasons } from '../../../core/plan/fingerprint.js';
import type { ObservedState } from '../../../core/observe/types.js';
import {
  connectedByHand, container, containerSpec, fakeId, inspected, migrationLeft, observed, observedContainer, recorded, removed, retagged,
  shopStack, stopped, type Mutation,
} from '../../fixtures/builders.js';

const shop = shopStack();
/** The reasons a plan made on the shop as applied would be stale after these changes on the engine. */
const staleAfter = (...changes: Mutation[]): string[] => staleReasons(fingerprint(observed(shop)), fingerprint(observed(shop, ...changes)));

const network = (name: string, change: (n: ObservedState['networks'][number]) => ObservedState['networks'][number]): Mutation =>
  (s) => ({ ...s, networks: s.networks.map((n) => (n.resource === name ? change(n) : n)) });

const fp = suite('fingerprint');

fp('one entry per object, named by kind and engine name, plus the live-update record', () => {
  assert.equal(Object.keys(fingerprint(observed(shop))).sort(), [
    'container shop-db', 'container shop-jobs', 'container shop-metrics', 'container shop-sidecar', 'container shop-web',
    'image busybox:latest', 'image postgres:16', 'image shop-tools:latest',
    'moor live-update record',
    'network shop-backend', 'network shop-frontend',
    'volume shop-data',
  ]);
  const web = fingerprint(observed(shop))['container shop-web']!;
  assert.equal([web.id, web.state], [fakeId('container:shop-web'), 'running']);
  assert.match(web.digest, /^[0-9a-f]{32}$/);
});

fp('the same state gives the same fingerprint; the order of labels and networks does not matter', () => {
  assert.equal(fingerprint(observed(shop)), fingerprint(observed(shop)));
  const reversed: Mutation = (s) => ({
    ...s,
    containers: s.containers.map((c) => ({ ...c, networks: [...c.networks].reverse(), labels: Object.fromEntries(Object.entries(c.labels).reverse()) })),
  });
  assert.equal(staleAfter(reversed), []);
});

fp.run();

const stale = suite('staleReasons');

stale('nothing changed: no reasons', () => {
  assert.equal(staleAfter(), []);
});

stale('a container stopped since names its state then and now', () => {
  assert.equal(staleAfter(stopped('web')), ['container shop-web is exited (was running)']);
});

stale('a container recreated under the same name names both ids', () => {
  const id = fakeId('recreated');
  assert.equal(staleAfter(container('db', (c) => ({ ...c, id }))), [
    `container shop-db was recreated (id ${fakeId('container:shop-db').slice(0, 12)} → ${id.slice(0, 12)})`,
  ]);
});

stale('objects gone and objects that appeared, sorted', () => {
  const added: Mutation = (s) => ({ ...s, containers: [...s.containers, observedContainer({ name: 'shop-api', owner: 'stack', resource: 'api' })] });
  assert.equal(staleAfter(removed('container', 'jobs'), removed('network', 'frontend'), added), [
    'container shop-api appeared',
    'container shop-jobs is gone',
    'network shop-frontend is gone',
  ]);
});

stale('a label change is named by the object it is on', () => {
  assert.equal(staleAfter(network('backend', (n) => ({ ...n, labels: { ...n.labels, team: 'payments' } }))), ['network shop-backend changed']);
  assert.equal(staleAfter(container('jobs', (c) => ({ ...c, labels: { ...c.labels, 'moor.spec': '{}' } }))), ['container shop-jobs changed']);
});

stale('what else moor reads makes a plan stale: attachments, live values, the image, volume options', () => {
  assert.equal(staleAfter(connectedByHand('jobs', 'shop-backend')), ['container shop-jobs changed']);
  assert.equal(staleAfter(inspected('web', { restart: { policy: 'no', maxRetries: 0 } })), ['container shop-web changed']);
  assert.equal(staleAfter(container('db', (c) => ({ ...c, imageId: 'sha256:other' }))), ['container shop-db changed']);
  const volumeOptions: Mutation = (s) => ({ ...s, volumes: s.volumes.map((v) => ({ ...v, options: { type: 'tmpfs' } })) });
  assert.equal(staleAfter(volumeOptions), ['volume shop-data changed']);
  // A tag pulled again: the tag now names another image, and the old one is left untagged.
  const [retag, untagged] = staleAfter(retagged('postgres:16'));
  assert.is(untagged, `image sha256:${fakeId('image:postgres:16')} appeared`);
  assert.match(retag!, /^image postgres:16 was recreated \(id /);
});

stale('moor\'s own records: the live-update ledger, a migration, the secret key', () => {
  const web = containerSpec(shop, 'web');
  assert.equal(staleAfter(recorded('web', { restart: web.restart, resources: web.resources, aliases: {} })), [
    'container shop-web changed', // the container carries its record
    'moor live-update record was recreated (id 0 → 1)',
  ]);
  assert.equal(staleAfter(migrationLeft('data', { stash: true })), ['migration of volume data appeared']);
  const keyed: Mutation = (s) => ({ ...s, secretKey: { volume: 'shop.moor-key', key: 'a2V5' } });
  assert.equal(staleAfter(keyed), ['moor secret key appeared']);
  assert.equal(staleReasons(fingerprint(observed(shop, keyed)), fingerprint(observed(shop, (s) => ({ ...s, secretKey: { volume: 'shop.moor-key', key: 'b3RoZXI=' } })))), ['moor secret key changed']);
});

stale('a health change is not a change to the plan', () => {
  const health = (h: 'healthy' | 'unhealthy' | 'starting' | null): Mutation => container('db', (c) => ({ ...c, health: h }));
  assert.equal(staleReasons(fingerprint(observed(shop, health('starting'))), fingerprint(observed(shop, health('healthy')))), []);
  assert.equal(staleAfter(health('unhealthy')), []);
});

stale.run();
