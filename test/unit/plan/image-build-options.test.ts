/** Image builds: target and platform (normalized, in the build label, a change rebuilds); secrets refused. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildLabel } from '../../../core/plan/image.js';
import { planStack } from '../../../core/plan/plan.js';
import { LABEL } from '../../../core/model/labels.js';
import { stack } from '../../../core/stack/define.js';
import { secret } from '../../../core/stack/secret.js';
import { desired, nodeOf, normalize, observed } from '../../fixtures/builders.js';

const build = suite('image build: target, platform, secrets');

const withBuild = (b: { target?: string; platform?: string }) => desired('shop', ({ image, container }) => {
  container('web', { image: image('tools', { build: { context: './tools', ...b } }) });
});

build('normalized into the spec only when set; the build label names them only when set', () => {
  const plain = withBuild({}).images[0]!;
  assert.equal(Object.keys(plain.build!).sort(), ['args', 'context', 'contextHash', 'dockerfile']);
  assert.is(buildLabel(plain), '{"dockerfile":"Dockerfile","args":{},"labels":{}}');
  const staged = withBuild({ target: 'prod', platform: 'linux/amd64' }).images[0]!;
  assert.equal([staged.build!.target, staged.build!.platform], ['prod', 'linux/amd64']);
  assert.is(buildLabel(staged), '{"dockerfile":"Dockerfile","args":{},"labels":{},"target":"prod","platform":"linux/amd64"}');
});

build('a changed target rebuilds the image (and replaces its containers), named in the cause', () => {
  const plan = planStack(withBuild({ target: 'prod' }), observed(withBuild({ target: 'dev' })));
  const image = nodeOf(plan, 'image.tools');
  assert.is(image.action, 'replace');
  assert.equal(image.causes, ['rebuild: target changed']);
  assert.is(nodeOf(plan, 'container.web').action, 'replace');
  assert.equal(nodeOf(planStack(withBuild({ platform: 'linux/amd64' }), observed(withBuild({}))), 'image.tools').causes, ['rebuild: platform changed']);
});

build('an image built before target/platform existed (label without them) plans nothing', () => {
  const d = withBuild({});
  const o = observed(d, (s) => ({ ...s, images: s.images.map((i) => ({ ...i, labels: { ...i.labels, 'moor.build': '{"dockerfile":"Dockerfile","args":{},"labels":{}}' } })) }));
  assert.is(nodeOf(planStack(d, o), 'image.tools').action, 'noop');
  assert.ok(o.images[0]!.labels[LABEL.stack]);
});

build('build secrets are refused at plan time naming the image and field; bad target/platform are schema errors', () => {
  const { diagnostics } = normalize(stack('shop', ({ image }) => {
    image('tools', { build: { context: './tools', secrets: { npm: secret('NPM_TOKEN') } } });
    image('other', { build: { context: './tools', target: '-x', platform: 'amd64' } });
  }));
  assert.equal(diagnostics.map((d) => [d.severity, d.resource, d.field]), [
    ['error', 'image.tools', 'build.secrets'], ['error', 'image.other', 'build.target'], ['error', 'image.other', 'build.platform'],
  ]);
  assert.match(diagnostics[0]!.summary, 'build secrets are not supported yet');
  assert.match(diagnostics[0]!.detail!, '/session');
});

build.run();
