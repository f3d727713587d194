import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { secretDigest } from '../../../core/model/secret.js';
import type { DesiredStack } from '../../../core/model/spec.js';
import { planStack } from '../../../core/plan/plan.js';
import { planToJson } from '../../../core/render/plan-json.js';
import { stack } from '../../../core/stack/define.js';
import { secret } from '../../../core/stack/secret.js';
import { hasSecrets, readSecretValues, sealSecrets } from '../../../core/stack/secret-values.js';
import { containerSpec, desired, desiredStack, emptyEngine, nodeOf, normalize, observed, planText } from '../../fixtures/builders.js';

// Environment variables these tests set and remove; names no real environment uses.
const PG = 'MOOR_UNIT_SECRET_PG';
const API = 'MOOR_UNIT_SECRET_API';

/** Run with the given variables set (undefined: unset), restoring what was there before. */
function withEnv<T>(vars: Record<string, string | undefined>, run: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (vs: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vs)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(vars);
  try {
    return run();
  } finally {
    set(saved);
  }
}

/** A folder for stack files and secret files, removed after `run`. */
function inTempDir<T>(run: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'moor-secrets-'));
  try {
    return run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** db with a password from the environment and a token from a file; api with the same password. */
function secretStack(file?: string): DesiredStack {
  const def = stack('shop', ({ container }) => {
    container('db', { image: 'postgres:16', env: { POSTGRES_PASSWORD: secret(PG), MODE: 'prod', TOKEN: secret({ file: './token.txt' }) } });
    container('api', { image: 'nginx:1.27', env: { DB_PASSWORD: secret({ env: PG }), API_KEY: secret(API) } });
  });
  return file ? desiredStack(def, file) : desiredStack(def);
}

const KEY_A = Buffer.alloc(32, 0xa1);
const KEY_B = Buffer.alloc(32, 0xb2);

const refs = suite('secret(): references in the stack');

refs('normalize keeps a reference with no digest, never a value; plain values stay as they are', () => {
  const d = secretStack();
  assert.equal(containerSpec(d, 'db').env, {
    MODE: 'prod',
    POSTGRES_PASSWORD: { secret: `env:${PG}`, digest: null },
    TOKEN: { secret: 'file:/srv/stacks/token.txt', digest: null },
  });
  assert.equal(containerSpec(d, 'api').env.DB_PASSWORD, { secret: `env:${PG}`, digest: null });
});

refs('a file path is relative to the stack file; an absolute one is kept', () => {
  const d = desiredStack(stack('shop', ({ container }) => {
    container('a', { image: 'nginx', env: { T: secret({ file: '../keys/t' }), U: secret({ file: '/run/keys/u' }) } });
  }), '/srv/stacks/prod/shop.ts');
  assert.equal(containerSpec(d, 'a').env, { T: { secret: 'file:/srv/stacks/keys/t', digest: null }, U: { secret: 'file:/run/keys/u', digest: null } });
});

refs('an env value that is neither a string nor a secret is a diagnostic', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => {
    container('a', { image: 'nginx', env: { T: { secret: 'env:X', digest: null } as never } });
  }));
  // The summary is not checked: zod's union reports "Invalid input", not the schema's "expected a string or secret('NAME')".
  assert.equal(diagnostics.map((x) => [x.severity, x.resource, x.field]), [['error', 'container.a', 'env.T']]);
});

refs('hasSecrets', () => {
  assert.ok(hasSecrets(secretStack()));
  assert.not.ok(hasSecrets(desired('shop', ({ container }) => { container('a', { image: 'nginx', env: { A: 'b' } }); })));
});

refs.run();

const read = suite('readSecretValues');

read('values by reference, each read once however many containers use it', () => {
  inTempDir((dir) => {
    writeFileSync(path.join(dir, 'token.txt'), 't0k3n\n');
    const r = withEnv({ [PG]: 'hunter2', [API]: 'k3y' }, () => readSecretValues(secretStack(path.join(dir, 'shop.ts'))));
    assert.equal(r.diagnostics, []);
    assert.equal([...r.values].sort(), [[`env:${API}`, 'k3y'], [`env:${PG}`, 'hunter2'], [`file:${dir}/token.txt`, 't0k3n']]);
  });
});

read('a file secret loses one trailing newline (echo adds it), nothing else', () => {
  inTempDir((dir) => {
    const file = path.join(dir, 'token.txt');
    const d = desiredStack(stack('shop', ({ container }) => { container('a', { image: 'nginx', env: { T: secret({ file: './token.txt' }) } }); }), path.join(dir, 'shop.ts'));
    for (const [content, value] of [['abc\n', 'abc'], ['abc\r\n', 'abc'], [' abc \n\n', ' abc \n'], ['abc', 'abc']] as const) {
      writeFileSync(file, content);
      assert.is(readSecretValues(d).values.get(`file:${file}`), value, JSON.stringify(content));
    }
  });
});

