import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { collectStack } from '../../../core/stack/collect.js';
import { stack } from '../../../core/stack/define.js';
import { environmentFile, environmentsOf, readEnvSources, resolveParams } from '../../../core/stack/environment.js';
import { readSecretValues } from '../../../core/stack/secret-values.js';
import { secret } from '../../../core/stack/secret.js';
import { normalize } from '../../fixtures/builders.js';

/** A folder holding a stack.ts (never imported here) and the given files; removed after `run`. */
function inDir<T>(files: Record<string, string>, run: (dir: string, stackFile: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'moor-env-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return run(dir, path.join(dir, 'stack.ts'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const defaults = { replicas: 1, domain: 'localhost', debug: false };
const summaries = (ds: { summary: string; location?: { file: string; line?: number }; field?: string }[], dir: string) =>
  ds.map((d) => `${d.location ? `${path.relative(dir, d.location.file)}${d.location.line ? `:${d.location.line}` : ''} ` : ''}${d.field ? `${d.field}: ` : ''}${d.summary}`);

const files = suite('environment files');

files('the file of an environment is <stack file name>.<env>.json beside it', () => {
  assert.is(environmentFile('/x/stack.ts', 'prod'), '/x/stack.prod.json');
  assert.is(environmentFile('/x/moor.ts', 'dev'), '/x/moor.dev.json');
  inDir({ 'stack.ts': '', 'stack.prod.json': '{}', 'stack.dev.json': '{}', 'other.x.json': '{}', 'stack.Bad.json': '{}' }, (_dir, file) => {
    assert.equal(environmentsOf(file), ['dev', 'prod']);
  });
});

files('defaults, then the environment file, then MOOR_PARAM_ variables (.env < --env-file < process env), then --var', () => {
  inDir({
    'stack.prod.json': '{ "replicas": 3, "domain": "shop.example" }',
    '.env': 'MOOR_PARAM_domain=from-dotenv\nMOOR_PARAM_debug=true\n',
    'a.env': 'MOOR_PARAM_domain=from-a\n',
  }, (dir, file) => {
    const run = (inputs: Parameters<typeof resolveParams>[2], env: Record<string, string> = {}) => {
      const { sources, diagnostics } = readEnvSources(file, (inputs.envFiles ?? []).map((f) => path.join(dir, f)), env);
      assert.equal(diagnostics, []);
      const r = resolveParams(defaults, file, inputs, sources);
      assert.equal(r.diagnostics, []);
      return r.values;
    };
    assert.equal(run({}), { replicas: 1, domain: 'from-dotenv', debug: true });
    assert.equal(run({ env: 'prod' }), { replicas: 3, domain: 'from-dotenv', debug: true }, '.env is over the environment file');
    assert.equal(run({ env: 'prod', envFiles: ['a.env'] }), { replicas: 3, domain: 'from-a', debug: true });
    assert.equal(run({ env: 'prod', envFiles: ['a.env'] }, { MOOR_PARAM_domain: 'from-process' }), { replicas: 3, domain: 'from-process', debug: true });
    assert.equal(run({ env: 'prod', envFiles: ['a.env'], vars: ['domain=from-var', 'replicas=5'] }, { MOOR_PARAM_domain: 'from-process' }), { replicas: 5, domain: 'from-var', debug: true });
  });
});

files('unknown and mistyped parameters name the file, key and line; a missing environment lists the others', () => {
  inDir({
    'stack.prod.json': '{\n  "replicas": "3",\n  "domian": "x"\n}\n',
    'stack.dev.json': '[1]',
    'stack.bad.json': '{\n  "replicas": 1,\n}',
    '.env': 'MOOR_PARAM_replicas=three\nMOOR_PARAM_nope=1\n',
  }, (dir, file) => {
    const { sources } = readEnvSources(file, [], { MOOR_PARAM_debug: 'maybe' });
    const got = (inputs: Parameters<typeof resolveParams>[2]) => summaries(resolveParams(defaults, file, inputs, sources).diagnostics, dir);
    assert.equal(got({ env: 'prod', vars: ['replicas=x', 'replcas=2'] }), [
      'stack.prod.json:2 replicas: parameter replicas is a number (its default is 1), not string "3"',
      "stack.prod.json:3 domian: unknown parameter domian; did you mean domain? The stack's parameters: replicas, domain, debug.",
      'MOOR_PARAM_debug: environment variable MOOR_PARAM_debug: parameter debug is a boolean (true or false) (its default is false), not "maybe"',
      ".env:2 MOOR_PARAM_nope: MOOR_PARAM_nope: unknown parameter nope. The stack's parameters: replicas, domain, debug.",
      '.env:1 MOOR_PARAM_replicas: MOOR_PARAM_replicas: parameter replicas is a number (its default is 1), not "three"',
      '--var replicas=x: parameter replicas is a number (its default is 1), not "x"',
      "--var replcas=2: unknown parameter replcas; did you mean replicas? The stack's parameters: replicas, domain, debug.",
    ]);
    assert.equal(got({ env: 'dev' }).slice(0, 1), ['stack.dev.json the environment file must hold a JSON object of parameter values, e.g. { "replicas": 3 }']);
    assert.match(got({ env: 'bad' })[0]!, /^stack\.bad\.json:3 the environment file is not valid JSON: /);
    assert.equal(got({ env: 'stage' })[0], 'stack.ts no environment "stage": stack.stage.json is not beside the stack file');
    assert.equal(resolveParams(defaults, file, { env: 'stage' }, sources).diagnostics[0]!.detail, 'Environments with a file: bad, dev, prod.');
  });
});

files('an unknown MOOR_PARAM_ in the process environment is a warning (another stack\'s, maybe); in a file, an error', () => {
  inDir({ '.env': 'MOOR_PARAM_other=1\n' }, (dir, file) => {
    const { sources } = readEnvSources(file, [], { MOOR_PARAM_elsewhere: 'x', MOOR_PARAM_size: '2' });
    const r = resolveParams({ size: 1 }, file, {}, sources);
    assert.equal(r.values, { size: 2 });
    assert.equal(r.diagnostics.map((d) => [d.severity, summaries([d], dir)[0]]), [
      ['warning', "MOOR_PARAM_elsewhere: environment variable MOOR_PARAM_elsewhere: unknown parameter elsewhere, ignored. The stack's parameters: size."],
      ['error', ".env:1 MOOR_PARAM_other: MOOR_PARAM_other: unknown parameter other. The stack's parameters: size."],
    ]);
  });
});

files('a stack without parameters: any given parameter is unknown, and says how to declare them', () => {
  inDir({ 'stack.prod.json': '{ "replicas": 3 }' }, (dir, file) => {
    const { sources } = readEnvSources(file, [], {});
    assert.equal(summaries(resolveParams({}, file, { env: 'prod' }, sources).diagnostics, dir), [
      'stack.prod.json:1 replicas: unknown parameter replicas. The stack declares no parameters: stack(name, { params: { … } }, build).',
    ]);
    assert.equal(resolveParams({}, file, { env: 'prod2' }, sources).diagnostics.length, 1);
  });
});

const secrets = suite('secret() from .env and --env-file');

secrets('process env > --env-file (the later first) > .env; problems name the file and line, never a value', () => {
  inDir({ '.env': 'A=dot\nB=dot\nC=dot\nD=dot\nEMPTY=\n', 'one.env': 'B=one\nC=one\n', 'two.env': 'C=two\nbroken line s3cr3t\n' }, (dir, file) => {
    const read = readEnvSources(file, [path.join(dir, 'one.env'), path.join(dir, 'two.env'), path.join(dir, 'missing.env')], { D: 'process' });
    assert.equal(summaries(read.diagnostics, dir), ['two.env:2 expected KEY=VALUE', `--env-file ${path.join(dir, 'missing.env')} cannot be read (no such file)`]);
    assert.not.match(JSON.stringify(read.diagnostics), /s3cr3t/);
    assert.equal(['A', 'B', 'C', 'D'].map((k) => read.sources.get(k)?.value), ['dot', 'one', 'two', 'process']);
    assert.equal(read.sources.get('B')?.from, { file: path.join(dir, 'one.env'), line: 1 });
    assert.is(read.sources.get('D')?.from, undefined);

    const d = normalize(stack('s', ({ image, container }) => {
      const img = image('nginx:1.27');
      container('web', { image: img, env: { A: secret('A'), C: secret('C'), E: secret('EMPTY'), M: secret('MISSING_ONE') } });
    }));
    const r = readSecretValues(d.stack, read.sources);
    assert.equal([...r.values.entries()].sort(), [['env:A', 'dot'], ['env:C', 'two']]);
    assert.equal(r.diagnostics.map((x) => `${x.field}: ${x.summary}`), [
      `env.E: secret EMPTY is set but empty (${path.relative(process.cwd(), path.join(dir, '.env'))}:5)`,
      'env.M: secret MISSING_ONE is not set (not in the environment, --env-file or .env)',
    ]);
  });
});

const build = suite('the build function with parameters');

build('receives the values, frozen; handles belong to the stack name it runs as', async () => {
  let seen: unknown;
  const def = stack('shop', { params: { replicas: 1, domain: 'localhost' } }, ({ container, image }, params) => {
    seen = params;
    container('web', { image: image('nginx:1.27'), env: { DOMAIN: params.domain, N: String(params.replicas) } });
  });
  assert.equal(def.params, { replicas: 1, domain: 'localhost' });
  const c = await collectStack(def, '/x/stack.ts', { stackName: 'shop-prod', params: { replicas: 3, domain: 'shop.example' } });
  // Late declarations are counted per process: another suite run in this process may have left some.
  assert.equal(c.diagnostics.filter((d) => !/was declared after the stack's build function had finished/.test(d.summary)), []);
  assert.equal(seen, { replicas: 3, domain: 'shop.example' });
  assert.ok(Object.isFrozen(seen));
  assert.equal(c.declarations.find((x) => x.kind === 'container')?.options, { image: { kind: 'image', name: 'nginx:1.27', stack: 'shop-prod', __moorHandle: true }, env: { DOMAIN: 'shop.example', N: '3' } });
  // Without inputs: the defaults and the stack's own name.
  const plain = await collectStack(def, '/x/stack.ts');
  assert.equal((plain.declarations.find((x) => x.kind === 'container')?.options as { env: unknown }).env, { DOMAIN: 'localhost', N: '1' });
});

build('the old stack(name, build) form has no parameters', () => {
  const def = stack('old', () => undefined);
  assert.equal(def.params, {});
});

files.run();
secrets.run();
build.run();
