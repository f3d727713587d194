import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_CONCURRENCY, parseCommandArgs } from '../../../core/cli/args.js';
import { UsageError } from '../../../core/cli/errors.js';

/** The UsageError message parsing gives, or a failure when it parses. */
function usageError(command: 'plan' | 'apply' | 'destroy', argv: string[]): string {
  try {
    parseCommandArgs(command, argv);
  } catch (e) {
    assert.instance(e, UsageError);
    return (e as Error).message;
  }
  throw new Error(`moor ${command} ${argv.join(' ')} parsed without error`);
}

const parse = suite('parseCommandArgs');

parse('--refresh is the default; --refresh=false turns the deep drift read off; other values are usage errors', () => {
  assert.is(parseCommandArgs('plan', ['s.ts']).refresh, true);
  assert.is(parseCommandArgs('plan', ['s.ts', '--refresh']).refresh, true);
  assert.is(parseCommandArgs('plan', ['s.ts', '--refresh=true']).refresh, true);
  assert.is(parseCommandArgs('apply', ['s.ts', '--refresh=false']).refresh, false);
  assert.is(usageError('plan', ['s.ts', '--refresh=no']), '--refresh takes true or false, e.g. --refresh=false (got "no")');
});

parse('defaults', () => {
  assert.equal(parseCommandArgs('apply', ['stacks/shop.ts']), {
    stackFile: 'stacks/shop.ts', json: false, refresh: true, detailedExitcode: false, yes: false,
    concurrency: DEFAULT_CONCURRENCY, allowDataLoss: false, waitTimeoutMs: 120_000, volumes: false,
    lockTimeoutMs: 60_000, out: null, targets: [], replace: [], migrateVolumes: false, skipChecks: false, inputs: { vars: [], envFiles: [] },
  });
  assert.is(DEFAULT_CONCURRENCY, 4);
});

parse('every flag of each command, in any position', () => {
  assert.equal(parseCommandArgs('plan', ['--json', 'shop.ts', '--refresh', '--detailed-exitcode']), {
    stackFile: 'shop.ts', json: true, refresh: true, detailedExitcode: true, yes: false,
    concurrency: 4, allowDataLoss: false, waitTimeoutMs: 120_000, volumes: false,
    lockTimeoutMs: 60_000, out: null, targets: [], replace: [], migrateVolumes: false, skipChecks: false, inputs: { vars: [], envFiles: [] },
  });
  const saved = parseCommandArgs('plan', ['shop.ts', '--out', 'p.json', '--target', 'web', '--target=container.db', '--replace', 'cache', '--migrate-volumes']);
  assert.equal([saved.out, saved.targets, saved.replace, saved.migrateVolumes], ['p.json', ['web', 'container.db'], ['cache'], true]);
  assert.is(parseCommandArgs('apply', ['shop.ts', '--lock-timeout', '0s']).lockTimeoutMs, 0);
  assert.is(parseCommandArgs('destroy', ['shop.ts', '--lock-timeout=2m', '--target', 'web']).lockTimeoutMs, 120_000);
  const apply = parseCommandArgs('apply', ['shop.ts', '-y', '--concurrency', '8', '--allow-data-loss', '--wait-timeout', '1m30s']);
  assert.equal([apply.yes, apply.concurrency, apply.allowDataLoss, apply.waitTimeoutMs], [true, 8, true, 90_000]);
  const destroy = parseCommandArgs('destroy', ['shop.ts', '--volumes', '--concurrency=2', '--wait-timeout=500ms']);
  assert.equal([destroy.volumes, destroy.concurrency, destroy.waitTimeoutMs], [true, 2, 500]);
  assert.is(parseCommandArgs('plan', ['shop.ts', '--skip-checks']).skipChecks, true);
  assert.is(parseCommandArgs('apply', ['--skip-checks', 'shop.ts']).skipChecks, true);
  assert.equal(['plan', 'apply', 'destroy'].map((c) => parseCommandArgs(c as 'plan', ['shop.ts', '--context', 'prod']).context), ['prod', 'prod', 'prod']);
  assert.is(parseCommandArgs('apply', ['shop.ts']).context, undefined);
  assert.is(usageError('plan', ['shop.ts', '--context=']), '--context takes a docker context name, e.g. --context prod');
});

parse('a flag another command takes is refused by name', () => {
  assert.is(usageError('plan', ['shop.ts', '--yes']), 'moor plan does not take --yes');
  assert.is(usageError('plan', ['shop.ts', '--concurrency', '2']), 'moor plan does not take --concurrency');
  assert.is(usageError('apply', ['shop.ts', '--volumes']), 'moor apply does not take --volumes');
  assert.is(usageError('destroy', ['shop.ts', '--refresh']), 'moor destroy does not take --refresh');
  assert.is(usageError('destroy', ['shop.ts', '--allow-data-loss']), 'moor destroy does not take --allow-data-loss');
  assert.is(usageError('destroy', ['shop.ts', '--skip-checks']), 'moor destroy does not take --skip-checks');
});

