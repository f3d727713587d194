/**
 * The engine client opened as a command starts (core/engine/early.ts): taken by the command for
 * the same --context (with the command's connection limit), closed and not taken for another one,
 * and an engine address moor cannot use is left for the command to report.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { closeEarlyClient, contextArg, openEarlyClient, takeEarlyClient } from '../../../core/engine/early.js';

const early = suite('early engine client');

early('--context NAME and --context=NAME are found before --; nothing else is', () => {
  assert.is(contextArg(['stack.ts', '--context', 'prod']), 'prod');
  assert.is(contextArg(['--context=prod', 'stack.ts']), 'prod');
  assert.is(contextArg(['stack.ts', '--', '--context', 'x']), undefined);
  assert.is(contextArg(['stack.ts', '--yes']), undefined);
});

async function withHost<T>(value: string, fn: () => T | Promise<T>): Promise<T> {
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = value;
  try {
    return await fn();
  } finally {
    closeEarlyClient();
    if (saved === undefined) delete process.env.DOCKER_HOST; else process.env.DOCKER_HOST = saved;
  }
}

early('taken once for the same context, with the command\'s connection limit; not for another context', () => withHost('unix:///nonexistent/docker.sock', () => {
  openEarlyClient(['stack.ts']);
  const c = takeEarlyClient(undefined, 12);
  assert.ok(c, 'taken');
  assert.is(c!.endpoint.display, 'unix:///nonexistent/docker.sock');
  assert.is(takeEarlyClient(undefined, 12), undefined, 'only once');
  c!.close();
  openEarlyClient(['stack.ts']);
  assert.is(takeEarlyClient('prod', 8), undefined, 'another context: the command makes its own');
}));

early('an address moor cannot use is not an error here: the command reports it', () => withHost('npipe:////./pipe/docker', () => {
  openEarlyClient(['stack.ts']);
  assert.is(takeEarlyClient(undefined, 8), undefined);
}));

early.run();
