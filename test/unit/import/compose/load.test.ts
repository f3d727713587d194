/**
 * The compose loader against the Compose spec's documented behaviour; the fixtures are the spec's
 * own examples (merge.md, interpolation.md, extends.md, profiles.md), written out here.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCompose } from '../../../../core/import/compose/load.js';
import { ComposeError } from '../../../../core/import/compose/types.js';
import { writeProject, yaml } from './helpers.js';

async function load(files: Record<string, string>, names: string[], opts: Parameters<typeof loadCompose>[1] = {}) {
  const p = writeProject(files);
  try {
    const project = await loadCompose(names.map(p.file), { env: {}, ...opts });
    return { project, dir: p.dir, services: project.model.services as Record<string, Record<string, unknown>> };
  } finally {
    p.remove();
  }
}

async function loadError(files: Record<string, string>, names: string[], opts: Parameters<typeof loadCompose>[1] = {}): Promise<string> {
  try {
    await load(files, names, opts);
  } catch (e) {
    assert.instance(e, ComposeError);
    return (e as Error).message;
  }
  throw new Error('expected a ComposeError');
}

const merge = suite('loadCompose: merging files (spec: merge.md)');

merge('mappings are merged: missing keys added, conflicting ones replaced', async () => {
  const { services } = await load({
    'a.yml': yaml`
      services:
        foo:
          image: one
          environment: { key1: value1, key2: value2 }
    `,
    'b.yml': yaml`
      services:
        foo:
          environment: { key2: VALUE, key3: value3 }
    `,
  }, ['a.yml', 'b.yml']);
  assert.equal(services.foo!.environment, { key1: 'value1', key2: 'VALUE', key3: 'value3' });
});

merge('sequences are appended; command and entrypoint are replaced', async () => {
  const { services } = await load({
    'a.yml': 'services:\n  foo:\n    image: x\n    dns: [1.1.1.1]\n    command: ["echo", "foo"]\n    entrypoint: /a\n',
    'b.yml': 'services:\n  foo:\n    dns: [8.8.8.8]\n    command: ["echo", "bar"]\n    entrypoint: [/b]\n',
  }, ['a.yml', 'b.yml']);
  assert.equal(services.foo!.dns, ['1.1.1.1', '8.8.8.8']);
  assert.equal(services.foo!.command, ['echo', 'bar']);
  assert.equal(services.foo!.entrypoint, ['/b']);
});

merge('healthcheck.test is replaced, its other keys merged', async () => {
  const { services } = await load({
    'a.yml': 'services:\n  foo:\n    image: x\n    healthcheck: { test: [CMD, a, b], interval: 5s }\n',
    'b.yml': 'services:\n  foo:\n    healthcheck: { test: [CMD, c], retries: 2 }\n',
  }, ['a.yml', 'b.yml']);
  assert.equal(services.foo!.healthcheck, { test: ['CMD', 'c'], interval: '5s', retries: 2 });
});

merge('unique resources: ports by (ip, target, published, protocol), volumes by target, secrets by target', async () => {
  const { services, project } = await load({
    'a.yml': yaml`
      services:
        foo:
          image: x
          ports: ["8080:80", "9090:90/udp"]
          volumes: ["data:/data", "./a:/conf"]
          secrets: [s1]
    `,
    'b.yml': yaml`
      services:
        foo:
          ports: ["8080:80", "7070:70"]
          volumes: ["other:/data"]
          secrets: [{ source: s2, target: s1 }]
    `,
  }, ['a.yml', 'b.yml']);
  assert.equal(services.foo!.ports, ['8080:80', '9090:90/udp', '7070:70']);
  assert.equal(services.foo!.volumes, ['other:/data', `${project.dir}/a:/conf`]);
  assert.equal(services.foo!.secrets, [{ source: 's2', target: 's1' }]);
  assert.is(project.locs.get('services/foo/volumes/0')!.file, project.files[1]);
  assert.is(project.locs.get('services/foo/ports/2')!.file, project.files[1]);
  assert.is(project.locs.get('services/foo/ports/1')!.file, project.files[0]);
});

merge('environment and labels in list form merge with map form', async () => {
  const { services } = await load({
    'a.yml': 'services:\n  foo:\n    image: x\n    environment: [A=1, B=2]\n    labels: { l1: a }\n',
    'b.yml': 'services:\n  foo:\n    environment: { B: "3" }\n    labels: [l2=b]\n',
  }, ['a.yml', 'b.yml']);
  assert.equal(services.foo!.environment, { A: '1', B: '3' });
  assert.equal(services.foo!.labels, { l1: 'a', l2: 'b' });
});

merge('paths in every file are relative to the first file\'s directory', async () => {
  const { services, dir } = await load({
    'app/compose.yml': 'services:\n  foo:\n    build: .\n',
    'overrides/extra.yml': 'services:\n  foo:\n    volumes: ["./data:/data"]\n',
  }, ['app/compose.yml', 'overrides/extra.yml']);
  assert.equal(services.foo!.build, `${dir}/app`);
  assert.equal(services.foo!.volumes, [`${dir}/app/data:/data`]);
});

const interp = suite('loadCompose: interpolation (spec: interpolation.md)');

interp('every form, .env, the shell winning over .env, $$', async () => {
  const { services } = await load({
    '.env': 'TAG=1.0\nFROM_FILE=file\nSHELL_WINS=file\nEMPTY=\n',
    'compose.yml': yaml`
      services:
        web:
          image: "web:\${TAG}"
          environment:
            A: $FROM_FILE
            B: \${SHELL_WINS}
            C: \${UNSET:-default}
            D: \${EMPTY:-empty-default}
            E: \${EMPTY-set-but-empty}
            F: \${UNSET-unset-default}
            G: \${TAG:+alternative}
            H: \${UNSET:+never}
            I: "$$HOME and $\${TAG}"
            J: \${UNSET:-\${TAG}}
    `,
  }, ['compose.yml'], { env: { SHELL_WINS: 'shell' } });
  assert.is(services.web!.image, 'web:1.0');
  assert.equal(services.web!.environment, {
    A: 'file', B: 'shell', C: 'default', D: 'empty-default', E: '', F: 'unset-default', G: 'alternative', H: '', I: '$HOME and ${TAG}', J: '1.0',
  });
});

interp('required variables: :? fails when unset or empty, ? only when unset — with file:line', async () => {
  const files = (expr: string) => ({ 'compose.yml': `services:\n  web:\n    image: x\n    environment:\n      A: "${expr}"\n` });
  assert.match(await loadError(files('${DB:?set DB first}'), ['compose.yml']), /compose\.yml:5 \(services\.web\.environment\.A\): required variable DB is missing: set DB first/);
  assert.match(await loadError(files('${DB:?}'), ['compose.yml'], { env: { DB: '' } }), /required variable DB is empty/);
  const ok = await load(files('${DB?need it}'), ['compose.yml'], { env: { DB: '' } });
  assert.is((ok.services.web!.environment as Record<string, string>).A, '');
  assert.match(await loadError(files('${DB?need it}'), ['compose.yml']), /required variable DB is missing: need it/);
});

interp('malformed expressions are errors naming the place', async () => {
  assert.match(await loadError({ 'compose.yml': 'services:\n  web:\n    image: "x:${TAG"\n' }, ['compose.yml']), /compose\.yml:3 .*without its \}/);
  assert.match(await loadError({ 'compose.yml': 'services:\n  web:\n    image: "x:${-a}"\n' }, ['compose.yml']), /names no variable/);
});

const anchors = suite('loadCompose: YAML anchors, merge keys, x- extensions');

anchors('<< merge keys and aliases; merged keys are located in the anchor; yes/on stay strings', async () => {
  const { services, project } = await load({
    'compose.yml': yaml`
      x-common: &common
        restart: always
        environment: &env
          FLAG: yes
      services:
        web:
          <<: *common
          image: web
          ports: [80:80]
        worker:
          <<: *common
          restart: "no"
          image: worker
          environment: *env
    `,
  }, ['compose.yml']);
  assert.equal(services.web, { restart: 'always', environment: { FLAG: 'yes' }, image: 'web', ports: ['80:80'] });
  assert.is(services.worker!.restart, 'no');
  assert.equal(project.locs.get('services/web/restart'), { file: project.files[0], line: 2 });
  assert.equal(project.locs.get('services/worker/restart'), { file: project.files[0], line: 12 });
});

anchors('invalid YAML is an error with file:line', async () => {
  assert.match(await loadError({ 'compose.yml': 'services:\n  web:\n    image: [x\n' }, ['compose.yml']), /compose\.yml:\d+: invalid YAML/);
  assert.match(await loadError({ 'compose.yml': 'services:\n  web: {}\n  web: {}\n' }, ['compose.yml']), /invalid YAML/);
});

const ext = suite('loadCompose: extends (spec: extends.md)');

ext('same file and another file; the other file\'s paths stay relative to it; the service wins', async () => {
  const { services, dir, project } = await load({
    'compose.yml': yaml`
      services:
        web:
          extends: { file: common/base.yml, service: webapp }
          environment: { DEBUG: "1" }
        worker:
          extends: web
          command: work
    `,
    'common/base.yml': yaml`
      services:
        webapp:
          build: .
          environment: { CONFIG_FILE_PATH: /code/config, DEBUG: "0" }
          volumes: ["./conf:/conf"]
    `,
  }, ['compose.yml']);
  assert.equal(services.web, { build: `${dir}/common`, environment: { CONFIG_FILE_PATH: '/code/config', DEBUG: '1' }, volumes: [`${dir}/common/conf:/conf`] });
  assert.equal(services.worker!.command, 'work');
  assert.equal(services.worker!.environment, { CONFIG_FILE_PATH: '/code/config', DEBUG: '1' });
  assert.ok(project.locs.get('services/web/volumes')!.file.endsWith('common/base.yml'), 'inherited keys are located in the base file');
  assert.ok(project.locs.get('services/web/environment/DEBUG')!.file.endsWith('compose.yml'));
});

ext('a cycle and a missing base are errors', async () => {
  assert.match(await loadError({ 'compose.yml': 'services:\n  a:\n    extends: b\n  b:\n    extends: a\n' }, ['compose.yml']), /extends makes a cycle: a → b → a/);
  assert.match(await loadError({ 'compose.yml': 'services:\n  a:\n    extends: nope\n' }, ['compose.yml']), /compose\.yml:3: extends names service "nope"/);
});

const prof = suite('loadCompose: profiles (spec: profiles.md)');

prof('services with profiles are left out unless enabled (--profile or COMPOSE_PROFILES)', async () => {
  const files = {
    'compose.yml': yaml`
      services:
        frontend: { image: frontend, profiles: [frontend] }
        phpmyadmin: { image: phpmyadmin, depends_on: [db], profiles: [debug] }
        backend: { image: backend }
        db: { image: mysql }
    `,
  };
  const none = await load(files, ['compose.yml']);
  assert.equal(Object.keys(none.services), ['backend', 'db']);
  assert.equal(none.project.disabled.map((d) => `${d.name}:${d.profiles}:${d.loc?.line}`), ['frontend:frontend:2', 'phpmyadmin:debug:3']);
  const debug = await load(files, ['compose.yml'], { profiles: ['debug'] });
  assert.equal(Object.keys(debug.services), ['phpmyadmin', 'backend', 'db']);
  const env = await load(files, ['compose.yml'], { env: { COMPOSE_PROFILES: 'frontend,debug' } });
  assert.equal(Object.keys(env.services).length, 4);
});

const inc = suite('loadCompose: include (spec: include.md)');

inc('an included application brings its resources, its paths relative to its own directory, its own .env', async () => {
  const { services, dir, project } = await load({
    'compose.yaml': yaml`
      include:
        - infra/my-compose-include.yaml
      services:
        serviceA:
          build: .
          depends_on:
            - serviceB
    `,
    'infra/my-compose-include.yaml': yaml`
      services:
        serviceB:
          build: ./b
          image: "b:\${B_TAG}"
      volumes:
        data: {}
    `,
    'infra/.env': 'B_TAG=7\n',
  }, ['compose.yaml']);
  assert.equal(Object.keys(services), ['serviceA', 'serviceB']);
  assert.is(services.serviceB!.build, `${dir}/infra/b`);
  assert.is(services.serviceB!.image, 'b:7');
  assert.ok((project.model.volumes as Record<string, unknown>).data !== undefined);
  assert.ok(project.locs.get('services/serviceB')!.file.endsWith('infra/my-compose-include.yaml'));
});

inc('a resource defined twice is an error; so is an include cycle', async () => {
  assert.match(await loadError({
    'compose.yaml': 'include: [other.yaml]\nservices:\n  a: { image: x }\n',
    'other.yaml': 'services:\n  a: { image: y }\n',
  }, ['compose.yaml']), /compose\.yaml:1: services\.a from other\.yaml is already defined/);
  assert.match(await loadError({
    'compose.yaml': 'include: [other.yaml]\nservices:\n  a: { image: x }\n',
    'other.yaml': 'include: [compose.yaml]\n',
  }, ['compose.yaml']), /include makes a cycle/);
});

merge.run();
inc.run();
interp.run();
anchors.run();
ext.run();
prof.run();
