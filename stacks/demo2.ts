/**
 * The README's demo: a built image, a network, a volume, a database stand-in with a healthcheck,
 * and a web server that waits for it to be healthy, published on 127.0.0.1:8080.
 *
 *   moor plan stacks/demo.ts
 *   moor apply stacks/demo.ts
 */
import { stack } from 'moor';

export default stack('shop', ({ image, network, volume, container }) => {
  const img = image('shop-tools', { build: { context: './tools' } });
  const backend = network('backend');
  const data = volume('data');
  const db = container('db', {
    image: img,
    command: ['sleep', '3600'],
    env: { MODE: 'demo' },
    networks: [{ network: backend, aliases: ['database'] }],
    mounts: [{ volume: data, target: '/data' }],
    restart: 'always',
    healthcheck: { test: ['CMD', 'true'], interval: '2s' },
  });
  container('web', {
    image: img,
    command: ['httpd', '-f', '-p', '80', '-h', '/www'],
    ports: [{ host: 8080, container: 80, hostIp: '127.0.0.1' }],
    networks: [backend],
    dependsOn: [{ container: db, condition: 'healthy' }],
  });
});
