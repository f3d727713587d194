/**
 * package.json's npm scripts name files of this repository (scripts/test.sh, test/run.ts, …):
 * each one named must exist, so that no documented script fails on a fresh clone before it runs
 * anything (`test:unit` once required a test/setup.js that was never there).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

test('every file an npm script names exists', () => {
  const missing: string[] = [];
  let named = 0;
  for (const [name, command] of Object.entries(scripts)) {
    for (const word of command.split(/\s+/)) {
      const file = /^(?:\.\/)?((?:bin|bench|core|scripts|test)\/[\w./-]+\.(?:sh|mjs|js|ts))$/.exec(word)?.[1];
      if (file === undefined) continue;
      named++;
      if (!existsSync(path.join(root, file))) missing.push(`${name}: ${file}`);
    }
  }
  assert.ok(named >= 5, `the scripts name files (found ${named})`);
  assert.equal(missing, []);
});

test.run();
