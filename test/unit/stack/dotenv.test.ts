import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDotenv } from '../../../core/stack/dotenv.js';

const test = suite('parseDotenv: compose .env syntax');
const values = (text: string, env: Record<string, string> = {}) => Object.fromEntries(parseDotenv(text, env).entries.map((e) => [e.key, e.value]));

test('KEY=VAL, comments, blank lines, export prefix, trimming, inline comments', () => {
  const text = '# a comment\n\nA=1\nexport B = two words  \nC=x # trailing comment\nD=x#not-a-comment\nE=\n  F=indented\n';
  assert.equal(values(text), { A: '1', B: 'two words', C: 'x', D: 'x#not-a-comment', E: '', F: 'indented' });
  assert.equal(parseDotenv(text, {}).entries.map((e) => [e.key, e.line]), [['A', 3], ['B', 4], ['C', 5], ['D', 6], ['E', 7], ['F', 8]]);
});

test('single quotes are literal; double quotes take escapes and expand; both may span lines', () => {
  const text = [
    "S='pa$$w#rd \\n'",
    'D="a\\tb\\nc \\"q\\" \\$HOME"',
    "M='line1",
    "line2' # after",
    'N="x',
    'y"',
    'E="" # empty',
  ].join('\n');
  assert.equal(values(text), { S: 'pa$$w#rd \\n', D: 'a\tb\nc "q" $HOME', M: 'line1\nline2', N: 'x\ny', E: '' });
  assert.equal(parseDotenv(text, {}).entries.map((e) => e.line), [1, 2, 3, 5, 7]);
});

test('${VAR}, ${VAR:-default}, ${VAR-default} and $VAR expand from keys above, then the process environment', () => {
  const text = 'HOST=db\nURL=postgres://${HOST}:${PORT:-5432}/$NAME\nA=${EMPTY-x}|${EMPTY:-y}|${UNSET-z}\nQ="${HOST}"\nL=\'${HOST}\'';
  assert.equal(values(text, { NAME: 'shop', EMPTY: '' }), { HOST: 'db', URL: 'postgres://db:5432/shop', A: '|y|z', Q: 'db', L: '${HOST}' });
});

test('problems name the line, never the value', () => {
  const r = parseDotenv('OK=1\njust words\n1BAD=x\nP="secret-value\n', {});
  assert.equal(r.entries.map((e) => e.key), ['OK']);
  assert.equal(r.problems, [
    { line: 2, message: 'expected KEY=VALUE' },
    { line: 3, message: 'invalid key "1BAD": use letters, digits and _ (not starting with a digit)' },
    { line: 4, message: "the double quote that starts P's value is never closed" },
  ]);
  assert.not.match(JSON.stringify(r.problems), /secret-value/);
  const after = parseDotenv("K='v' trailing\n", {});
  assert.equal(after.problems, [{ line: 1, message: "unexpected text after the closing quote of K's value" }]);
});

test('a byte-order mark and CRLF line ends', () => {
  assert.equal(values('\uFEFFA=1\r\nB=2\r\n'), { A: '1', B: '2' });
});

test.run();
