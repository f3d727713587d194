import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LABEL, LABEL_FORMAT, ownershipLabels, readSpec, specLabels } from '../../../core/model/labels.js';
import type { ContainerSpec } from '../../../core/model/spec.js';
import { containerSpec, shopStack } from '../../fixtures/builders.js';

const web: ContainerSpec = containerSpec(shopStack(), 'web');

const labels = suite('labels');

labels('ownership and spec labels', () => {
  assert.equal(ownershipLabels('shop', 'network', 'backend'), { 'moor.stack': 'shop', 'moor.kind': 'network', 'moor.name': 'backend', 'moor.format': '1' });
  const l = specLabels('shop', web);
  assert.equal(Object.keys(l).sort(), ['moor.format', 'moor.kind', 'moor.name', 'moor.spec', 'moor.stack']);
  assert.equal(JSON.parse(l[LABEL.spec]!), web);
});

labels('readSpec gives back the spec that specLabels stored', () => {
  assert.equal(readSpec<ContainerSpec>(specLabels('shop', web), 'container'), web);
});

labels('readSpec is undefined for missing labels, another kind, another format, or unreadable JSON', () => {
  const l = specLabels('shop', web);
  assert.is(readSpec(undefined, 'container'), undefined);
  assert.is(readSpec(null, 'container'), undefined);
  assert.is(readSpec(l, 'network'), undefined);
  assert.is(readSpec({ ...l, [LABEL.format]: String(Number(LABEL_FORMAT) + 1) }, 'container'), undefined);
  assert.is(readSpec({ ...l, [LABEL.spec]: '{"kind":"container",' }, 'container'), undefined);
  assert.is(readSpec({ ...l, [LABEL.spec]: '' }, 'container'), undefined);
  assert.is(readSpec({ ...l, [LABEL.spec]: JSON.stringify({ ...web, kind: 'network' }) }, 'container'), undefined);
});

labels.run();
