import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EngineClient } from '../../../core/engine/client.js';
import { EngineError } from '../../../core/engine/errors.js';
import { observeExternalNetworks } from '../../../core/observe/external-networks.js';

/** A client that knows networks by name (and, as the engine does, resolves an ID prefix too). */
function fakeClient(networks: { Id: string; Name: string; Driver: string }[], fail?: EngineError) {
  const calls: string[] = [];
  const client = {
    async request(method: string, path: string) {
      calls.push(`${method} ${path}`);
      if (fail) throw fail;
      const key = decodeURIComponent(path.replace(/^\/networks\//, ''));
      const n = networks.find((x) => x.Name === key) ?? networks.find((x) => x.Id.startsWith(key));
      if (!n) throw new EngineError(404, `network ${key} not found`, `${method} ${path}`);
      return n;
    },
  };
  return { client: client as unknown as EngineClient, calls };
}

const ext = suite('observeExternalNetworks');

ext('one inspect per external network, by name; a missing one is null', async () => {
  const { client, calls } = fakeClient([{ Id: 'abc123', Name: 'proxy', Driver: 'bridge' }]);
  assert.equal(await observeExternalNetworks(client, ['proxy', 'gone']), { proxy: { id: 'abc123', driver: 'bridge' }, gone: null });
  assert.equal(calls, ['GET /networks/proxy', 'GET /networks/gone']);
});

ext('a network found only by ID prefix is not the one named: null', async () => {
  const { client } = fakeClient([{ Id: 'edge0123', Name: 'other', Driver: 'bridge' }]);
  assert.equal(await observeExternalNetworks(client, ['edge']), { edge: null });
});

ext('no external networks: no request; an engine error other than 404 is not swallowed', async () => {
  const none = fakeClient([]);
  assert.equal(await observeExternalNetworks(none.client, []), {});
  assert.equal(none.calls, []);
  const broken = fakeClient([], new EngineError(500, 'boom', 'GET /networks/proxy'));
  try {
    await observeExternalNetworks(broken.client, ['proxy']);
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, EngineError);
  }
});

ext.run();
