/**
 * EngineClient against the fake engine (test/fixtures/fake-engine.ts): the API version it
 * negotiates, the engine's messages in its errors, and what the fake's faults do to a request
 * (an error status, a connection closed without an answer, no answer at all).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EngineError } from '../../../core/engine/errors.js';
import { withFakeEngine } from '../../fixtures/fake-engine.js';

const settledWithin = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p.then(() => 'settled', () => 'settled'), new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);

const client = suite('EngineClient (fake engine)');

client('negotiates the engine version, and sends every request under it', () => withFakeEngine(async (engine) => {
  assert.equal(await engine.client.engineInfo(), { version: '20.10.24', apiVersion: '1.41' });
  await engine.client.request('GET', '/volumes');
  assert.equal(engine.requests.map((r) => r.path), ['/version', '/volumes']);
}));

client("an error status is an EngineError with the engine's message and the request", () => withFakeEngine(async (engine) => {
  const e = await engine.client.request('DELETE', '/volumes/nope').catch((x: unknown) => x);
  assert.instance(e, EngineError);
  assert.equal([(e as EngineError).status, (e as Error).message], [404, 'DELETE /volumes/nope: engine answered 404: get nope: no such volume']);
  // 304 where the caller says it is fine.
  engine.addImage('busybox');
  const { Id } = await engine.client.request<{ Id: string }>('POST', '/containers/create', { query: { name: 'c1' }, body: { Image: 'busybox' } });
  await engine.client.request('POST', `/containers/${Id}/start`);
  await engine.client.request('POST', `/containers/${Id}/start`, { okStatuses: [304] });
  assert.equal(engine.containerStates(), ['c1 running']);
}));

client('faults: the nth matching request fails; "after" acts first; a closed connection is an error, not an answer', () => withFakeEngine(async (engine) => {
  const failed = engine.fail('POST /volumes/create', { status: 500, message: 'boom' }, { nth: 2 });
  await engine.client.request('POST', '/volumes/create', { body: { Name: 'a' } });
  const e = await engine.client.request('POST', '/volumes/create', { body: { Name: 'b' } }).catch((x: Error) => x);
  assert.is((e as Error).message, 'POST /volumes/create: engine answered 500: boom');
  await engine.client.request('POST', '/volumes/create', { body: { Name: 'c' } });
  assert.equal([failed.hits, failed.fired, engine.volumeNames()], [3, 1, ['a', 'c']]);

  engine.fail('DELETE /volumes/a', { close: true }, { after: true });
  const closed = await engine.client.request('DELETE', '/volumes/a').catch((x: Error) => x);
  assert.not.instance(closed, EngineError);
  assert.match((closed as Error).message, /socket hang up/);
  assert.equal(engine.volumeNames(), ['c']);
}));

client('a hanging request stays pending (and the engine closes it at the end)', () => withFakeEngine(async (engine) => {
  engine.fail(/^GET \/volumes$/, { hang: true });
  const pending = engine.client.request('GET', '/volumes');
  pending.catch(() => undefined);
  assert.is(await settledWithin(pending, 100), 'pending');
  // Other requests still go through.
  await engine.client.request('POST', '/volumes/create', { body: { Name: 'x' } });
  assert.equal(engine.calls(), ['GET /volumes', 'POST /volumes/create']);
}));

client.run();
