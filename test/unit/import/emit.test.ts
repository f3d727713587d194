import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { emitStack, type ImportedStack } from '../../../core/import/emit.js';
import { typecheckStack } from '../../../core/stack/typecheck.js';
import { REPO } from '../../e2e/helpers.js';

const model = (): ImportedStack => ({
  name: 'shop',
  header: ['Imported from docker-compose.yml by moor import compose.', '', 'Left out:', '  docker-compose.yml:3  services.web.x: why */ not'],
  images: [
    { varName: 'app', name: 'app', options: { build: { context: '../app', args: { A: '1' } } } },
    { varName: 'redis', name: 'redis:7', options: {} },
  ],
  networks: [{ varName: 'back-end', name: 'back-end', options: { internal: true } }],
  volumes: [
    { varName: 'data', name: 'data', options: {} },
    { varName: 'cache', name: 'cache', options: { provider: { $call: 'tmpfs', args: [{ size: '64m' }] } } },
  ],
  containers: [
    {
      varName: 'web', name: 'web', comments: ['compose: depends_on db (service_healthy)'],
      options: {
        image: { $ref: 'app' }, dependsOn: [{ container: { $ref: 'db' }, condition: 'healthy' }],
        env: { PASS: { $secret: 'PASS' }, 'A-B': "it's" }, ports: [{ host: 8080, container: 80 }],
        command: ['sh', '-c', 'echo a command long enough to go past the width of one line, so that it is wrapped somewhere'],
      },
    },
    {
      varName: 'db', name: 'db',
      options: { image: { $ref: 'redis' }, mounts: [{ volume: { $ref: 'data' }, target: '/data' }], networks: [{ $ref: 'back-end' }] },
    },
  ],
});

const emit = suite('emitStack');

emit('handles in dependency order, const only for referenced handles, refs/secrets/calls as code', () => {
  const text = emitStack(model());
  assert.match(text, /^\/\*\*\n \* Imported from docker-compose.yml/);
  assert.match(text, /\*\\\/ not/, 'a */ in the report cannot end the comment');
  assert.match(text, /import \{ stack, secret, tmpfs \} from 'moor';/);
  assert.match(text, /export default stack\('shop', \(\{ image, network, volume, container \}\) => \{/);
  assert.match(text, /const redis = image\('redis:7'\);/);
  assert.match(text, /const backEnd = network\('back-end', \{ internal: true \}\);/);
  assert.match(text, /\n  volume\('cache', \{ provider: tmpfs\(\{ size: '64m' \}\) \}\);/, 'unreferenced: no const');
  assert.ok(text.indexOf("container('db'") < text.indexOf("container('web'"), 'db is declared before web, which depends on it');
  assert.match(text, /\n  \/\/ compose: depends_on db \(service_healthy\)\n  container\('web', \{\n    image: app,\n/);
  assert.match(text, /env: \{ PASS: secret\('PASS'\), 'A-B': "it's" \}/);
  assert.match(text, /dependsOn: \[\{ container: db, condition: 'healthy' \}\]/);
  assert.match(text, /networks: \[backEnd\]/);
  for (const line of text.split('\n')) assert.ok(line.length <= 120, `line too long: ${line}`);
});

emit('identifiers: invalid or reserved var names are renamed, references follow', () => {
  const m = model();
  m.containers = [
    { varName: 'container', name: 'container', options: { image: 'x' } },
    { varName: '1st', name: 'first', options: { image: 'x', dependsOn: [{ $ref: 'container' }] } },
    { varName: 'z', name: 'z', options: { image: 'x', dependsOn: [{ $ref: '1st' }] } },
  ];
  const text = emitStack(m);
  assert.match(text, /const container_ = container\('container', \{ image: 'x' \}\);/);
  assert.match(text, /const _1st = container\('first', \{ image: 'x', dependsOn: \[container_\] \}\);/);
  assert.match(text, /dependsOn: \[_1st\]/);
});

emit('a reference to nothing is a bug of the caller', () => {
  const m = model();
  m.containers[0]!.options.image = { $ref: 'nope' };
  assert.throws(() => emitStack(m), /reference to nope/);
});

emit('the generated stack type-checks with moor\'s own check', async () => {
  const dir = path.join(REPO, 'test/.tmp', `emit-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const file = path.join(dir, 'stack.ts');
    writeFileSync(file, emitStack(model()));
    const r = await typecheckStack(file);
    assert.equal(r.diagnostics.map((d) => d.summary), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

emit.run();
