/** `moor import compose` through main(): files written, exit codes 0/3/1, errors without stack traces, help. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { main } from '../../../core/cli/main.js';
import { plainStyle } from '../../../core/render/style.js';
import type { Output } from '../../../core/cli/output.js';
import { writeProject } from '../import/compose/helpers.js';

function capture(): Output & { out_: string[]; err_: string[] } {
  const out_: string[] = [];
  const err_: string[] = [];
  return { out: (t) => out_.push(t), err: (t) => err_.push(t), style: plainStyle, interactive: false, out_, err_ };
}

const cli = suite('moor import compose');

cli('writes the stack; exit 0 when everything is mapped, 3 when something is left out; refuses to overwrite', async () => {
  const p = writeProject({
    'compose.yml': 'services:\n  web:\n    image: nginx\n    ports: ["8080:80"]\n',
    'partial.yml': 'services:\n  web:\n    image: nginx\n    container_name: web\n',
  });
  try {
    const io = capture();
    assert.is(await main(['import', 'compose', p.file('compose.yml'), '-o', p.file('out/stack.ts')], io), 0, io.err_.join('\n'));
    assert.match(readFileSync(p.file('out/stack.ts'), 'utf8'), /container\('web', \{/);
    assert.match(io.out_.join('\n'), /Left out: nothing/);

    const again = capture();
    assert.is(await main(['import', 'compose', p.file('compose.yml'), '-o', p.file('out/stack.ts')], again), 1);
    assert.match(again.err_.join('\n'), /exists: choose another file with -o, or overwrite it with --force/);

    const partial = capture();
    assert.is(await main(['import', 'compose', p.file('partial.yml'), '-o', p.file('out/stack.ts'), '--force'], partial), 3);
    assert.match(partial.out_.join('\n'), /partial\.yml:4 +services\.web\.container_name: moor names every container/);
    assert.match(readFileSync(p.file('out/stack.ts'), 'utf8'), /\* Left out \(1\)/);

    const stdout = capture();
    assert.is(await main(['import', 'compose', p.file('compose.yml'), '-o', '-'], stdout), 0);
    assert.match(stdout.out_.join('\n'), /^\/\*\*/, 'the stack on stdout');
    assert.match(stdout.err_.join('\n'), /Left out: nothing/, 'the report on stderr');
  } finally {
    p.remove();
  }
});

cli('user errors: a message naming file:line, no stack trace, exit 1, nothing written', async () => {
  const p = writeProject({ 'compose.yml': 'services:\n  web:\n    image: "nginx:${TAG:?set TAG}"\n' });
  try {
    for (const [args, message] of [
      [[p.file('compose.yml')], /compose\.yml:3 \(services\.web\.image\): required variable TAG is missing: set TAG/],
      [[p.file('nope.yml')], /compose file not found: .*nope\.yml/],
      [['--bogus'], /Unknown option '--bogus'/],
    ] as const) {
      const io = capture();
      assert.is(await main(['import', 'compose', ...args, '-o', p.file('stack.ts')], io), 1);
      const text = io.err_.join('\n');
      assert.match(text, message);
      assert.not.match(text, /    at |bug in moor/);
      assert.not.ok(existsSync(p.file('stack.ts')));
    }
    const io = capture();
    assert.is(await main(['import', 'kubernetes'], io), 1);
    assert.match(io.err_.join('\n'), /unknown import source "kubernetes"/);
  } finally {
    p.remove();
  }
});

cli('without files: compose.yaml or docker-compose.yml and its override in the current directory', async () => {
  const p = writeProject({
    'docker-compose.yml': 'services:\n  web:\n    image: a\n',
    'docker-compose.override.yml': 'services:\n  web:\n    image: b\n',
  });
  const cwd = process.cwd();
  try {
    process.chdir(p.dir);
    const io = capture();
    assert.is(await main(['import', 'compose', '-o', '-'], io), 0, io.err_.join('\n'));
    assert.match(io.out_.join('\n'), /image: 'b'/);
  } finally {
    process.chdir(cwd);
    p.remove();
  }
});

cli('help: moor import compose --help, moor help import compose', async () => {
  for (const argv of [['import', 'compose', '--help'], ['help', 'import', 'compose']]) {
    const io = capture();
    assert.is(await main(argv, io), 0);
    assert.match(io.out_.join('\n'), /moor import compose \[docker-compose\.yml …\] \[-o stack\.ts\]/);
    assert.match(io.out_.join('\n'), /--secret-env NAME/);
  }
});

cli('shell completion offers the import subcommands\' flags', async () => {
  const { commandFlags } = await import('../../../core/cli/completion.js');
  const offered = commandFlags('import').map((f) => [f.long, f.short, f.value]);
  for (const f of [['out', 'o', true], ['name', undefined, true], ['secret-env', undefined, true], ['profile', undefined, true], ['force', undefined, false]]) {
    assert.ok(offered.some((o) => JSON.stringify(o) === JSON.stringify(f)), `${JSON.stringify(f)} in ${JSON.stringify(offered)}`);
  }
});

cli.run();