parse('an unknown flag is a usage error naming the closest flag, or the flag other tools spell differently', () => {
  assert.is(usageError('plan', ['shop.ts', '--colour']), 'moor plan does not know --colour');
  assert.is(usageError('plan', ['shop.ts', '--detailed-exit']), 'moor plan does not know --detailed-exit; did you mean --detailed-exitcode?');
  assert.is(usageError('apply', ['shop.ts', '--auto-approve']), 'moor apply does not know --auto-approve; did you mean --yes?');
  assert.is(usageError('apply', ['shop.ts', '--concurency', '2']), 'moor apply does not know --concurency; did you mean --concurrency?');
  assert.is(usageError('destroy', ['shop.ts', '--refresh']), 'moor destroy does not take --refresh');
});

parse('--concurrency must be a whole number from 1 to 64', () => {
  for (const bad of ['0', '65', '-1', '1.5', 'four', '']) {
    assert.is(usageError('apply', ['shop.ts', `--concurrency=${bad}`]), '--concurrency must be a whole number from 1 to 64', bad);
  }
  assert.is(parseCommandArgs('apply', ['shop.ts', '--concurrency', '64']).concurrency, 64);
  assert.is(parseCommandArgs('apply', ['shop.ts', '--concurrency', '1']).concurrency, 1);
});

parse('--concurrency takes decimal digits only, not other spellings JavaScript reads as numbers', () => {
  for (const bad of ['0x10', '1e1', ' 8']) {
    assert.is(usageError('apply', ['shop.ts', `--concurrency=${bad}`]), '--concurrency must be a whole number from 1 to 64', bad);
  }
});

parse('--concurrency without a value is a usage error', () => {
  assert.is(usageError('apply', ['shop.ts', '--concurrency']), '--concurrency needs a value');
});

parse('--wait-timeout takes a duration', () => {
  for (const bad of ['30', 'soon', '1d']) {
    assert.is(usageError('apply', ['shop.ts', '--wait-timeout', bad]), '--wait-timeout takes a duration like 0s, 30s or 2m', bad);
  }
});

parse('one stack file; none, or a directory, means moor.ts or stack.ts there', () => {
  assert.is(usageError('destroy', ['a.ts', 'b.ts']), 'moor destroy takes one stack file, e.g. moor destroy stacks/demo.ts (got 2: a.ts b.ts)');
  const dir = mkdtempSync(path.join(tmpdir(), 'moor-args-'));
  const cwd = process.cwd();
  try {
    assert.is(usageError('plan', [dir]), `no stack file in ${dir}: name one (moor plan path/to/stack.ts) or call it moor.ts or stack.ts`);
    writeFileSync(path.join(dir, 'stack.ts'), '');
    assert.is(parseCommandArgs('plan', [dir]).stackFile, path.join(dir, 'stack.ts'));
    writeFileSync(path.join(dir, 'moor.ts'), '');
    assert.is(parseCommandArgs('apply', [dir, '--yes']).stackFile, path.join(dir, 'moor.ts'), 'moor.ts comes first');
    process.chdir(dir);
    assert.is(parseCommandArgs('plan', []).stackFile, 'moor.ts');
    assert.is(parseCommandArgs('plan', ['missing.ts']).stackFile, 'missing.ts', 'a missing file is named by the loader');
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
});

parse('--env, --var (repeatable) and --env-file (repeatable) on plan, apply and destroy', () => {
  for (const command of ['plan', 'apply', 'destroy'] as const) {
    const f = parseCommandArgs(command, ['shop.ts', '--env', 'prod', '--var', 'replicas=3', '--var=domain=a=b', '--env-file', 'a.env', '--env-file=b.env']);
    assert.equal(f.inputs, { env: 'prod', vars: ['replicas=3', 'domain=a=b'], envFiles: ['a.env', 'b.env'] }, command);
  }
  assert.is(usageError('plan', ['shop.ts', '--env', 'Prod']), '--env takes an environment name of lower-case letters, digits, "-" and "_" (it becomes part of the stack\'s name on the engine), e.g. --env prod (got "Prod")');
  assert.is(usageError('plan', ['shop.ts', '--var', 'replicas']), '--var takes name=value, e.g. --var replicas=3 (got "replicas")');
  assert.is(usageError('apply', ['shop.ts', '--var', '=3']), '--var takes name=value, e.g. --var replicas=3 (got "=3")');
  assert.is(usageError('plan', ['shop.ts', '--env']), '--env needs a value');
  assert.match(usageError('plan', ['shop.ts', '--environment', 'prod']), /does not know --environment; did you mean --env/);
});

parse.run();
