/**
 * An object moor does not own is never touched: a container named `<stack>-web`, created by hand
 * without moor's labels, makes plan and apply fail with a clear error and changes nothing.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildToolsImage, demoBody, freePort, inspectNetwork, inspectVolume, newPrefix, show, sweepPrefix, withStack } from './helpers.js';

const prefix = newPrefix();
const ownership = suite('e2e: ownership');
ownership.after(() => sweepPrefix(prefix));

ownership('an unmanaged container with a stack name stops plan and apply; it is left untouched', () =>
  withStack(prefix, 'foreign', async (s) => {
    const port = await freePort();
    s.write(demoBody({ port }));

    // The intruder: built and run through the API, no moor labels. Named with the stack's prefix.
    const image = `${s.en('raw')}:latest`;
    await buildToolsImage(s.engine, image);
    const created = await s.engine.request<{ Id: string }>('POST', '/containers/create', {
      query: { name: s.en('web') },
      body: { Image: image, Cmd: ['sleep', '3600'], Labels: { purpose: 'moor-e2e-unmanaged' }, HostConfig: {} },
    });
    await s.engine.request('POST', `/containers/${created.Id}/start`);
    const before = await s.container('web');
    assert.ok(before?.State.Running);
    assert.is(before.Config.Labels?.['moor.stack'], undefined);

    const plan = await s.plan('--detailed-exitcode');
    assert.is(plan.code, 1, show(plan));
    assert.match(plan.stderr, new RegExp(`a container named "${s.en('web')}" already exists on the engine and is not managed by stack "${s.name}"`), show(plan));

    const apply = await s.apply();
    assert.is(apply.code, 1, show(apply));
    assert.match(apply.stderr, /is not managed by stack/, show(apply));

    const after = await s.container('web');
    assert.is(after?.Id, created.Id, 'same container');
    assert.is(after?.State.Running, true, 'still running');
    assert.is(after?.State.StartedAt, before.State.StartedAt, 'not restarted');
    assert.equal(after?.Config.Labels, before.Config.Labels, 'labels untouched');
    assert.is(await s.labelledCount(), 0, 'nothing was created for the stack');
    assert.is(await s.container('db'), undefined, 'no db container');
    assert.is(await inspectNetwork(s.engine, s.en('backend')), undefined, 'no network');
    assert.is(await inspectVolume(s.engine, s.en('data')), undefined, 'no volume');
  }, { skipTypecheck: true }));

ownership.run();
