/**
 * Publishing ports, and networks with options.
 *
 * - `api` publishes a port range (container 8000-8002 → 127.0.0.1:18300-18302, one httpd per
 *   port), a UDP port (5353/udp → 127.0.0.1:18353) and is attached to two networks, with extra
 *   DNS aliases on the internal one.
 * - `back` is an internal network (nothing forwarded in or out) with a fixed subnet and gateway; `db` lives
 *   only there and reaches `api` by its aliases — its healthcheck fetches http://api.internal:8000/.
 * - `metrics` uses `publishAll: true`: the ports its image EXPOSEs (9100) are published on a host
 *   port the engine picks. The stack pins 9100 to 127.0.0.1 so nothing listens on other addresses.
 *
 *   ./bin/moor.js plan examples/ports-and-networks/stack.ts
 */
import { stack } from 'moor';

export default stack('ex-ports-and-networks', ({ image, network, container }) => {
  const tools = image('tools', { build: { context: './tools' } });

  const front = network('front', { labels: { 'com.example.tier': 'front' } });
  const back = network('back', {
    internal: true,
    subnet: '10.213.47.0/24',
    gateway: '10.213.47.1',
    labels: { 'com.example.tier': 'back' },
  });

  // One httpd per port of the range, each serving a page that names its port.
  const serve = [8000, 8001, 8002]
    .map((p) => `mkdir -p /tmp/${p} && echo "api on container port ${p}" > /tmp/${p}/index.html && httpd -p ${p} -h /tmp/${p}`)
    .join(' && ');
  const api = container('api', {
    image: tools,
    command: ['sh', '-c', `${serve} && trap "exit 0" TERM; while true; do sleep 3600 & wait $!; done`],
    ports: [
      // A range: container ports 8000-8002 to host ports 18300-18302 (both ranges the same length).
      { container: '8000-8002', host: '18300-18302', hostIp: '127.0.0.1' },
      // UDP: nothing in busybox answers UDP; the binding itself is what this shows.
      { container: 5353, host: 18353, protocol: 'udp', hostIp: '127.0.0.1' },
    ],
    networks: [
      front,
      // On `back`, api is reachable as api (its resource name, always), ex-ports-and-networks-api
      // (its engine name), api.internal and backend-api.
      { network: back, aliases: ['api.internal', 'backend-api'] },
    ],
    restart: 'unless-stopped',
  });

  container('db', {
    image: tools,
    command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 3600 & wait $!; done'],
    networks: [back],
    healthcheck: { test: ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://api.internal:8000/'], interval: '2s', retries: 5 },
    dependsOn: [api],
    restart: 'unless-stopped',
  });

  container('metrics', {
    image: tools,
    command: ['sh', '-c', 'mkdir -p /tmp/m && echo "metrics_up 1" > /tmp/m/index.html && exec httpd -f -p 9100 -h /tmp/m'],
    // Every port the image EXPOSEs is published on a host port the engine picks…
    publishAll: true,
    // …and a port listed here is published as listed instead: 9100 only on 127.0.0.1, on a
    // host port the engine picks (no `host`). See `docker port ex-ports-and-networks-metrics`.
    ports: [{ container: 9100, hostIp: '127.0.0.1' }],
    networks: [front],
    stopSignal: 'SIGKILL',
  });
});
