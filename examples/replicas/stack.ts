/**
 * Replicas on one engine: three copies of an API behind one name.
 *
 * `api` has `replicas: 3`: moor runs ex-replicas-api-1, -2 and -3, each on its own host port of
 * the range 18750-18752 (one port per replica, like compose), all reachable as `api` on the
 * `back` network — the engine's DNS answers with every replica's address. `gateway` waits until
 * every replica is healthy, then serves on http://127.0.0.1:18753/ what the DNS says `api` is.
 *
 * Change `replicas` and apply: scaling up creates only the missing replicas, scaling down removes
 * the highest-numbered ones. Change `env.VERSION` and apply: the replicas are replaced one at a
 * time, each new one healthy before the next old one goes — `api` never has zero replicas.
 *
 *   ./bin/moor.js plan examples/replicas/stack.ts
 */
import { stack } from 'moor';

export default stack('ex-replicas', ({ image, network, container }) => {
  const tools = image('tools', { build: { context: './tools' } });
  const back = network('back');

  const api = container('api', {
    image: tools,
    replicas: 3,
    command: ['sh', '-c', 'mkdir -p /www && echo "api $VERSION on $(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www'],
    env: { VERSION: '1' },
    networks: [back],
    // One host port per replica: a fixed single port would be refused at plan time.
    ports: [{ host: '18750-18752', container: 8080, hostIp: '127.0.0.1' }],
    healthcheck: { test: ['CMD', 'test', '-s', '/www/index.html'], interval: '1s', timeout: '1s', retries: 3 },
    restart: 'unless-stopped',
    // busybox httpd ignores SIGTERM as PID 1: give it one second, then SIGKILL.
    stopTimeout: 1,
  });

  container('gateway', {
    image: tools,
    command: [
      'sh', '-c',
      'mkdir -p /www; trap "exit 0" TERM; httpd -p 8080 -h /www; while true; do nslookup api 127.0.0.11 > /www/index.html.tmp 2>&1; mv /www/index.html.tmp /www/index.html; sleep 2 & wait $!; done',
    ],
    networks: [back],
    ports: [{ host: 18753, container: 8080, hostIp: '127.0.0.1' }],
    // Waits for every replica of api to be healthy.
    dependsOn: [{ container: api, condition: 'healthy' }],
    restart: 'unless-stopped',
  });
});
