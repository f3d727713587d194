/**
 * Swarm services on a single-node swarm: a replicated web service with rolling updates and a
 * healthcheck, a worker reaching it by name on an overlay network, and a swarm secret.
 *
 * Needs an engine that is a swarm manager (`docker swarm init --advertise-addr 127.0.0.1` makes a
 * single-node one; moor never inits or leaves a swarm itself). The token comes from the
 * environment: `export EX_SWARM_TOKEN=…`.
 *
 *   ./bin/moor.js plan examples/swarm-services/stack.ts
 */
import { secret, stack } from 'moor';

export default stack('ex-swarm-services', ({ image, network, service }) => {
  const tools = image('tools', { build: { context: './tools' } });
  // An overlay network spans the swarm's nodes; attachable lets plain containers join it too.
  const backend = network('backend', { driver: 'overlay', attachable: true });

  service('web', {
    image: tools,
    replicas: 3,
    command: ['sh', '-c', 'mkdir -p /srv && echo "$GREETING from $(hostname)" > /srv/index.html && exec httpd -f -p 8080 -h /srv'],
    env: { GREETING: 'hello' },
    // Host mode: each task publishes 8080 on a port of its node (the engine picks it, as several
    // tasks share this one node). With a routing mesh (real clusters): { container: 8080, host: 18700 }.
    ports: [{ container: 8080, mode: 'host' }],
    networks: [backend],
    // The name `web` resolves to every task's IP (on this machine, service VIPs do not answer).
    endpointMode: 'dnsrr',
    healthcheck: { test: ['CMD', 'test', '-s', '/srv/index.html'], interval: '1s', timeout: '1s', retries: 3 },
    // One task at a time, the new one started before the old one stops; a failed update is rolled back.
    update: { parallelism: 1, order: 'start-first', failureAction: 'rollback', monitor: '3s' },
    resources: { limits: { cpus: 0.25, memory: '32m' }, reservations: { memory: '8m' } },
    stopTimeout: 1,
  });

  service('worker', {
    image: tools,
    // Looks `web` up on the swarm's DNS and fetches a page from one of its tasks, every 2 seconds.
    command: ['sh', '-c', 'mkdir -p /tmp; trap "exit 0" TERM; while true; do ip=$(nslookup web 127.0.0.11 | sed -n "s/^Address: //p" | grep -v 127.0.0.11 | head -n1); [ -n "$ip" ] && printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 2 "$ip" 8080 | tail -n1 > /tmp/last; sleep 2 & wait $!; done'],
    networks: [backend],
    endpointMode: 'dnsrr',
    // A swarm secret, a file in every task: /run/secrets/token.
    secrets: { token: secret('EX_SWARM_TOKEN') },
    restart: { condition: 'on-failure', maxAttempts: 5 },
  });
});
