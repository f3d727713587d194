import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { emptyStack } from '../../../core/model/spec.js';
import { planStack } from '../../../core/plan/plan.js';
import {
  actions, containerId, desired, emptyEngine, nodeOf, observed, observedImage, retagged, removed, shopStack, withContextHash,
} from '../../fixtures/builders.js';

const pulled = suite('planImages: pulled images');

pulled('a pulled image missing from the engine is pulled before the container that runs it is created', () => {
  const d = desired('shop', ({ container }) => { container('web', { image: 'nginx:1.27' }); });
  const plan = planStack(d, emptyEngine('shop'));
  assert.equal(actions(plan), ['image.nginx:1.27 create', 'container.web create']);
  const image = nodeOf(plan, 'image.nginx:1.27');
  assert.is(image.engineName, 'nginx:1.27');
  assert.equal(image.causes, ['not on the engine: will be pulled']);
  assert.equal(image.op, { type: 'image.pull', image: { kind: 'image', name: 'nginx:1.27', ref: 'nginx:1.27', labels: {} } });
  assert.equal(nodeOf(plan, 'container.web').dependsOn, ['image.nginx:1.27']);
});

pulled('an image reference without a tag is looked up as :latest, as the engine reports it', () => {
  const d = desired('shop', ({ container }) => { container('web', { image: 'busybox' }); });
  const o = emptyEngine('shop', (s) => ({ ...s, images: [observedImage({ refs: ['busybox:latest'] })] }));
  assert.equal(actions(planStack(d, o)), ['container.web create']);
});

pulled('a pulled image missing under a running container is pulled, and the container replaced once its id is known', () => {
  const d = shopStack();
  const o = observed(d, removed('image', 'postgres:16'));
  const plan = planStack(d, o);
  assert.equal(actions(plan), ['image.postgres:16 create', 'container.db replace']);
  assert.equal(nodeOf(plan, 'container.db').changes, [{
    path: 'image id', before: o.containers.find((c) => c.resource === 'db')!.imageId.slice(7, 19), after: '(known after the image is pulled)', forcesReplacement: true, source: 'change',
  }]);
});

pulled('a tag that now points to another image replaces the containers still on the old one', () => {
  const d = shopStack();
  const o = observed(d, retagged('postgres:16'));
  const plan = planStack(d, o);
  assert.equal(actions(plan), ['container.db replace']);
  const db = nodeOf(plan, 'container.db');
  const newId = o.images.find((i) => i.refs.includes('postgres:16'))!.id;
  assert.equal(db.changes, [{
    path: 'image id', before: o.containers.find((c) => c.resource === 'db')!.imageId.slice(7, 19), after: newId.slice(7, 19),
    forcesReplacement: true, source: 'change', note: 'postgres:16 now points to another image',
  }]);
  assert.equal(db.causes, ['image id changed']);
});

pulled('an image its registry says cannot be pulled is a plan error where the container names it; one it can pull is not; --target leaves out what it leaves out', () => {
  const d = desired('shop', ({ container }) => {
    container('web', { image: 'redis:7' });
    container('api', { image: 'busybox:1' });
  });
  const o = { ...emptyEngine('shop'), unpullable: { 'redis:7': 'pull access denied (as the registry said)' } };
  assert.equal(planStack(d, o).diagnostics.map((x) => [x.resource, x.field, x.summary]), [['container.web', 'image', 'pull access denied (as the registry said)']]);
  assert.equal(planStack(d, emptyEngine('shop')).diagnostics, []);
  assert.equal(planStack(d, o, { mode: 'apply', targets: ['container.api'] }).diagnostics, [], 'web and its image are not part of this plan');
});

pulled.run();

const built = suite('planImages: built images');

