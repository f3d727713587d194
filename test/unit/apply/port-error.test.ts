import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { explainPortError, PortInUseError, takenPort } from '../../../core/apply/port-error.js';
import type { EngineClient } from '../../../core/engine/client.js';
import { EngineError } from '../../../core/engine/errors.js';
import { isRetryable } from '../../../core/apply/failure.js';
import { desired } from '../../fixtures/builders.js';

const ports = suite('explainPortError: a taken host port, named');

ports('the engine\'s two texts: another container, or a process outside the engine', () => {
  assert.equal(takenPort('driver failed programming external connectivity on endpoint t-web (9e4a): Bind for 127.0.0.1:18777 failed: port is already allocated'), { ip: '127.0.0.1', port: '18777', byContainer: true });
  assert.equal(takenPort('driver failed programming external connectivity on endpoint t-web (1e6d): Error starting userland proxy: listen tcp4 127.0.0.1:18778: bind: address already in use'), { ip: '127.0.0.1', port: '18778', byContainer: false });
  assert.equal(takenPort('Bind for :::8080 failed: port is already allocated'), { ip: '::', port: '8080', byContainer: true });
  assert.is(takenPort('no such image'), undefined);
});

ports('names the container, the port, the holder from the engine\'s list; not retryable', async () => {
  const d = desired('shop', ({ container }) => { container('web', { image: 'busybox', ports: [{ container: 80, host: 8080, hostIp: '127.0.0.1' }] }); });
  const client = { request: async () => [{ Id: 'x', Names: ['/other'], Ports: [{ IP: '127.0.0.1', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }] }] } as unknown as EngineClient;
  const raw = new EngineError(500, 'driver failed programming external connectivity on endpoint shop-web (9e4a): Bind for 127.0.0.1:8080 failed: port is already allocated', 'POST /containers/x/start');
  const e = await explainPortError(client, raw, d, d.containers[0]!);
  assert.instance(e, PortInUseError);
  assert.match((e as Error).message, /^container\.web › ports: container shop-web could not start: host port 127\.0\.0\.1:8080 \(for 80\/tcp\) is already in use by container other\.\n  Fix: /);
  assert.not.ok(isRetryable(e));
  const other = new EngineError(500, 'something else', 'POST /containers/x/start');
  assert.is(await explainPortError(client, other, d, d.containers[0]!), other);
});

ports.run();