read('a variable that is not set is an error for every container and field that uses it', () => {
  inTempDir((dir) => {
    writeFileSync(path.join(dir, 'token.txt'), 't0k3n');
    const d = secretStack(path.join(dir, 'shop.ts'));
    const r = withEnv({ [PG]: undefined, [API]: 'k3y' }, () => readSecretValues(d));
    assert.equal(r.diagnostics, [
      {
        severity: 'error', summary: `secret ${PG} is not set (not in the environment, --env-file or .env)`, resource: 'container.db', field: 'env.POSTGRES_PASSWORD',
        location: d.locations['container.db'], detail: `Set it before running moor (export ${PG}=…), or write ${PG}=… in .env beside the stack or in a file given with --env-file.`,
      },
      {
        severity: 'error', summary: `secret ${PG} is not set (not in the environment, --env-file or .env)`, resource: 'container.api', field: 'env.DB_PASSWORD',
        location: d.locations['container.api'], detail: `Set it before running moor (export ${PG}=…), or write ${PG}=… in .env beside the stack or in a file given with --env-file.`,
      },
    ]);
    assert.not.ok(r.values.has(`env:${PG}`));
    assert.is(r.values.get(`env:${API}`), 'k3y');
  });
});

read('a variable set to the empty string is an error too', () => {
  inTempDir((dir) => {
    writeFileSync(path.join(dir, 'token.txt'), 't0k3n');
    const r = withEnv({ [PG]: 'hunter2', [API]: '' }, () => readSecretValues(secretStack(path.join(dir, 'shop.ts'))));
    assert.equal(r.diagnostics.map((x) => [x.resource, x.field, x.summary]), [['container.api', 'env.API_KEY', `secret ${API} is set but empty (in the environment)`]]);
  });
});

read('a missing file and an empty file are errors naming the file', () => {
  inTempDir((dir) => {
    const d = secretStack(path.join(dir, 'shop.ts'));
    const file = path.join(dir, 'token.txt');
    const missing = withEnv({ [PG]: 'hunter2', [API]: 'k3y' }, () => readSecretValues(d));
    assert.equal(missing.diagnostics.map((x) => [x.resource, x.field, x.summary, x.detail]), [[
      'container.db', 'env.TOKEN', `secret file ${file} cannot be read (ENOENT)`, 'Create the file, or point secret({ file }) at the right one.',
    ]]);
    for (const empty of ['', '\n']) {
      writeFileSync(file, empty);
      const r = withEnv({ [PG]: 'hunter2', [API]: 'k3y' }, () => readSecretValues(d));
      assert.equal(r.diagnostics.map((x) => [x.field, x.summary]), [['env.TOKEN', `secret file ${file} is empty`]], JSON.stringify(empty));
    }
  });
});

read.run();

const values = new Map([[`env:${PG}`, 'hunter2'], [`env:${API}`, 'k3y'], ['file:/srv/stacks/token.txt', 't0k3n']]);

const seal = suite('sealSecrets');

seal('every reference gets the keyed hash of its value; plain values and the input are untouched', () => {
  const d = secretStack();
  const before = JSON.stringify(d);
  const sealed = sealSecrets(d, KEY_A, values);
  assert.is(JSON.stringify(d), before);
  assert.equal(containerSpec(sealed, 'db').env, {
    MODE: 'prod',
    POSTGRES_PASSWORD: { secret: `env:${PG}`, digest: secretDigest(KEY_A, 'hunter2') },
    TOKEN: { secret: 'file:/srv/stacks/token.txt', digest: secretDigest(KEY_A, 't0k3n') },
  });
  assert.match(secretDigest(KEY_A, 'hunter2'), /^hmac-sha256:[0-9a-f]{64}$/);
});

seal('the same key and value give the same digest, run after run; another key or value another one', () => {
  const digestOf = (key: Buffer, v: Map<string, string>) => {
    const env = containerSpec(sealSecrets(secretStack(), key, v), 'db').env.POSTGRES_PASSWORD;
    return typeof env === 'object' ? env.digest : null;
  };
  const a = digestOf(KEY_A, values);
  assert.is(digestOf(Buffer.from(KEY_A), new Map(values)), a);
  assert.is.not(digestOf(KEY_B, values), a);
  assert.is.not(digestOf(KEY_A, new Map([...values, [`env:${PG}`, 'hunter3']])), a);
  // The same value under two references hashes the same: the digest is of the value only.
  const api = containerSpec(sealSecrets(secretStack(), KEY_A, values), 'api').env.DB_PASSWORD;
  assert.is(typeof api === 'object' && api.digest, a);
});

seal.run();

const inPlans = suite('secrets in plans');