built('a change of the build context rebuilds the image and replaces its containers ("image id")', () => {
  const d = withContextHash(shopStack(), 'tools', 'bbbb');
  const o = observed(withContextHash(shopStack(), 'tools', 'aaaa'));
  const plan = planStack(d, o);
  assert.equal(actions(plan), ['image.tools replace', 'container.web replace', 'container.sidecar replace']);
  const image = nodeOf(plan, 'image.tools');
  assert.equal(image.causes, ['rebuild: content of the build context changed']);
  assert.equal(image.changes, [{ path: 'build.context', before: 'aaaa', after: 'bbbb', forcesReplacement: true, source: 'change', note: 'content of the build context changed' }]);
  assert.equal(image.op, { type: 'image.build', image: d.images.find((i) => i.name === 'tools')! });
  const web = nodeOf(plan, 'container.web');
  assert.equal(web.causes, ['image id changed']);
  assert.equal(web.changes, [{
    path: 'image id', before: o.containers.find((c) => c.resource === 'web')!.imageId.slice(7, 19), after: '(known after the image is built)', forcesReplacement: true, source: 'change',
  }]);
  assert.equal(web.op.type === 'container.replace' && [web.op.oldId, web.op.order], [containerId(o, 'web'), 'create-before-destroy']);
});

built('a change of build args rebuilds the image', () => {
  const stackWith = (args: Record<string, string>) => desired('shop', ({ image, container }) => {
    container('web', { image: image('tools', { build: { context: './tools', args } }) });
  });
  const plan = planStack(stackWith({ VERSION: '2' }), observed(stackWith({ VERSION: '1' })));
  const image = nodeOf(plan, 'image.tools');
  assert.is(image.action, 'replace');
  assert.equal(image.changes, [{
    path: 'build',
    before: '{"dockerfile":"Dockerfile","args":{"VERSION":"1"},"labels":{}}',
    after: '{"dockerfile":"Dockerfile","args":{"VERSION":"2"},"labels":{}}',
    forcesReplacement: true, source: 'change', note: 'build args changed',
  }]);
});

built('an image tagged like a built image but not built by the stack is an error, and is not rebuilt', () => {
  const d = shopStack();
  const o = observed(d, (s) => ({ ...s, images: s.images.map((i) => (i.refs.includes('shop-tools:latest') ? observedImage({ refs: ['shop-tools:latest'] }) : i)) }));
  const plan = planStack(d, o);
  assert.not.ok(plan.nodes.some((n) => n.id === 'image.tools'));
  assert.equal(plan.diagnostics.map((x) => [x.severity, x.resource, x.summary]), [[
    'error', 'image.tools', 'an image tagged "shop-tools:latest" already exists and was not built by stack "shop"; moor will not retag it',
  ]]);
});

built('a built image the stack no longer declares is deleted after the containers that ran it', () => {
  const d = shopStack();
  const without = { ...d, images: d.images.filter((i) => i.name !== 'tools'), containers: d.containers.filter((c) => c.name !== 'web' && c.name !== 'sidecar') };
  const plan = planStack(without, observed(d));
  assert.equal(actions(plan), ['container.sidecar delete', 'container.web delete', 'image.tools delete']);
  const image = nodeOf(plan, 'image.tools');
  assert.equal(image.dependents, ['container.web']);
  assert.equal(image.causes, ['no longer in the stack']);
  assert.is(image.op.type, 'image.delete');
});

built('destroy removes moor\'s own tag, not the image id, when someone tagged the image too (409 before)', () => {
  const d = shopStack();
  const o = observed(d);
  const img = o.images.find((i) => i.resource === 'tools')!;
  img.refs = ['someone/else:1', ...img.refs];
  const plan = planStack(emptyStack('shop', d.file), o, { mode: 'destroy' });
  const node = nodeOf(plan, 'image.tools');
  assert.equal(node.op, { type: 'image.delete', id: img.id, ref: 'shop-tools:latest' });
  assert.is(node.engineName, 'shop-tools:latest');
  assert.equal(node.causes, ['destroy', 'only the tag: the image stays as someone/else:1']);
});

built('an image the stack built that now carries only someone else\'s tags is kept, with a note', () => {
  const d = shopStack();
  const o = observed(d);
  o.images.find((i) => i.resource === 'tools')!.refs = ['someone/else:1'];
  const plan = planStack(emptyStack('shop', d.file), o, { mode: 'destroy' });
  assert.not.ok(plan.nodes.some((n) => n.id === 'image.tools'));
  assert.equal(plan.notes.filter((n) => n.startsWith('image')), ['image tools (built by this stack) is kept: it is tagged someone/else:1 by someone else, no longer shop-tools:latest']);
});

built.run();
