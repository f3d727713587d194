/**
 * Two ways of sharing between containers without naming a volume or a network in each of them.
 *
 * - volumesFrom, the data-container pattern: `data` owns the mounts (a named volume at /content);
 *   `web` takes every mount of `data` read-only, `sidecar` takes them read-write.
 * - networkMode: { container }, the sidecar pattern: `sidecar` joins the network namespace of
 *   `web`. They share one IP address and `localhost`: the sidecar's healthcheck reaches web's
 *   server at 127.0.0.1:80, and the sidecar's own server (port 9000) is published through
 *   the ports of `web` — a container sharing a namespace cannot publish ports itself.
 *
 *   ./bin/moor.js plan examples/data-container/stack.ts
 *   curl http://127.0.0.1:18100/   # web: the page data wrote into the shared volume
 *   curl http://127.0.0.1:18101/   # sidecar, published through web's namespace
 */
import { stack } from 'moor';

export default stack('ex-data-container', ({ image, volume, container }) => {
  const tools = image('tools', { build: { context: './tools' } });
  const content = volume('content');

  // The data container: it owns the mount and seeds it. It must keep running — moor plans a
  // container that is not running as drift ("stopped outside moor") and starts it again.
  const data = container('data', {
    image: tools,
    command: ['sh', '-c', 'echo "hello from the data container" > /content/index.html; trap "exit 0" TERM; while true; do sleep 3600 & wait $!; done'],
    mounts: [{ volume: content, target: '/content' }],
    restart: 'unless-stopped',
  });

  const web = container('web', {
    image: tools,
    command: ['httpd', '-f', '-p', '80', '-h', '/content'],
    // Every mount of `data`, read-only here (/content).
    volumesFrom: [{ container: data, readOnly: true }],
    // Published on web's namespace: 80 is web's server, 9000 the sidecar's.
    ports: [
      { host: 18100, container: 80, hostIp: '127.0.0.1' },
      { host: 18101, container: 9000, hostIp: '127.0.0.1' },
    ],
    hostname: 'web',
    restart: 'unless-stopped',
    stopSignal: 'SIGKILL',
  });

  container('sidecar', {
    image: tools,
    command: ['sh', '-c', 'mkdir -p /tmp/www && echo "hello from the sidecar, sharing the network namespace of web" > /tmp/www/index.html && exec httpd -f -p 9000 -h /tmp/www'],
    networkMode: { container: web },
    // The same mounts, read-write: the sidecar could update what web serves.
    volumesFrom: [data],
    // localhost is web's localhost: this check passes only because the namespace is shared.
    healthcheck: { test: ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:80/'], interval: '2s', retries: 3 },
    restart: 'unless-stopped',
    stopSignal: 'SIGKILL',
  });
});
