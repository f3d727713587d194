/**
 * A database migration that runs once before the app starts.
 *
 * `migrate` is a runOnce container: apply starts it and waits until it exits; code 0 completes it
 * and `app` (which depends on it) starts; any other code fails the apply with its last log lines.
 * Exited 0 is its desired state: the next plan is empty and it is not run again. Edit the
 * migration (its command, env or image) and the next apply runs it again.
 *
 *   ./bin/moor.js apply examples/run-once/stack.ts --yes
 */
import { stack } from 'moor';

export default stack('ex-run-once', ({ image, volume, container }) => {
  const tools = image('tools', { build: { context: './tools' } });
  const data = volume('data');

  const migrate = container('migrate', {
    image: tools,
    command: ['sh', '-c', 'echo "applying 0001_init"; mkdir -p /data/schema && echo 1 > /data/schema/version && echo done'],
    env: { SCHEMA: '1' },
    mounts: [{ volume: data, target: '/data' }],
    runOnce: true,
  });

  container('app', {
    image: tools,
    // Refuses to start on an unmigrated database: it never has to, since it waits for migrate.
    command: ['sh', '-c', 'test -f /data/schema/version || exit 1; trap "exit 0" TERM; while true; do sleep 1; done'],
    mounts: [{ volume: data, target: '/data', readOnly: true }],
    dependsOn: [migrate], // a runOnce container: the condition is 'completed'
    restart: 'unless-stopped',
  });
});
