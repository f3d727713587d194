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
  assert.equal(engine.requests.map((r) => r.path), ['/_ping', '/volumes']);
}));

client('an engine whose /_ping does not name it is asked /version; Podman is told by its Libpod server header', async () => {
  await withFakeEngine(async (engine) => {
    engine.handle((r) => r.path === '/_ping', (_r, _req, res) => res.writeHead(200, { 'content-length': '2' }).end('OK'));
    assert.equal(await engine.client.engineInfo(), { version: '20.10.24', apiVersion: '1.41' });
    assert.equal(engine.requests.map((r) => r.path), ['/_ping', '/version']);
  });
  await withFakeEngine(async (engine) => {
    engine.handle((r) => r.path === '/_ping', (_r, _req, res) => res.writeHead(200, { 'content-length': '2', 'api-version': '1.41', 'libpod-api-version': '4.3.1', server: 'Libpod/4.3.1 (linux)' }).end('OK'));
    assert.equal(await engine.client.engineInfo(), { version: '4.3.1', apiVersion: '1.41', podman: true });
    assert.equal(engine.requests.map((r) => r.path), ['/_ping']);
  });
  await withFakeEngine(async (engine) => {
    // An error answer to /_ping: /version decides.
    engine.fail('GET /_ping', { status: 500, message: 'boom' });
    assert.equal(await engine.client.engineInfo(), { version: '20.10.24', apiVersion: '1.41' });
    assert.equal(engine.requests.map((r) => r.path), ['/_ping', '/version']);
  });
  await withFakeEngine(async (engine) => {
    // No answer at all (the engine went away): the error, without a second try at /version.
    engine.fail('GET /_ping', { close: true });
    const e = await engine.client.engineInfo().catch((x: Error) => x);
    assert.match((e as Error).message, /socket hang up/);
    assert.equal(engine.requests.map((r) => r.path), ['/_ping']);
  });
  await withFakeEngine(async (engine) => {
    // A newer engine is spoken to in the newest version moor knows; an older one than 1.41 is refused.
    engine.handle((r) => r.path === '/_ping', (_r, _req, res) => res.writeHead(200, { 'content-length': '2', 'api-version': '1.99', server: 'Docker/99.0.0 (linux)' }).end('OK'));
    assert.is((await engine.client.engineInfo()).apiVersion, '1.45');
  });
  await withFakeEngine(async (engine) => {
    engine.handle((r) => r.path === '/_ping', (_r, _req, res) => res.writeHead(200, { 'content-length': '2', 'api-version': '1.40', server: 'Docker/19.03.15 (linux)' }).end('OK'));
    const e = await engine.client.engineInfo().catch((x: Error) => x);
    assert.match((e as Error).message, /speaks API 1\.40; moor needs 1\.41/);
  });
});

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
