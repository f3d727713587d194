/**
 * TransportAgent over a transport with a connection limit (as ssh's channels are): a burst of
 * requests larger than the limit all complete, against a keep-alive HTTP server. The agent asks
 * for a connection per request before any is made; the ones beyond the limit wait, and the agent
 * must give idle keep-alive connections back for them (before: they waited until the server
 * closed an idle connection, minutes later).
 */
import http from 'node:http';
import net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { transportAgent, type Dialed, type Transport } from '../../../core/engine/transport.js';

const agent = suite('TransportAgent: a limited transport');

function limited(port: number, max: number): Transport & { opened: number } {
  let open = 0;
  const waiting: Dialed[] = [];
  const t = {
    opened: 0,
    maxConnections: max,
    dial(done: Dialed) {
      if (open >= max) { waiting.push(done); return; }
      open++;
      t.opened++;
      // Made later, as an ssh channel is.
      setTimeout(() => {
        const s = net.connect(port, '127.0.0.1');
        s.once('close', () => {
          open--;
          const next = waiting.shift();
          if (next) t.dial(next);
        });
        done(null, s);
      }, 5);
    },
    explain: (e: Error) => e,
    close() {},
    waiting: () => waiting.length,
  };
  return t;
}

agent('a burst of 3× the limit completes: idle connections are given back to the waiting ones', async () => {
  const server = http.createServer((_req, res) => res.end('ok'));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const transport = limited(port, 2);
  const a = transportAgent(transport, { keepAlive: true, maxSockets: 2 });
  const get = () => new Promise<string>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: a }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  try {
    const burst = Promise.all(Array.from({ length: 6 }, get));
    const outcome = await Promise.race([burst.then((b) => b.join(',')), new Promise((r) => setTimeout(() => r('stuck'), 5000))]);
    assert.is(outcome, 'ok,ok,ok,ok,ok,ok');
  } finally {
    a.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

agent.run();
