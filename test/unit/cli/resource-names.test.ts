import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../../../core/cli/errors.js';
import { knownResourceIds, resolveResourceNames } from '../../../core/cli/resource-names.js';
import { emptyStack } from '../../../core/model/spec.js';
import { desired, emptyEngine, observed, shopStack } from '../../fixtures/builders.js';

/** The UsageError message resolving gives, or a failure when it resolves. */
function usageError(flag: string, names: string[], known: string[]): string {
  try {
    resolveResourceNames(flag, names, known);
  } catch (e) {
    assert.instance(e, UsageError);
    return (e as Error).message;
  }
  throw new Error(`--${flag} ${names.join(' ')} resolved without error`);
}

const SHOP_IDS = [
  'container.db', 'container.jobs', 'container.metrics', 'container.sidecar', 'container.web',
  'image.busybox', 'image.postgres:16', 'image.tools',
  'network.backend', 'network.frontend',
  'volume.data',
];

const known = suite('knownResourceIds');

known('every resource the stack declares, sorted', () => {
  assert.equal(knownResourceIds(shopStack(), emptyEngine('shop')), SHOP_IDS);
});

known('and every resource the engine holds for the stack, declared or not (destroy plans against an empty stack)', () => {
  const d = shopStack();
  assert.equal(knownResourceIds(emptyStack('shop', d.file), observed(d)), SHOP_IDS.filter((id) => id !== 'image.busybox' && id !== 'image.postgres:16'));
});

known('lifecycle rules count as declarations', () => {
  const d = desired('shop', ({ volume }) => { volume('data', { protect: true }); });
  assert.equal(knownResourceIds(emptyStack('shop', d.file, d), emptyEngine('shop')), ['volume.data']);
});

known.run();

const resolve = suite('resolveResourceNames');

resolve('an id is taken as it is; a bare name that one resource has becomes its id', () => {
  assert.equal(resolveResourceNames('target', ['container.web', 'backend', 'postgres:16', 'data'], SHOP_IDS), [
    'container.web', 'network.backend', 'image.postgres:16', 'volume.data',
  ]);
  assert.equal(resolveResourceNames('target', [], SHOP_IDS), []);
});

resolve('a bare name several kinds share is ambiguous: the message lists the ids to choose from', () => {
  const ids = ['container.data', 'image.tools', 'volume.data'];
  assert.is(usageError('replace', ['data'], ids), '--replace data is ambiguous: say container.data or volume.data');
  assert.equal(resolveResourceNames('replace', ['volume.data'], ids), ['volume.data']);
});

resolve('an unknown name is a usage error listing what is known', () => {
  assert.is(usageError('target', ['wbe'], ['container.db', 'container.web']), '--target wbe: no such resource in this stack (known: container.db, container.web)');
  assert.is(usageError('target', ['web'], []), '--target web: no such resource in this stack (known: none)');
  // The kind must be spelled as moor spells it.
  assert.is(usageError('target', ['containers.web'], ['container.web']), '--target containers.web: no such resource in this stack (known: container.web)');
});

resolve('the first bad name stops resolution', () => {
  assert.is(usageError('target', ['web', 'nope', 'also-nope'], ['container.web']), '--target nope: no such resource in this stack (known: container.web)');
});

resolve.run();
