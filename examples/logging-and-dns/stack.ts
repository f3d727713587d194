/**
 * How a container is named, found and heard: logging, name resolution, a fixed address, a terminal.
 *
 * `web` logs through the json-file driver with rotation (1 MiB per file, 3 files), resolves
 * names with its own search domain and resolver options (the stack's network's embedded DNS
 * answers first, then the servers given), has an extra line in /etc/hosts, and a fixed address on
 * the stack's network. `metrics` has a fixed address too, and documents the port it listens on
 * (expose: not published). `console` is a shell with a terminal and stdin kept open, as
 * `docker run -it` would start it: `docker attach ex-logging-and-dns-console` to use it.
 * Every container runs the stack's own image only (pullPolicy 'build'): nothing is ever pulled.
 *
 *   ./bin/moor.js apply examples/logging-and-dns/stack.ts --yes && curl http://127.0.0.1:18710/
 */
import { stack } from 'moor';

export default stack('ex-logging-and-dns', ({ image, network, container }) => {
  const tools = image('tools', { build: { context: './tools' } });
  // A fixed address needs a network of the stack with a declared subnet.
  const net = network('net', { subnet: '10.213.71.0/24' });

  container('metrics', {
    image: tools,
    pullPolicy: 'build',
    command: ['sh', '-c', 'mkdir -p /m && echo "up 1" > /m/metrics && exec httpd -f -p 9100 -h /m'],
    networks: [{ network: net, ipv4Address: '10.213.71.20' }],
    expose: [9100],
    init: true, // httpd is not PID 1: the stop signal reaches it, and it stops at once
  });

  container('web', {
    image: tools,
    pullPolicy: 'build',
    command: ['sh', '-c', [
      'mkdir -p /www',
      '(echo "== /etc/resolv.conf"; cat /etc/resolv.conf; echo "== /etc/hosts"; grep internal /etc/hosts; echo "== address"; ip -4 addr show eth0 | grep inet) > /www/index.html',
      'echo "web started"',
      'exec httpd -f -p 80 -h /www',
    ].join('; ')],
    ports: [{ container: 80, host: 18710, hostIp: '127.0.0.1' }],
    networks: [{ network: net, ipv4Address: '10.213.71.10' }],
    dns: { servers: ['10.213.71.20'], search: ['internal.example'], options: ['ndots:1', 'timeout:2'] },
    extraHosts: { 'metrics.internal': '10.213.71.20' },
    logging: { driver: 'json-file', options: { 'max-size': '1m', 'max-file': '3' } },
    init: true,
  });

  container('console', {
    image: tools,
    pullPolicy: 'build',
    command: ['sh'],
    tty: true,
    stdinOpen: true,
    networks: [net],
    logging: { driver: 'local' },
    // An interactive shell ignores SIGTERM; it ends on a hang-up, as when its terminal closes
    // (under init: as PID 1 it would ignore every signal it has no handler for).
    init: true,
    stopSignal: 'SIGHUP',
    stopTimeout: '5s',
  });
});
