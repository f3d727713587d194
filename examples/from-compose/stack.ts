/**
 * Options people bring from docker-compose files (compose key → moor option):
 *
 * - `networks: { proxy: { external: true } }` → `network(NAME, { external: true })`: a network
 *   made outside the stack, joined by its own name, never created, changed or deleted by moor.
 *   Create it first: `docker network create ex-proxy`.
 * - `volumes: ['/data']` → `mounts: [{ target: '/data' }]`: an anonymous volume. A replacement of
 *   the container mounts the old one's volume again, so its data survives (the page counts starts).
 * - `volumes: ['./site:/site:ro,z']` → `{ bind: './site', target: '/site', readOnly: true, selinux: 'z' }`.
 * - `env_file: web.env` → `envFile: './web.env'`, under `environment` → `env` (env wins).
 * - `build: { target: web, platforms: [linux/amd64] }` → `build: { target: 'web', platform: 'linux/amd64' }`.
 *
 *   docker network create ex-proxy
 *   ./bin/moor.js apply examples/from-compose/stack.ts --yes
 *   curl http://127.0.0.1:18730/
 */
import { stack } from 'moor';

export default stack('ex-from-compose', ({ image, network, container }) => {
  const tools = image('tools', { build: { context: './tools', target: 'web', platform: 'linux/amd64' } });
  const proxy = network('ex-proxy', { external: true });

  container('web', {
    image: tools,
    command: [
      'sh', '-c',
      'echo start >> /data/starts; ' +
        '{ cat /site/header.html; echo "$GREETING; $FROM_FILE; $OVERRIDDEN"; cat /stage; echo "starts: $(wc -l < /data/starts)"; } > /data/index.html; ' +
        'exec httpd -f -p 80 -h /data',
    ],
    envFile: './web.env',
    env: { OVERRIDDEN: 'from stack.ts' },
    networks: [proxy],
    ports: [{ host: 18730, container: 80, hostIp: '127.0.0.1' }],
    mounts: [
      // Anonymous: the engine names it; kept across replacements of this container.
      { target: '/data' },
      // SELinux relabel ('z' shared, 'Z' private); without SELinux the engine ignores it.
      { bind: './site', target: '/site', readOnly: true, selinux: 'z' },
    ],
    // httpd as PID 1 ignores SIGTERM: stop it at once rather than after 10 s.
    stopSignal: 'SIGKILL',
  });
});
