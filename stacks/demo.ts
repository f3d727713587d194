/**
 * The README's demo: a built image, a network, a volume, a database stand-in with a healthcheck,
 * a web server that waits for it to be healthy, published on 127.0.0.1:8080, and a nightly backup
 * of the database's volume into a second volume, kept 7 days.
 *
 *   moor plan stacks/demo.ts
 *   moor apply stacks/demo.ts
 *   moor backup run stacks/demo.ts data-nightly
 */
import { stack } from 'moor';

export default stack('shop', ({ image, network, volume, container, backup }) => {
  const img = image('shop-tools', { build: { context: './tools' } });
  const backend = network('backend');
  const data = volume('data');
  const db = container('db', {
    image: img,
    // A database stand-in: writes into its volume, and stops at once on SIGTERM (as a backup asks it to).
    command: ['sh', '-c', 'date -u >> /data/started-at; trap "exit 0" TERM; while true; do sleep 5 & wait $!; done'],
    env: { MODE: 'demo' },
    networks: [{ network: backend, aliases: ['database'] }],
    mounts: [{ volume: data, target: '/data' }],
    restart: 'unless-stopped',
    healthcheck: { test: ['CMD', 'true'], interval: '2s' },
  });
  container('web', {
    image: img,
    command: ['httpd', '-f', '-p', '80', '-h', '/www'],
    ports: [{ host: 8080, container: 80, hostIp: '127.0.0.1' }],
    networks: [backend],
    dependsOn: [{ container: db, condition: 'healthy' }],
  });
  const backups = volume('backups');
  backup('data-nightly', {
    volumes: [data],
    target: backups,
    schedule: '0 3 * * *',
    timezone: 'UTC',
    keep: { last: 3, daily: 7 },
    stop: [db],
    image: img,
  });
});
