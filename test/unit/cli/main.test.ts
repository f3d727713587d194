import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { main, reportError } from '../../../core/cli/main.js';
import { EngineError } from '../../../core/engine/errors.js';
import { LockTimeoutError } from '../../../core/lock/stack-lock.js';
import { CycleError } from '../../../core/graph.js';
import { MoorError } from '../../../core/errors.js';
import { plainStyle } from '../../../core/render/style.js';
import type { Output } from '../../../core/cli/output.js';

function capture(): Output & { text: () => string } {
  const lines: string[] = [];
  return { out: (t) => lines.push(t), err: (t) => lines.push(t), style: plainStyle, interactive: false, text: () => lines.join('\n') };
}

const report = suite('reportError');

report('an error that is the user\'s or the engine\'s: its message, no stack, exit 1', () => {
  for (const e of [new EngineError(409, 'conflict', 'POST /containers/create'), new CycleError(['a', 'b', 'a'])]) {
    assert.instance(e, MoorError);
    const io = capture();
    assert.is(reportError(e, io), 1);
    assert.ok(io.text().startsWith('error: '), io.text());
    assert.not.match(io.text(), /    at /);
    assert.not.match(io.text(), /bug in moor/);
  }
});

report('every error class moor throws on purpose is a MoorError', () => {
  assert.instance(new LockTimeoutError('s', 'unix:///var/run/docker.sock', undefined, 1000), MoorError);
});

report('anything else is a bug in moor: said so, with its stack', () => {
  const io = capture();
  assert.is(reportError(new TypeError("Cannot read properties of undefined (reading 'x')"), io), 1);
  assert.match(io.text(), /^internal error: Cannot read properties/);
  assert.match(io.text(), /This is a bug in moor/);
  assert.match(io.text(), /    at /);
});

report.run();

const dispatch = suite('main: help, versions, unknown commands');

dispatch('every command and backup subcommand has --help with usage, flags and an example, without loading the command', async () => {
  for (const argv of [['plan', '--help'], ['apply', '-h'], ['destroy', '--help'], ['backup', '--help'], ['backup', 'run', '--help'], ['backup', 'restore', '-h'], ['help', 'plan'], ['version', '--help'],
    ['ps', '--help'], ['logs', '-h'], ['exec', '--help'], ['graph', '--help'], ['completion', '--help'], ['help', 'logs']]) {
    const io = capture();
    assert.is(await main(argv, io), 0, argv.join(' '));
    assert.match(io.text(), /^Usage:\n  moor /, argv.join(' '));
    assert.match(io.text(), /Examples:\n  moor /, argv.join(' '));
    assert.match(io.text(), /Exit codes: /, argv.join(' '));
  }
});

dispatch('an unknown command suggests the closest one', async () => {
  const io = capture();
  assert.is(await main(['aply'], io), 1);
  assert.match(io.text(), /^error: unknown command "aply"; did you mean apply\?/);
});

dispatch('under --json an error is one JSON object on stdout, human text on stderr', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Output = { out: (t) => out.push(t), err: (t) => err.push(t), style: plainStyle, interactive: false, json: true };
  assert.is(await main(['plan', '--bogus', '--json'], io), 1);
  assert.is(out.length, 1);
  assert.equal(JSON.parse(out[0]!), { type: 'error', message: 'moor plan does not know --bogus', kind: 'usage', exit_code: 1, diagnostics: [] });
  assert.match(err.join('\n'), /^error: moor plan does not know --bogus/);
});

dispatch.run();
