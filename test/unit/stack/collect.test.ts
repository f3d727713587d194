import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { collectStack, userFrame } from '../../../core/stack/collect.js';
import { declaredAt, stack } from '../../../core/stack/define.js';

const FILE = fileURLToPath(import.meta.url);
const collect = suite('collectStack');

collect('an async build function is awaited: what it declares after an await is part of the stack', async () => {
  const def = stack('s', async ({ container, network }) => {
    network('before');
    await new Promise((r) => setTimeout(r, 5));
    container('after', { image: 'busybox:1' });
    await Promise.resolve();
    network('last');
  });
  const { declarations, diagnostics } = await collectStack(def, FILE);
  assert.equal(diagnostics, []);
  assert.equal(declarations.map((d) => `${d.kind}.${d.name}`), ['network.before', 'container.after', 'network.last']);
});

collect('a declaration from a promise the build function did not await is an error at its line, never left out silently', async () => {
  const def = stack('late', ({ network, container }) => {
    network('now');
    void Promise.resolve().then(() => container('later', { image: 'busybox:1' })); // LATE
  });
  const { diagnostics } = await collectStack(def, FILE);
  assert.is(diagnostics.length, 1, JSON.stringify(diagnostics));
  const d = diagnostics[0]!;
  assert.is(d.severity, 'error');
  assert.is(d.resource, 'container.later');
  assert.match(d.summary, /declared after the stack's build function had finished/);
  assert.is(d.location?.file, FILE);
  const source = (await import('node:fs')).readFileSync(FILE, 'utf8').split('\n');
  assert.is(d.location?.line, source.findIndex((l) => l.includes('// LATE')) + 1);
});

collect('a build function that throws is a diagnostic at the line that threw', async () => {
  const def = stack('throws', ({ network }) => {
    network('a');
    throw new Error('no config for this host'); // THROWS
  });
  const { declarations, diagnostics } = await collectStack(def, FILE);
  assert.equal(declarations, []);
  assert.is(diagnostics.length, 1);
  assert.match(diagnostics[0]!.summary, /the stack's build function threw: no config for this host/);
  const source = (await import('node:fs')).readFileSync(FILE, 'utf8').split('\n');
  assert.is(diagnostics[0]!.location?.file, FILE);
  assert.is(diagnostics[0]!.location?.line, source.findIndex((l) => l.includes('// THROWS')) + 1);
});

collect('an async build function that rejects is a diagnostic too', async () => {
  const def = stack('rejects', async () => {
    await Promise.resolve();
    throw new Error('config file missing');
  });
  const { diagnostics } = await collectStack(def, FILE);
  assert.is(diagnostics.length, 1);
  assert.match(diagnostics[0]!.summary, /threw: config file missing/);
});

collect('where the stack itself was declared: its stack() call, for diagnostics about its name', () => {
  const def = stack('Bad Name', () => undefined); // DECLARED
  const source = readFileSync(FILE, 'utf8').split('\n');
  assert.equal(userFrame(declaredAt(def), FILE), { file: FILE, line: source.findIndex((l) => l.includes('// DECLARED')) + 1, column: 15 });
});

collect.run();
