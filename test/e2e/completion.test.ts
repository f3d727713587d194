/**
 * moor completion: each shell accepts its script (bash -n, zsh -n, fish -n), and bash, fish and
 * zsh (interactive, in a pseudo-terminal) complete with it for real — commands, a command's flags (the same as its --help lists), a
 * flag's values, stack files, and the container names of a stack file for logs and exec (through
 * `moor __complete resources`, with `moor` on the PATH as users have it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { commandHelp } from '../../core/cli/help.js';
import { MOOR_BIN, newPrefix, REPO, runMoor, show, sweepPrefix, withStack } from './helpers.js';

const prefix = newPrefix();
const completion = suite('e2e: moor completion');
completion.after(() => sweepPrefix(prefix));

const has = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;

completion('each shell accepts its script; bash and fish complete commands, flags, values, stack files and container names', () =>
  withStack(prefix, 'comp', async (s) => {
    s.write(`
  container('web', { image: img, command: ['sleep', '60'] });
  container('worker', { image: img, command: ['sleep', '60'] });
`);
    // `moor` on the PATH, as an installed moor is.
    const bin = path.join(s.dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'moor'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(MOOR_BIN)} "$@"\n`);
    chmodSync(path.join(bin, 'moor'), 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };

    const scripts: Record<string, string> = {};
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await runMoor(['completion', shell]);
      assert.is(r.code, 0, show(r));
      scripts[shell] = path.join(s.dir, `moor.${shell}`);
      writeFileSync(scripts[shell]!, r.stdout);
      if (!has(shell)) throw new Error(`${shell} is not installed (scripts/test.sh installs it)`);
      const check = spawnSync(shell, ['-n', scripts[shell]!], { encoding: 'utf8' });
      assert.is(check.status, 0, `${shell} -n: ${check.stderr}`);
    }

    // bash: the completion function, called as bash would.
    const bash = (line: string) => {
      const words = line.split(' ');
      const out = execFileSync('bash', ['-c', `source ${JSON.stringify(scripts.bash!)}; COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length - 1}; _moor; printf '%s\\n' "\${COMPREPLY[@]}"`], { cwd: REPO, env, encoding: 'utf8' });
      return out.split('\n').filter(Boolean).sort();
    };
    assert.equal(bash('moor l'), ['logs']);
    assert.equal(bash('moor '), ['apply', 'backup', 'completion', 'destroy', 'exec', 'graph', 'help', 'import', 'logs', 'plan', 'ps', 'version']);
    // The flags --help lists.
    const helpFlags = [...new Set([...commandHelp('logs').matchAll(/(?<=^ {2}|, )(--?[\w-]+)/gm)].map((m) => m[1]!))].sort();
    assert.equal(bash('moor logs -'), helpFlags);
    assert.ok(helpFlags.includes('--follow') && helpFlags.includes('-f') && helpFlags.includes('--tail'), helpFlags.join(' '));
    assert.equal(bash('moor graph --format '), ['dot', 'mermaid']);
    assert.equal(bash('moor completion '), ['bash', 'fish', 'zsh']);
    assert.ok(bash(`moor plan ${path.dirname(s.relFile)}/`).includes(s.relFile), 'stack files');
    assert.equal(bash(`moor logs ${s.relFile} w`), ['web', 'worker']);
    assert.equal(bash(`moor exec ${s.relFile} wo`), ['worker']);

    // fish: its own completion engine, asked what it would offer.
    const fish = (line: string) => execFileSync('fish', ['-c', `source ${JSON.stringify(scripts.fish!)}; complete -C ${JSON.stringify(line)}`], { cwd: REPO, env, encoding: 'utf8' })
      .split('\n').filter(Boolean).map((l) => l.split('\t')[0]!).sort();
    assert.equal(fish('moor gr'), ['graph']);
    assert.ok(fish('moor logs --t').includes('--tail'));
    assert.equal(fish('moor graph --format '), ['dot', 'mermaid']);
    assert.ok(fish(`moor logs ${s.relFile} `).includes('worker'), fish(`moor logs ${s.relFile} `).join(' '));

    // zsh: a real interactive zsh in a pseudo-terminal (zsh/zpty), TAB pressed, the line read back.
    writeFileSync(path.join(s.dir, '_moor'), (await runMoor(['completion', 'zsh'])).stdout);
    const lines = [`moor gr`, `moor logs --ta`, `moor graph --format d`, `moor exec ${s.relFile} wo`];
    const driver = [
      'zmodload zsh/zpty',
      `zpty -b z ${JSON.stringify(`PS1="%% " PATH=${bin}:$PATH zsh -f -i`)}`,
      `zpty -w z ${JSON.stringify(`fpath=(${s.dir} $fpath); autoload -U compinit; compinit -u -D; bindkey -e; cd ${REPO}`)}`,
      ...lines.flatMap((l) => [`zpty -n -w z ${JSON.stringify(l)}$'\\t'`, 'sleep 2', `zpty -n -w z $'\\C-aprint -r -- BUF:\\n'`, 'sleep 0.5']),
      'out=""; while zpty -r -t z chunk; do out+=$chunk; done; print -r -- "$out"; zpty -d z',
    ].join('\n');
    const typed = execFileSync('zsh', ['-f', '-c', driver], { cwd: REPO, env, encoding: 'utf8', timeout: 40_000 });
    const completed = [...typed.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').matchAll(/BUF:(.*?)\r?$/gm)].map((m) => m[1]!.trim());
    assert.equal(completed, ['moor graph', 'moor logs --tail', 'moor graph --format dot', `moor exec ${s.relFile} worker`], typed);

    // Unknown shell: a usage error.
    const r = await runMoor(['completion', 'tcsh']);
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, /moor completion takes one shell: bash, zsh, fish/, show(r));
  }, { skipTypecheck: true }));

completion.run();
