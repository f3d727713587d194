import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isIgnored, NO_RULES, rulesOf } from '../../../core/model/lifecycle.js';
import { stack } from '../../../core/stack/define.js';
import { desired, normalize } from '../../fixtures/builders.js';

const rules = suite('lifecycle rules in the stack');

rules('kept by resource id, only for resources that declare any; ignoreChanges sorted and without repeats', () => {
  const d = desired('shop', ({ network, volume, container }) => {
    network('backend', { protect: true });
    network('frontend');
    volume('data', { migrate: true });
    volume('cache', { allowDataLoss: true, protect: false });
    container('web', { image: 'nginx', ignoreChanges: ['restart', 'env.BUILD_ID', 'restart'], replaceOrder: 'delete-before-create' });
    container('db', { image: 'postgres:16', protect: false });
  });
  assert.equal(d.lifecycle, {
    'network.backend': { ...NO_RULES, protect: true },
    'volume.data': { ...NO_RULES, migrate: true },
    'volume.cache': { ...NO_RULES, allowDataLoss: true },
    'container.web': { ...NO_RULES, ignoreChanges: ['env.BUILD_ID', 'restart'], replaceOrder: 'delete-before-create' },
  });
  assert.equal(rulesOf(d.lifecycle, 'container.db'), NO_RULES);
  // Rules are not engine attributes: the specs do not carry them.
  assert.not.ok('protect' in d.networks.find((n) => n.name === 'backend')!);
  assert.not.ok('ignoreChanges' in d.containers.find((c) => c.name === 'web')!);
});

rules('every kind of ignoreChanges path a container plan can change is accepted', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    container('web', {
      image: 'nginx',
      ignoreChanges: ['image', 'env', 'env.BUILD_ID', 'labels.team', 'networks.backend', 'resources', 'resources.memory', 'resources.cpus', 'resources.pids', 'restart', 'healthcheck'],
    });
  }));
  assert.equal(diagnostics, []);
});

rules('unknown ignoreChanges paths are errors at their index, saying what paths look like', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    container('web', { image: 'nginx', ignoreChanges: ['env.OK', 'envs', 'resources.disk', 'image.tag', 'restart.policy', 'resources.memory.max'] });
  }));
  assert.equal(diagnostics.map((x) => [x.resource, x.field, x.summary]), [
    ['container.web', 'ignoreChanges[1]', 'ignoreChanges: unknown attribute path "envs"'],
    ['container.web', 'ignoreChanges[2]', 'ignoreChanges: unknown attribute path "resources.disk"'],
    ['container.web', 'ignoreChanges[3]', 'ignoreChanges: unknown attribute path "image.tag"'],
    ['container.web', 'ignoreChanges[4]', 'ignoreChanges: unknown attribute path "restart.policy"'],
    ['container.web', 'ignoreChanges[5]', 'ignoreChanges: unknown attribute path "resources.memory.max"'],
  ]);
  assert.match(diagnostics[0]!.detail!, 'keys go after a dot for env, labels, networks and resources (e.g. "env.BUILD_ID", "resources.memory")');
});

rules('a volume cannot both migrate and allow its data to be lost', () => {
  const { diagnostics } = normalize(stack('shop', ({ volume }) => { volume('data', { migrate: true, allowDataLoss: true }); }));
  assert.equal(diagnostics.map((x) => [x.resource, x.field, x.summary]), [
    ['volume.data', 'migrate', 'use either migrate (copy the data across) or allowDataLoss (let it go), not both'],
  ]);
});

rules('rules of the wrong kind are refused by the schema', () => {
  const { diagnostics } = normalize(stack('shop', ({ network, volume }) => {
    network('backend', { migrate: true } as never);
    volume('data', { ignoreChanges: ['driver'] } as never);
  }));
  assert.equal(diagnostics.map((x) => x.resource), ['network.backend', 'volume.data']);
});

rules.run();

const covers = suite('isIgnored');

covers('a path covers itself and what is under it; image also covers the image id', () => {
  const r = { ...NO_RULES, ignoreChanges: ['env', 'image', 'networks.backend'] };
  for (const p of ['env', 'env.MODE', 'image', 'image id', 'networks.backend', 'networks.backend.aliases']) assert.ok(isIgnored(r, p), p);
  for (const p of ['environment', 'networks.backend2', 'networks.frontend', 'restart', 'imageId']) assert.not.ok(isIgnored(r, p), p);
});

covers.run();
