import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { containerOptionsSchema } from '../../../core/stack/schema/container.js';
import { fieldPath, issuesToDiagnostics } from '../../../core/stack/zod-issues.js';

const where = { resource: 'container.web', location: { file: '/srv/stacks/shop.ts', line: 3 } };
const diagnose = (schema: z.ZodType, value: unknown) => {
  const r = schema.safeParse(value);
  if (r.success) throw new Error('expected the value to be invalid');
  return issuesToDiagnostics(r.error.issues, where).map((d) => [d.field, d.summary]);
};

const paths = suite('fieldPath');

paths('dots for names, brackets for indexes and for keys that are not identifiers', () => {
  assert.is(fieldPath(['ports', 0, 'host']), 'ports[0].host');
  assert.is(fieldPath(['env', 'MY-VAR']), 'env["MY-VAR"]');
  assert.is(fieldPath(['labels', 'com.example.team']), 'labels["com.example.team"]');
  assert.is(fieldPath([0, 'x']), '[0].x');
  assert.is(fieldPath([]), '');
});

paths.run();

const issues = suite('issuesToDiagnostics');

issues('one error diagnostic per issue, with resource, field and location', () => {
  const r = containerOptionsSchema.safeParse({ image: 'nginx', ports: [{ container: 0 }], user: '' });
  assert.not.ok(r.success);
  assert.equal(issuesToDiagnostics(r.error!.issues, where), [
    { severity: 'error', summary: 'Too small: expected number to be >=1', resource: 'container.web', field: 'ports[0].container', location: where.location },
    { severity: 'error', summary: 'Too small: expected string to have >=1 characters', resource: 'container.web', field: 'user', location: where.location },
  ]);
});

issues('a union reports the branch that came closest, not zod\'s bare "Invalid input"', () => {
  assert.equal(diagnose(containerOptionsSchema, { image: 'nginx', ports: [{ container: 'eighty' }] }), [
    ['ports[0].container', 'expected a port number or a range like "8000-8010"'],
  ]);
  assert.equal(diagnose(containerOptionsSchema, { image: 'nginx', networks: [{ network: 'backend' }] }), [
    ['networks[0].network', 'expected a network handle returned by network()'],
  ]);
  assert.equal(diagnose(containerOptionsSchema, { image: 'nginx', restart: { policy: 'on-failure', maxRetries: 0 } }), [
    ['restart.maxRetries', 'Too small: expected number to be >0'],
  ]);
});

issues('an unknown key at the top has no field; its name is in the summary', () => {
  assert.equal(diagnose(containerOptionsSchema, { image: 'nginx', ports: [], volumes: [] }), [[undefined, 'Unrecognized key: "volumes"']]);
});

issues('an invalid record key reports the key schema\'s message at the key', () => {
  assert.equal(diagnose(containerOptionsSchema, { image: 'nginx', env: { 'A=B': '1' } }), [
    ['env["A=B"]', 'environment variable names cannot contain "="'],
  ]);
});

issues.run();
