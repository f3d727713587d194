/**
 * The safe change workflow: lifecycle rules, a secret, and a volume whose data is copied across
 * when it has to be recreated.
 *
 * - `db` keeps its data in the volume `data` and has `protect: true`: no plan may delete or
 *   replace it (`destroy` included) until the rule is taken out of the stack.
 * - `data` has `migrate: true`: when the volume must be recreated, its data is copied into the
 *   new volume and verified, instead of the plan being refused for data loss.
 * - `web` serves the volume read-only on http://127.0.0.1:18400/. Its `BUILD_ID` is ignored
 *   (`ignoreChanges`): a new value alone recreates nothing. `replaceOrder: 'delete-before-create'`
 *   removes the old container before the new one is created, for a process that must never run
 *   twice. `DB_PASSWORD` is a secret read from ./db.pass when moor runs: plans, plan files and
 *   labels hold a reference and a keyed hash, never the value.
 *
 *   ./bin/moor.js plan examples/safe-changes/stack.ts
 *   curl http://127.0.0.1:18400/
 */
import { secret, stack } from 'moor';

export default stack('ex-safe-changes', ({ image, volume, container }) => {
  const tools = image('tools', { build: { context: './tools' } });
  const data = volume('data', { migrate: true });

  const db = container('db', {
    image: tools,
    // Stands in for a database: writes its "data" once, then keeps it. The time it was written
    // shows whether the volume kept its data, or was recreated empty.
    command: ['sh', '-c', 'trap "exit 0" TERM; [ -s /data/index.html ] || echo "written by db at $(date -u +%FT%TZ)" > /data/index.html; while true; do sleep 3600 & wait $!; done'],
    mounts: [{ volume: data, target: '/data' }],
    healthcheck: { test: ['CMD', 'test', '-s', '/data/index.html'], interval: '1s', timeout: '1s', retries: 3 },
    restart: 'unless-stopped',
    protect: true,
  });

  container('web', {
    image: tools,
    command: ['httpd', '-f', '-p', '80', '-h', '/www'],
    ports: [{ host: 18400, container: 80, hostIp: '127.0.0.1' }],
    mounts: [{ volume: data, target: '/www', readOnly: true }],
    env: {
      BUILD_ID: '2026.11.23-1',
      // A file next to this stack so that the example applies as it is; see README.md.
      DB_PASSWORD: secret({ file: './db.pass' }),
    },
    dependsOn: [{ container: db, condition: 'healthy' }],
    restart: 'unless-stopped',
    // busybox httpd ignores SIGTERM as PID 1: stop it at once.
    stopSignal: 'SIGKILL',
    ignoreChanges: ['env.BUILD_ID'],
    replaceOrder: 'delete-before-create',
  });
});
