/**
 * Imported from docker-compose.yml by `moor import compose` (stack "ex-compose-import":
 * 3 containers, 1 built image, 3 networks, 1 volume).
 * Engine objects are named <stack>-<name> (compose: <project>_<name>): existing compose volumes are not reused.
 *
 * Left out: nothing — every compose key is mapped.
 *
 * Nothing lost (2):
 *   docker-compose.yml:3   x-defaults: an extension field: its anchors were applied where used
 *   docker-compose.yml:37  services.seed.depends_on: others wait for it to complete: runOnce: true
 */
import { stack } from 'moor';

export default stack('ex-compose-import', ({ image, network, volume, container }) => {
  const tools = image('tools', { build: { context: './tools' } });

  const front = network('front');
  const back = network('back', { internal: true });
  const defaultNet = network('default');

  const pages = volume('pages');

  const db = container('db', {
    image: tools,
    restart: 'unless-stopped',
    stopTimeout: 1,
    resources: { cpus: 0.25, memory: '32m', pids: 32 },
    command: ['sh', '-c', "trap 'exit 0' TERM; touch /ready; while true; do sleep 1; done"],
    healthcheck: { test: ['CMD-SHELL', 'test -e /ready'], interval: '1s', timeout: '1s', retries: 5 },
    networks: [back],
  });

  const seed = container('seed', {
    image: tools,
    command: ['sh', '-c', 'cp /srv-static/index.html /pages/index.html && echo seeded'],
    mounts: [{ bind: './site', target: '/srv-static', readOnly: true }, { volume: pages, target: '/pages' }],
    restart: 'no',
    networks: [defaultNet],
    runOnce: true,
  });

  container('web', {
    image: tools,
    restart: 'unless-stopped',
    stopTimeout: 1,
    resources: { cpus: 0.25, memory: '32m', pids: 32 },
    command: ['httpd', '-f', '-p', '8080', '-h', '/srv'],
    ports: [{ host: 18740, container: 8080, hostIp: '127.0.0.1' }],
    mounts: [{ bind: './site', target: '/srv/static', readOnly: true }, { volume: pages, target: '/srv' }],
    env: { GREETING: 'hello from compose' },
    labels: { example: 'compose-import' },
    networks: [front, back],
    dependsOn: [{ container: db, condition: 'healthy' }, { container: seed, condition: 'completed' }],
  });
});
