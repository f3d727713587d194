/** Image builds: target, platform and secrets (normalized as references, in the build label, a change rebuilds; values read apart). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildLabel } from '../../../core/plan/image.js';
import { planStack } from '../../../core/plan/plan.js';
import { LABEL } from '../../../core/model/labels.js';
import { stack } from '../../../core/stack/define.js';
import { secret } from '../../../core/stack/secret.js';
import { readSecretValues } from '../../../core/stack/secret-values.js';
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

const withSecrets = (secrets: Record<string, ReturnType<typeof secret>>) => desired('shop', ({ image, container }) => {
  container('web', { image: image('tools', { build: { context: './tools', secrets } }) });
});

build('build secrets are kept as references (never values), sorted; the build label names them, so a different secret rebuilds', () => {
  const d = withSecrets({ pip: secret({ file: './pip.conf' }), npm: secret('NPM_TOKEN') });
  assert.equal(d.images[0]!.build!.secrets, { npm: 'env:NPM_TOKEN', pip: 'file:/srv/stacks/pip.conf' });
  assert.match(buildLabel(d.images[0]!), '"secrets":{"npm":"env:NPM_TOKEN","pip":"file:/srv/stacks/pip.conf"}');
  const plan = planStack(withSecrets({ npm: secret('NPM_TOKEN_2') }), observed(withSecrets({ npm: secret('NPM_TOKEN') })));
  assert.equal(nodeOf(plan, 'image.tools').causes, ['rebuild: build secrets changed']);
});

build('the values are read when moor runs, keyed by reference; a missing one is a diagnostic on build.secrets.<id>', () => {
  const d = withSecrets({ npm: secret('MOOR_TEST_BUILD_SECRET') });
  process.env.MOOR_TEST_BUILD_SECRET = 'tok-123';
  try {
    assert.equal([...readSecretValues(d).values], [['env:MOOR_TEST_BUILD_SECRET', 'tok-123']]);
    assert.not.match(JSON.stringify(d), 'tok-123');
  } finally {
    delete process.env.MOOR_TEST_BUILD_SECRET;
  }
  const missing = readSecretValues(d).diagnostics;
  assert.equal(missing.map((x) => [x.severity, x.resource, x.field, x.summary]), [['error', 'image.tools', 'build.secrets.npm', 'secret MOOR_TEST_BUILD_SECRET is not set (not in the environment, --env-file or .env)']]);
});

build('bad target, platform and secret ids are schema errors naming the field', () => {
  const { diagnostics } = normalize(stack('shop', ({ image }) => {
    image('other', { build: { context: './tools', target: '-x', platform: 'amd64', secrets: { 'a b': secret('X') } } });
  }));
  assert.equal(diagnostics.map((d) => [d.severity, d.resource, d.field]), [
    ['error', 'image.other', 'build.target'], ['error', 'image.other', 'build.platform'], ['error', 'image.other', 'build.secrets["a b"]'],
  ]);
});

build.run();