const sealedWith = (password: string, key = KEY_A) => sealSecrets(secretStack(), key, new Map([...values, [`env:${PG}`, password]]));

/** The plan's text and JSON, for searching. */
const rendered = (plan: ReturnType<typeof planStack>) => [planText(plan), JSON.stringify(planToJson(plan))];

inPlans('an unchanged secret plans nothing', () => {
  const plan = planStack(sealedWith('hunter2'), observed(sealedWith('hunter2')));
  assert.is(planText(plan), 'No changes. The engine matches stack shop.');
});

inPlans('a changed secret replaces the container and reads "(sensitive value changed)", marked sensitive', () => {
  const plan = planStack(sealedWith('hunter3'), observed(sealedWith('hunter2')));
  const db = nodeOf(plan, 'container.db');
  assert.is(db.action, 'replace');
  assert.equal(db.causes, ['env.POSTGRES_PASSWORD changed']);
  assert.equal(db.changes, [{ path: 'env.POSTGRES_PASSWORD', before: '(sensitive)', after: '(sensitive)', forcesReplacement: true, source: 'change', sensitive: true }]);
  assert.is(planText(plan), [
    '  +/- container api  (replace (new container first, then the old one is removed); env.DB_PASSWORD changed)',
    '      ~ env.DB_PASSWORD: (sensitive value changed)  # forces replacement',
    '  +/- container db  (replace (new container first, then the old one is removed); env.POSTGRES_PASSWORD changed)',
    '      ~ env.POSTGRES_PASSWORD: (sensitive value changed)  # forces replacement',
    '',
    'Plan: 0 to create, 0 to update, 2 to replace, 0 to delete.',
  ].join('\n'));
  const json = planToJson(plan).resources as { id: string; changes: Record<string, unknown>[] }[];
  assert.equal(json.find((r) => r.id === 'container.db')!.changes, [
    { path: 'env.POSTGRES_PASSWORD', before: '(sensitive)', after: '(sensitive)', forces_replacement: true, source: 'change', sensitive: true },
  ]);
});

inPlans('neither the values nor their digests appear in plan text or JSON', () => {
  const was = sealedWith('hunter2');
  const now = sealedWith('hunter3');
  const secretsAndDigests = [
    'hunter2', 'hunter3', 't0k3n', 'k3y',
    ...[was, now].flatMap((d) => d.containers.flatMap((c) => Object.values(c.env).flatMap((v) => (typeof v === 'object' && v.digest ? [v.digest, v.digest.slice(12, 24)] : [])))),
  ];
  assert.ok(secretsAndDigests.length > 4);
  const plans = [
    planStack(now, observed(was)),
    planStack(now, emptyEngine('shop')),
    planStack(sealedWith('hunter3', KEY_B), observed(was)),
    planStack({ ...now, containers: [] }, observed(was)),
  ];
  for (const plan of plans) {
    for (const text of rendered(plan)) {
      for (const s of secretsAndDigests) assert.not.ok(text.includes(s), `found ${s} in ${text.slice(0, 200)}…`);
    }
  }
});

inPlans('a plain value becoming a secret shows the old plain value and "(sensitive)", and back', () => {
  const plain = desired('shop', ({ container }) => {
    container('db', { image: 'postgres:16', env: { POSTGRES_PASSWORD: 'changeme', MODE: 'prod', TOKEN: 'plain-token' } });
    container('api', { image: 'nginx:1.27', env: { DB_PASSWORD: 'changeme', API_KEY: 'plain-key' } });
  });
  const toSecret = nodeOf(planStack(sealedWith('hunter2'), observed(plain)), 'container.api');
  assert.equal(toSecret.changes.map((c) => [c.path, c.before, c.after, c.sensitive]), [
    ['env.API_KEY', 'plain-key', '(sensitive)', true],
    ['env.DB_PASSWORD', 'changeme', '(sensitive)', true],
  ]);
  const text = planText(planStack(plain, observed(sealedWith('hunter2'))));
  assert.ok(text.includes('      ~ env.API_KEY: (sensitive) → "plain-key"  # forces replacement\n'), text);
});

inPlans('a secret removed from a container reads "(sensitive)" before, nothing after', () => {
  const was = sealedWith('hunter2');
  const now = { ...was, containers: was.containers.map((c) => (c.name === 'api' ? { ...c, env: { DB_PASSWORD: c.env.DB_PASSWORD! } } : c)) };
  const api = nodeOf(planStack(now, observed(was)), 'container.api');
  assert.equal(api.changes, [{ path: 'env.API_KEY', before: '(sensitive)', after: null, forcesReplacement: true, source: 'change', sensitive: true }]);
  assert.ok(planText(planStack(now, observed(was))).includes('      - env.API_KEY: (sensitive) → (none)  # forces replacement'));
});

inPlans.run();
