import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { adoptionLabels, readAdoption, type AdoptedEntry } from '../../../core/model/adoption.js';

const entry = (resource: string): AdoptedEntry => ({
  kind: 'network', resource, id: `id-${resource}`, engineName: `shop_${resource}`,
  spec: { kind: 'network', name: resource, driver: 'bridge', internal: false, attachable: true, subnet: null, gateway: null, labels: {} }, since: '2026-12-06T00:00:00Z',
});

const record = suite('adoption record');

record('entries survive the labels, one label per object; the newest generation wins', () => {
  const old = { Name: 'shop.moor-adopted.1', Labels: adoptionLabels('shop', [entry('a')]) };
  const now = { Name: 'shop.moor-adopted.2', Labels: adoptionLabels('shop', [entry('b'), entry('a')]) };
  assert.ok('moor.adopted.network.a' in now.Labels);
  const r = readAdoption([now, old]);
  assert.is(r.generation, 2);
  assert.equal(r.volumes, ['shop.moor-adopted.1', 'shop.moor-adopted.2']);
  assert.equal(r.entries, [entry('a'), entry('b')]);
});

record('an unreadable entry is left out, other volumes are not records', () => {
  const labels = { ...adoptionLabels('shop', [entry('a')]), 'moor.adopted.network.b': '{not json' };
  assert.equal(readAdoption([{ Name: 'shop.moor-adopted.1', Labels: labels }]).entries, [entry('a')]);
  assert.equal(readAdoption([{ Name: 'shop-data', Labels: { 'moor.kind': 'volume' } }]).volumes, []);
});

record.run();
