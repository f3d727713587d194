/**
 * The three kinds of mounts.
 *
 * - A named volume, `data`: `writer` mounts it read-write and appends to /data/log; `web` mounts
 *   the same volume read-only at /data (writing there fails with "Read-only file system").
 * - A bind mount of a directory of this example, `./site`: relative bind paths are resolved
 *   against the stack file's directory, not the current directory. `web` serves it read-only on
 *   http://127.0.0.1:18200/.
 * - tmpfs mounts: in memory, empty at every start, gone with the container. `writer` has a 16 MiB
 *   /scratch with mode 1777 (like /tmp); `web` has a /tmp with the engine's defaults.
 *
 *   ./bin/moor.js plan examples/mounts/stack.ts
 */
import { local, stack } from 'moor';

export default stack('ex-mounts', ({ image, volume, container }) => {
  const tools = image('tools', { build: { context: './tools' } });
  // `provider: local()` is the default (a volume of the engine's local driver), spelled out here.
  const data = volume('data', { provider: local(), labels: { 'com.example.purpose': 'mounts example' } });

  container('writer', {
    image: tools,
    command: ['sh', '-c', 'trap "exit 0" TERM; while true; do date -u +%T >> /data/log; date -u +%T > /scratch/last; sleep 5 & wait $!; done'],
    mounts: [
      { volume: data, target: '/data' },
      { tmpfs: { size: '16m', mode: 0o1777 }, target: '/scratch' },
    ],
    restart: 'unless-stopped',
  });

  container('web', {
    image: tools,
    command: ['httpd', '-f', '-p', '80', '-h', '/www'],
    ports: [{ host: 18200, container: 80, hostIp: '127.0.0.1' }],
    mounts: [
      { bind: './site', target: '/www', readOnly: true },
      { volume: data, target: '/data', readOnly: true },
      { tmpfs: true, target: '/tmp' },
    ],
    restart: 'unless-stopped',
    stopSignal: 'SIGKILL',
  });
});
