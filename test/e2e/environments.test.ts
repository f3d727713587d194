/**
 * Environments on the real engine: one stack file with parameters, two environment files beside
 * it (stack.dev.json, stack.prod.json) → two stacks on the engine, `<name>-dev` and `<name>-prod`,
 * each with its values, each planning empty after its apply, each destroyed by `--env` (and swept
 * in `finally`). `.env` beside the stack and `--env-file` feed secret() and parameters
 * (MOOR_PARAM_<name>); `--var` overrides one. A mistyped parameter is a diagnostic naming the file
 * and key, and nothing changes. The secrets' values appear in no output and no label.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inspectContainer, newPrefix, REPO, runMoor, show, sweepPrefix, withStack, type RunResult, type TestStack } from './helpers.js';

const prefix = newPrefix();
const test = suite('e2e: environments');
test.after(() => sweepPrefix(prefix));

const TOKEN = `T_TOKEN_${prefix.toUpperCase()}`;
const secretValue = (from: string) => `${from}-s3cr3t-${randomBytes(10).toString('hex')}`;

function source(s: TestStack): string {
  return `import { secret, stack } from 'moor';

export default stack(${JSON.stringify(s.name)}, { params: { greeting: 'hello', size: 1, verbose: false } }, ({ image, container }, params) => {
  const img = image('tools', { build: { context: ${JSON.stringify(s.toolsContext)} } });
  const size: number = params.size;
  container('web', {
    image: img,
    command: ['sleep', '3600'],
    env: { GREETING: params.greeting, SIZE: String(size * 10), VERBOSE: String(params.verbose), TOKEN: secret(${JSON.stringify(TOKEN)}) },
    stopSignal: 'SIGKILL',
    stopTimeout: 0,
  });
});
`;
}

/** The container's environment on the engine, as a record. */
async function envOf(s: TestStack, engineName: string): Promise<Record<string, string>> {
  const c = await inspectContainer(s.engine, engineName);
  assert.ok(c, `container ${engineName} exists`);
  return Object.fromEntries((c.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

/** Everything on the engine labelled moor.stack=<stack>, labels included (for "nothing created" and "no secret in labels"). */
async function labelled(s: TestStack, stackName: string): Promise<{ count: number; labels: string }> {
  const f = JSON.stringify({ label: [`moor.stack=${stackName}`] });
  const [c, n, v, i] = await Promise.all([
    s.engine.request<{ Labels: unknown }[]>('GET', '/containers/json', { query: { all: 1, filters: f } }),
    s.engine.request<{ Labels: unknown }[]>('GET', '/networks', { query: { filters: f } }),
    s.engine.request<{ Volumes: { Labels: unknown }[] | null }>('GET', '/volumes', { query: { filters: f } }),
    s.engine.request<{ Labels: unknown }[]>('GET', '/images/json', { query: { filters: f } }),
  ]);
  const all = [...c, ...n, ...(v.Volumes ?? []), ...i];
  return { count: all.length, labels: JSON.stringify(all.map((x) => x.Labels)) };
}

test('two environment files → two stacks with their values, empty plans after apply; .env, --env-file, --var; secrets never printed', () =>
  withStack(prefix, 'envs', async (s) => {
    const fromDotenv = secretValue('dotenv');
    const fromEnvFile = secretValue('envfile');
    const runs: RunResult[] = [];
    const moor = async (command: 'plan' | 'apply' | 'destroy', ...flags: string[]) => {
      const r = await s.moor(command, ...(command === 'plan' ? [] : ['--yes']), ...flags);
      runs.push(r);
      return r;
    };
    s.writeRaw(source(s));
    writeFileSync(path.join(s.dir, 'stack.dev.json'), '{ "greeting": "hello dev" }\n');
    writeFileSync(path.join(s.dir, 'stack.prod.json'), '{\n  "greeting": "hello prod",\n  "size": 3\n}\n');
    writeFileSync(path.join(s.dir, '.env'), `# beside the stack\n${TOKEN}=${fromDotenv}\nexport MOOR_PARAM_verbose=true\n`);
    const prodEnv = path.join(s.dir, 'prod.env');
    writeFileSync(prodEnv, `${TOKEN}='${fromEnvFile}'\nMOOR_PARAM_greeting="hello from prod.env"\n`);
    const destroyed: RunResult[] = [];
    const dev = `${s.name}-dev`;
    const prod = `${s.name}-prod`;
    try {
      // Mistyped and unknown parameters: diagnostics naming the file, key and line; nothing created.
      writeFileSync(path.join(s.dir, 'stack.broken.json'), '{\n  "size": "big",\n  "greting": "x"\n}\n');
      const broken = await moor('apply', '--env', 'broken');
      assert.is(broken.code, 1, show(broken));
      assert.match(broken.stderr, /stack\.broken\.json:2 size: parameter size is a number \(its default is 1\), not string "big"/, show(broken));
      assert.match(broken.stderr, /stack\.broken\.json:3 greting: unknown parameter greting; did you mean greeting\?/, show(broken));
      assert.match(broken.stderr, /nothing was changed/, show(broken));
      assert.is((await labelled(s, `${s.name}-broken`)).count, 0, 'a refused environment creates nothing');

      const applyDev = await moor('apply', '--env', 'dev');
      assert.is(applyDev.code, 0, show(applyDev));
      const applyProd = await moor('apply', '--env', 'prod', '--env-file', prodEnv);
      assert.is(applyProd.code, 0, show(applyProd));

      // Two stacks, each with its values: dev from its file and .env; prod from its file, prod.env over .env.
      const pick = (e: Record<string, string>) => [e.GREETING, e.SIZE, e.VERBOSE, e.TOKEN];
      assert.equal(pick(await envOf(s, `${dev}-web`)), ['hello dev', '10', 'true', fromDotenv]);
      assert.equal(pick(await envOf(s, `${prod}-web`)), ['hello from prod.env', '30', 'true', fromEnvFile]);
      const devObjects = await labelled(s, dev);
      const prodObjects = await labelled(s, prod);
      assert.is(devObjects.count, 3, 'dev: its image, container and secret key volume, labelled with its stack');
      assert.is(prodObjects.count, 3, 'prod: the same');
      assert.is((await labelled(s, s.name)).count, 0, 'nothing under the name without an environment');

      for (const args of [['--env', 'dev'], ['--env', 'prod', '--env-file', prodEnv]]) {
        const again = await moor('plan', '--detailed-exitcode', ...args);
        assert.is(again.code, 0, show(again));
        assert.match(again.stdout, /No changes\. The engine matches .*stack\.ts in the environment (dev|prod) \(stack t[0-9a-f]+-envs-(dev|prod)\)\./, show(again));
      }
      // --var overrides one parameter for one run; a wrong type is an error naming the flag, nothing changes.
      const bigger = await moor('plan', '--env', 'dev', '--var', 'size=7', '--detailed-exitcode');
      assert.is(bigger.code, 2, show(bigger));
      assert.match(bigger.stdout, /env\.SIZE: "10" → "70"/, show(bigger));
      const badVar = await moor('apply', '--env', 'dev', '--var', 'size=seven');
      assert.is(badVar.code, 1, show(badVar));
      assert.match(badVar.stderr, /--var size=seven: parameter size is a number \(its default is 1\), not "seven"/, show(badVar));
      assert.equal((await envOf(s, `${dev}-web`)).SIZE, '10', 'nothing changed');
      // The backup commands take --env too: they read the environment's stack.
      const jobs = await runMoor(['backup', 'list', s.relFile, '--env', 'prod', '--env-file', prodEnv], { env: { MOOR_CACHE_DIR: path.join(REPO, 'test/.tmp', prefix, 'cache') } });
      runs.push(jobs);
      assert.is(jobs.code, 0, show(jobs));
      assert.is(jobs.stdout.trim(), `stack ${prod} has no backup jobs on the engine`, show(jobs));
      // Without --env: the defaults, under the stack's own name: a stack of its own, to create.
      const plain = await moor('plan', '--detailed-exitcode');
      assert.is(plain.code, 2, show(plain));
      assert.match(plain.stdout, /\+ env\.GREETING: "hello"/, show(plain));
      // A saved plan is of its environment: applying it as another is refused.
      const out = path.join(s.dir, 'prod-plan.json');
      const saved = await moor('plan', '--env', 'prod', '--env-file', prodEnv, '--out', out);
      assert.is(saved.code, 0, show(saved));
      const wrong = await runMoor(['apply', out, '--yes', '--env', 'dev'], { env: { MOOR_CACHE_DIR: path.join(REPO, 'test/.tmp', prefix, 'cache') } });
      runs.push(wrong);
      assert.match(wrong.stderr, /the saved plan .*prod-plan\.json is for the environment "prod" \(stack t[0-9a-f]+-envs-prod\), not "dev"/, show(wrong));
      assert.is(wrong.code, 1, show(wrong));

      for (const r of runs) {
        for (const value of [fromDotenv, fromEnvFile]) {
          assert.not.ok(r.stdout.includes(value) || r.stderr.includes(value), `a secret's value printed by ${r.command}${show(r)}`);
        }
      }
      for (const l of [devObjects.labels, prodObjects.labels]) {
        assert.not.ok(l.includes(fromDotenv) || l.includes(fromEnvFile), 'a secret\'s value in a label');
      }
    } finally {
      // Also after a failure (withStack sweeps whatever a failed destroy leaves); checked below.
      destroyed.push(await moor('destroy', '--env', 'dev'), await moor('destroy', '--env', 'prod', '--env-file', prodEnv));
    }
    for (const d of destroyed) assert.is(d.code, 0, show(d));
    assert.is((await labelled(s, dev)).count + (await labelled(s, prod)).count, 0, 'destroy --env removes each environment\'s stack');
  }));

test.run();
