/**
 * Secrets on the real engine: `secret('NAME')` and `secret({ file })` put the real value into the
 * container's environment and nowhere else — not in plan text, `plan --json`, a saved plan, apply
 * or destroy output, nor in any label of any engine object of the stack. A changed value is
 * planned as "(sensitive value changed)"; a missing one is a diagnostic naming file:line, the
 * container and the field, and nothing is created.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { newPrefix, REPO, runMoor, show, sweepPrefix, withStack, type RunResult, type TestStack } from './helpers.js';

const prefix = newPrefix();
const secrets = suite('e2e: secrets');
secrets.after(() => sweepPrefix(prefix));

const VAR = `T_SECRET_${prefix.toUpperCase()}`;

/** A stack whose db gets DB_PASSWORD from `source` (a secret(...) expression), with a network and a volume. */
function secretStack(s: TestStack, source: string, mode = 'one'): string {
  return `import { stack, secret } from 'moor';

export default stack(${JSON.stringify(s.name)}, ({ image, network, volume, container }) => {
  const img = image('tools', { build: { context: ${JSON.stringify(s.toolsContext)} } });
  const net = network('backend');
  const data = volume('data');
  container('db', {
    image: img,
    command: ['sleep', '3600'],
    env: { DB_PASSWORD: ${source}, MODE: ${JSON.stringify(mode)} },
    networks: [net],
    mounts: [{ volume: data, target: '/data' }],
    stopSignal: 'SIGKILL',
    stopTimeout: 0,
  });
  container('web', { image: img, command: ['sleep', '3600'], networks: [net], stopSignal: 'SIGKILL', stopTimeout: 0 });
});
`;
}

const newValue = () => `s3cr3t-${randomBytes(12).toString('hex')}`;

/** moor with the stack's cache and `env` (the secret's value, or nothing). */
function moor(s: TestStack, args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  return runMoor([args[0]!, s.relFile, ...args.slice(1)], { env: { MOOR_CACHE_DIR: path.join(REPO, 'test/.tmp', prefix, 'cache'), [VAR]: undefined, ...env } });
}

/** The value in any form a careless encoder could leave it: as is, base64, hex. */
function assertAbsent(text: string, value: string, where: string): void {
  for (const form of [value, Buffer.from(value).toString('base64').replace(/=+$/, ''), Buffer.from(value).toString('hex')]) {
    assert.not.ok(text.includes(form), `the secret appears in ${where}:\n${text}`);
  }
}

function assertAbsentFromRun(r: RunResult, value: string): void {
  assertAbsent(r.stdout, value, `the stdout of ${r.command}`);
  assertAbsent(r.stderr, value, `the stderr of ${r.command}`);
}

/** Every label of every object of the stack (containers, networks, volumes incl. moor's own, images), and everything inspect shows but the env. */
async function assertAbsentFromEngine(s: TestStack, value: string): Promise<void> {
  const l = await s.labelled();
  assert.ok(l.volumes.some((v) => v.name === `${s.name}.moor-key`), `the key volume is there: ${l.volumes.map((v) => v.name)}`);
  assert.ok(l.containers.length === 2 && l.networks.length === 1 && l.images.length === 1, JSON.stringify(l));
  assertAbsent(JSON.stringify(l), value, 'the labels of the stack\'s engine objects');
  for (const c of l.containers) {
    const info = await s.engine.request<{ Config: { Env: string[] | null } }>('GET', `/containers/${c.id}/json`);
    const withoutEnv = { ...info, Config: { ...info.Config, Env: null } };
    assertAbsent(JSON.stringify(withoutEnv), value, `the inspect output of ${c.name} (outside Config.Env)`);
  }
  for (const v of l.volumes) assertAbsent(JSON.stringify(await s.engine.request('GET', `/volumes/${encodeURIComponent(v.name)}`)), value, `volume ${v.name}`);
  for (const n of l.networks) assertAbsent(JSON.stringify(await s.engine.request('GET', `/networks/${n.id}`)), value, `network ${n.name}`);
  for (const i of l.images) assertAbsent(JSON.stringify(await s.engine.request('GET', `/images/${i.id}/json`)), value, `image ${i.name}`);
}

async function dbEnv(s: TestStack): Promise<string[]> {
  return (await s.container('db'))?.Config.Env ?? [];
}

