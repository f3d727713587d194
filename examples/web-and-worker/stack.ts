/**
 * A web server and a background worker sharing a volume.
 *
 * The worker writes a page into the shared volume every INTERVAL seconds; its healthcheck passes once
 * the first page is there. The web server waits for the worker to be healthy, then serves the
 * volume read-only on http://127.0.0.1:18080/. Both have a restart policy and CPU, memory and
 * process limits — attributes moor changes live, without recreating the containers.
 *
 *   ./bin/moor.js plan examples/web-and-worker/stack.ts
 */
import { stack } from 'moor';

export default stack('ex-web-and-worker', ({ image, volume, container }) => {
  const tools = image('tools', { build: { context: './tools' } });
  const pages = volume('pages');

  const worker = container('worker', {
    image: tools,
    // `trap` makes the shell (PID 1) stop at once on SIGTERM instead of after the 10 s grace period.
    command: [
      'sh', '-c',
      'trap "exit 0" TERM; n=0; while true; do n=$((n+1)); echo "page $n written by the worker at $(date -u +%T)" > /pages/index.html.tmp && mv /pages/index.html.tmp /pages/index.html; sleep "$INTERVAL" & wait $!; done',
    ],
    env: { INTERVAL: '2' },
    mounts: [{ volume: pages, target: '/pages' }],
    healthcheck: { test: ['CMD', 'test', '-s', '/pages/index.html'], interval: '1s', timeout: '1s', retries: 3 },
    // Restarted when it exits with an error, at most 5 times in a row.
    restart: { policy: 'on-failure', maxRetries: 5 },
    resources: { cpus: 0.25, memory: '32m', pids: 16 },
  });

  container('web', {
    image: tools,
    command: ['httpd', '-f', '-p', '8080', '-h', '/srv'],
    ports: [{ host: 18080, container: 8080, hostIp: '127.0.0.1' }],
    mounts: [{ volume: pages, target: '/srv', readOnly: true }],
    // Started only once the worker's healthcheck passes (up to --wait-timeout, 120 s by default).
    dependsOn: [{ container: worker, condition: 'healthy' }],
    restart: 'unless-stopped',
    resources: { cpus: 0.5, memory: '64m', pids: 32 },
    // busybox httpd ignores SIGTERM as PID 1: give it one second, then SIGKILL.
    stopTimeout: 1,
  });
});
