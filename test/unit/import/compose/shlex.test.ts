import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ShlexError, splitShellWords } from '../../../../core/import/compose/shlex.js';
import { parseDotenv } from '../../../../core/import/compose/dotenv.js';
import { ComposeError } from '../../../../core/import/compose/types.js';

const words = suite('splitShellWords: a string command as compose splits it');

words('blanks, single and double quotes, backslashes; no expansion', () => {
  assert.equal(splitShellWords('bundle exec thin -p 3000'), ['bundle', 'exec', 'thin', '-p', '3000']);
  assert.equal(splitShellWords(`sh -c 'echo "hi there" && sleep 1'`), ['sh', '-c', 'echo "hi there" && sleep 1']);
  assert.equal(splitShellWords('echo "a \\"b\\" \\$HOME $HOME \\n"'), ['echo', 'a "b" $HOME $HOME \\n']);
  assert.equal(splitShellWords('a\\ b c'), ['a b', 'c']);
  assert.equal(splitShellWords("it''s \"\" ''"), ['its', '', '']);
  assert.equal(splitShellWords('  lots   of\tspace\n'), ['lots', 'of', 'space']);
  assert.equal(splitShellWords('echo # not a comment'), ['echo', '#', 'not', 'a', 'comment']);
});

words('an unclosed quote is an error', () => {
  assert.throws(() => splitShellWords("echo 'oops"), (e: unknown) => e instanceof ShlexError);
  assert.throws(() => splitShellWords('echo "oops'), (e: unknown) => e instanceof ShlexError);
});

const dotenv = suite('parseDotenv: compose\'s .env syntax');

dotenv('KEY=VALUE, export, comments, quotes, escapes, references to earlier keys and the environment', () => {
  const vars = parseDotenv([
    '# a comment', '', 'export A=1', 'B = two words # comment', "C='${A} literal'", 'D="line\\nbreak ${A}"', 'E=${A}-${OUTER}', 'F=', 'OUTER', 'G="multi', 'line"',
  ].join('\n'), '.env', (n) => (n === 'OUTER' ? 'out' : undefined));
  assert.equal(Object.fromEntries(vars), { A: '1', B: 'two words', C: '${A} literal', D: 'line\nbreak 1', E: '1-out', F: '', OUTER: 'out', G: 'multi\nline' });
});

dotenv('a bad line is an error with file:line', () => {
  assert.throws(() => parseDotenv('A=1\nnot a var\n', '/p/.env', () => undefined), (e: unknown) => e instanceof ComposeError && /\/p\/\.env:2/.test((e as Error).message));
});

words.run();
dotenv.run();