secrets('a secret from the environment reaches the container and nothing else; a new value is planned as changed', () =>
  withStack(prefix, 'env', async (s) => {
    const value = newValue();
    s.writeRaw(secretStack(s, `secret(${JSON.stringify(VAR)})`));

    const plan = await moor(s, ['plan'], { [VAR]: value });
    assert.is(plan.code, 0, show(plan));
    assertAbsentFromRun(plan, value);
    const json = await moor(s, ['plan', '--json'], { [VAR]: value });
    assert.is(json.code, 0, show(json));
    assertAbsentFromRun(json, value);
    const out = path.join(s.dir, 'plan.json');
    const saved = await moor(s, ['plan', '--out', path.relative(REPO, out)], { [VAR]: value });
    assert.is(saved.code, 0, show(saved));
    assertAbsentFromRun(saved, value);
    assertAbsent(readFileSync(out, 'utf8'), value, 'the saved plan');

    const applied = await moor(s, ['apply', '--yes'], { [VAR]: value });
    assert.is(applied.code, 0, show(applied));
    assertAbsentFromRun(applied, value);
    assert.ok((await dbEnv(s)).includes(`DB_PASSWORD=${value}`), `db env: ${await dbEnv(s)}`);
    assert.ok((await dbEnv(s)).includes('MODE=one'));
    await assertAbsentFromEngine(s, value);
    const same = await moor(s, ['plan', '--detailed-exitcode'], { [VAR]: value });
    assert.is(same.code, 0, `the same value: no changes${show(same)}`);

    // Another value: a replacement shown without either value.
    const next = newValue();
    const changed = await moor(s, ['plan', '--detailed-exitcode'], { [VAR]: next });
    assert.is(changed.code, 2, show(changed));
    assert.match(changed.stdout, /~ env\.DB_PASSWORD: \(sensitive value changed\)\s+# forces replacement/, show(changed));
    assert.match(changed.stdout, /Plan: 0 to create, 0 to update, 1 to replace, 0 to delete\./, show(changed));
    assertAbsentFromRun(changed, value);
    assertAbsentFromRun(changed, next);
    const reapplied = await moor(s, ['apply', '--yes'], { [VAR]: next });
    assert.is(reapplied.code, 0, show(reapplied));
    assertAbsentFromRun(reapplied, value);
    assertAbsentFromRun(reapplied, next);
    assert.ok((await dbEnv(s)).includes(`DB_PASSWORD=${next}`), `db env: ${await dbEnv(s)}`);
    await assertAbsentFromEngine(s, next);
    await assertAbsentFromEngine(s, value);

    // destroy needs no secret value, and shows none.
    const destroyed = await moor(s, ['destroy', '--yes', '--volumes']);
    assert.is(destroyed.code, 0, show(destroyed));
    assertAbsentFromRun(destroyed, next);
    assert.is(await s.labelledCount(), 0, 'everything is gone, the key volume too');
  }));

secrets('a secret from a file works the same; its trailing newline is not part of it', () =>
  withStack(prefix, 'file', async (s) => {
    const value = newValue();
    writeFileSync(path.join(s.dir, 'db.pass'), `${value}\n`, { mode: 0o600 });
    s.writeRaw(secretStack(s, `secret({ file: './db.pass' })`));

    const out = path.join(s.dir, 'plan.json');
    const plan = await moor(s, ['plan', '--out', path.relative(REPO, out)], { MOOR_SKIP_TYPECHECK: '1' });
    assert.is(plan.code, 0, show(plan));
    assertAbsentFromRun(plan, value);
    assertAbsent(readFileSync(out, 'utf8'), value, 'the saved plan');
    const applied = await runMoor(['apply', path.relative(REPO, out), '--yes']);
    assert.is(applied.code, 0, show(applied));
    assertAbsentFromRun(applied, value);
    assert.ok((await dbEnv(s)).includes(`DB_PASSWORD=${value}`), `db env: ${await dbEnv(s)}`);
    await assertAbsentFromEngine(s, value);

    const next = newValue();
    writeFileSync(path.join(s.dir, 'db.pass'), next);
    const changed = await moor(s, ['plan'], { MOOR_SKIP_TYPECHECK: '1' });
    assert.match(changed.stdout, /env\.DB_PASSWORD: \(sensitive value changed\)/, show(changed));
    assertAbsentFromRun(changed, next);
    assertAbsentFromRun(changed, value);
  }));

secrets('a missing secret is a diagnostic naming file:line, container and field; nothing is created', () =>
  withStack(prefix, 'missing', async (s) => {
    const source = secretStack(s, `secret(${JSON.stringify(VAR)})`);
    s.writeRaw(source);
    const line = source.split('\n').findIndex((l) => l.includes("container('db'")) + 1;
    const where = `${s.relFile}:${line}:3 container.db › env.DB_PASSWORD`;
    for (const args of [['plan'], ['apply', '--yes']]) {
      const r = await moor(s, args, { MOOR_SKIP_TYPECHECK: '1' });
      assert.is(r.code, 1, show(r));
      assert.ok(r.stderr.includes(`${where}: secret ${VAR} is not set (not in the environment, --env-file or .env)`), show(r));
      assert.match(r.stderr, new RegExp(`export ${VAR}=`), show(r));
    }
    const empty = await moor(s, ['apply', '--yes'], { MOOR_SKIP_TYPECHECK: '1', [VAR]: '' });
    assert.is(empty.code, 1, show(empty));
    assert.ok(empty.stderr.includes(`${where}: secret ${VAR} is set but empty`), show(empty));

    s.writeRaw(secretStack(s, `secret({ file: './nothere.pass' })`));
    const file = await moor(s, ['apply', '--yes'], { MOOR_SKIP_TYPECHECK: '1' });
    assert.is(file.code, 1, show(file));
    assert.ok(file.stderr.includes(`${where}: secret file ${path.join(s.dir, 'nothere.pass')} cannot be read (ENOENT)`), show(file));
    assert.is(await s.labelledCount(), 0, 'nothing was created');
  }));

secrets.run();
