/**
 * A host directory as a named volume: the bind() storage provider.
 *
 * `logs` is the directory ./data next to this file (a relative path is resolved against the stack
 * file, and the plan shows the absolute path). `create: true` lets apply create it when it is
 * missing; without it, a missing directory is a plan error. `writer` appends a line to
 * /logs/access.log every few seconds; `web` serves the directory read-only on
 * http://127.0.0.1:18510/. The file is on the host, in examples/volume-bind/data/, where any
 * program (a backup, logrotate, you) can read it.
 *
 * Compared with a `{ bind }` mount (examples/mounts): the directory is a volume of the stack, so
 * the plan checks that it exists, a directory deleted by hand is drift that apply repairs, and
 * several containers name it through one handle. The data is the directory's: deleting the volume
 * (or `destroy`, with or without --volumes) leaves every file where it is.
 *
 *   ./bin/moor.js plan examples/volume-bind/stack.ts
 */
import { bind, stack } from 'moor';

export default stack('ex-volume-bind', ({ image, volume, container }) => {
  const tools = image('tools', { build: { context: './tools' } });
  // ./data is git-ignored (see .gitignore): it is created by apply and holds what writer writes.
  const logs = volume('logs', { provider: bind({ path: './data', create: true }) });

  container('writer', {
    image: tools,
    // `trap` lets the shell (PID 1) stop at once on SIGTERM instead of after the grace period.
    command: ['sh', '-c', 'trap "exit 0" TERM; while true; do echo "$(date -u +%FT%TZ) written by writer" >> /logs/access.log; sleep 5 & wait $!; done'],
    mounts: [{ volume: logs, target: '/logs' }],
    restart: 'unless-stopped',
  });

  container('web', {
    image: tools,
    command: ['httpd', '-f', '-p', '80', '-h', '/srv'],
    ports: [{ host: 18510, container: 80, hostIp: '127.0.0.1' }],
    mounts: [{ volume: logs, target: '/srv', readOnly: true }],
    restart: 'unless-stopped',
    // httpd as PID 1 ignores SIGTERM: stop it at once rather than after 10 s.
    stopSignal: 'SIGKILL',
  });
});
