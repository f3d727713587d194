import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDay2Args } from '../../../core/cli/args.js';
import { splitExecArgv } from '../../../core/cli/commands/exec.js';
import { sinceSeconds } from '../../../core/cli/commands/logs.js';
import { commandFlags } from '../../../core/cli/completion.js';
import { UsageError } from '../../../core/cli/errors.js';
import { HELP } from '../../../core/cli/help.js';
import { looksLikeStackPath, splitStackArg } from '../../../core/cli/stack-target.js';

const args = suite('day-2 command lines');

args('exec: moor\'s arguments end at the container; `--` is optional; the command keeps its flags', () => {
  assert.equal(splitExecArgv(['web', 'sh', '-c', 'exit 7']), { moorArgs: ['web'], cmd: ['sh', '-c', 'exit 7'] });
  assert.equal(splitExecArgv(['stacks/shop.ts', 'web', '--', 'ls', '--help']), { moorArgs: ['stacks/shop.ts', 'web'], cmd: ['ls', '--help'] });
  assert.equal(splitExecArgv(['-u', '1000', '--workdir=/srv', '-T', 'shop.ts', 'db', 'psql']), { moorArgs: ['-u', '1000', '--workdir=/srv', '-T', 'shop.ts', 'db'], cmd: ['psql'] });
  // With --stack, the first positional is the container even when it looks like a path.
  assert.equal(splitExecArgv(['--stack', 'shop', 'web', 'id']), { moorArgs: ['--stack', 'shop', 'web'], cmd: ['id'] });
  assert.equal(splitExecArgv(['--', 'web']), { moorArgs: [], cmd: ['web'] });
  assert.equal(splitExecArgv(['web']), { moorArgs: ['web'], cmd: [] });
});

args('a stack argument is a path; a resource is a name', () => {
  for (const p of ['shop.ts', 'stacks/shop.ts', './', '.', 'infra/', 'x.mts']) assert.ok(looksLikeStackPath(p), p);
  for (const n of ['web', 'db-1', 'container.web']) assert.not.ok(looksLikeStackPath(n), n);
  // A directory here is the stack's only when it holds a stack file.
  const dir = mkdtempSync(path.join(tmpdir(), 'moor-target-'));
  const cwd = process.cwd();
  try {
    process.chdir(dir);
    mkdirSync('web');
    mkdirSync('infra');
    writeFileSync('infra/moor.ts', '');
    assert.not.ok(looksLikeStackPath('web'));
    assert.ok(looksLikeStackPath('infra'));
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(splitStackArg(['shop.ts', 'web', 'db'], undefined), { file: 'shop.ts', rest: ['web', 'db'] });
  assert.equal(splitStackArg(['web', 'db'], undefined), { rest: ['web', 'db'] });
  assert.equal(splitStackArg(['shop.ts'], 'shop'), { rest: ['shop.ts'] });
});

args('--since: durations back from now, dates, Unix seconds; anything else a usage error', () => {
  const now = Date.parse('2026-12-06T05:00:00Z');
  assert.is(sinceSeconds('10m', now), now / 1000 - 600);
  assert.is(sinceSeconds('1h30m', now), now / 1000 - 5400);
  assert.is(sinceSeconds('2026-12-06T04:00:00Z', now), now / 1000 - 3600);
  assert.is(sinceSeconds('1796533974.5', now), 1796533974.5);
  assert.throws(() => sinceSeconds('yesterday', now), (e: unknown) => e instanceof UsageError && /--since takes a duration/.test((e as Error).message));
});

args('each command takes its own flags, with the closest one suggested', () => {
  assert.equal({ ...parseDay2Args('logs', ['-f', '--tail', '5', 'web']).values }, { follow: true, tail: '5' });
  assert.throws(() => parseDay2Args('ps', ['--follow']), /moor ps does not take --follow/);
  assert.throws(() => parseDay2Args('logs', ['--tai', '5']), /moor logs does not know --tai; did you mean --tail\?/);
  assert.throws(() => parseDay2Args('graph', ['--format']), /--format needs a value/);
  assert.throws(() => parseDay2Args('exec', ['--stack=']), /--stack takes a stack name/);
});

args('completion offers exactly the flags --help lists', () => {
  for (const c of ['plan', 'apply', 'destroy', 'ps', 'logs', 'exec', 'graph']) {
    const listed = HELP[c]!.flags.flatMap(([spec]) => [...spec.matchAll(/(?:^|, )(--?[\w-]+)/g)].map((m) => m[1]!));
    const offered = commandFlags(c).flatMap((f) => [f.long && `--${f.long}`, f.short && `-${f.short}`]).filter((x): x is string => !!x);
    assert.equal(offered.filter((f) => f !== '--help' && f !== '-h').sort(), [...new Set(listed)].sort(), c);
  }
  assert.equal(commandFlags('logs').find((f) => f.long === 'tail'), { long: 'tail', short: undefined, value: true, description: 'only the last N lines of each container (or "all")' });
});

args.run();
