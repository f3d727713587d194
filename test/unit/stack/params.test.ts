import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkParamValue, defaultsProblems, jsonKeyLine, parseParamText } from '../../../core/stack/params.js';

const defaults = { replicas: 1, domain: 'localhost', debug: false };

const test = suite('params');

test('text is parsed to the type of the default', () => {
  assert.equal(parseParamText(defaults, 'replicas', '3'), { value: 3 });
  assert.equal(parseParamText(defaults, 'replicas', '-2.5'), { value: -2.5 });
  assert.equal(parseParamText(defaults, 'debug', 'true'), { value: true });
  assert.equal(parseParamText(defaults, 'debug', 'false'), { value: false });
  assert.equal(parseParamText(defaults, 'domain', '42'), { value: '42' });
  assert.equal(parseParamText(defaults, 'domain', ''), { value: '' });
});

test('text of the wrong type, and unknown names, are problems in words', () => {
  assert.equal(parseParamText(defaults, 'replicas', 'three'), { problem: 'parameter replicas is a number (its default is 1), not "three"' });
  for (const bad of ['', ' ', '0x10', '1e999', 'NaN', 'Infinity', '3 ']) assert.ok('problem' in parseParamText(defaults, 'replicas', bad), bad);
  assert.equal(parseParamText(defaults, 'debug', 'yes'), { problem: 'parameter debug is a boolean (true or false) (its default is false), not "yes"' });
  assert.equal(parseParamText(defaults, 'nope', '1'), { problem: 'unknown parameter nope' });
});

test('JSON values must have the type of the default', () => {
  assert.equal(checkParamValue(defaults, 'replicas', 3), { value: 3 });
  assert.equal(checkParamValue(defaults, 'replicas', '3'), { problem: 'parameter replicas is a number (its default is 1), not string "3"' });
  assert.equal(checkParamValue(defaults, 'debug', null), { problem: 'parameter debug is a boolean (true or false) (its default is false), not null' });
  assert.equal(checkParamValue(defaults, 'domain', ['a']), { problem: 'parameter domain is a string (its default is "localhost"), not an array' });
  assert.equal(checkParamValue(defaults, 'domain', { a: 1 }), { problem: 'parameter domain is a string (its default is "localhost"), not an object' });
});

test('defaults: identifiers with string, number or boolean values', () => {
  assert.equal(defaultsProblems(defaults), []);
  assert.equal(defaultsProblems({ 'a-b': 1, list: [1], n: Number.NaN }), [
    'parameter name "a-b" is not an identifier (letters, digits and _, not starting with a digit)',
    "parameter list's default must be a string, a finite number or a boolean (its type is the parameter's type)",
    "parameter n's default must be a string, a finite number or a boolean (its type is the parameter's type)",
  ]);
  assert.equal(defaultsProblems([1]), ['params must be an object of parameter defaults, e.g. { replicas: 1 }']);
});

test('jsonKeyLine finds a top-level key', () => {
  const text = '{\n  "replicas": 3,\n  "domain": "x"\n}\n';
  assert.is(jsonKeyLine(text, 'replicas'), 2);
  assert.is(jsonKeyLine(text, 'domain'), 3);
  assert.is(jsonKeyLine('{"a": 1, "b": 2}', 'b'), 1);
  assert.is(jsonKeyLine(text, 'missing'), undefined);
});

test.run();
