/**
 * A volume in memory: the tmpfs() storage provider.
 *
 * `cache` is a named volume held in RAM (at most 64 MiB, mode 1777 like /tmp). Two containers
 * share it: `renderer` writes a status page into it every few seconds, `web` serves it read-only
 * on http://127.0.0.1:18500/. The page quotes the cache's line of /proc/mounts, so you can see
 * that it is a tmpfs of that size.
 *
 * Unlike a `{ tmpfs }` mount (examples/mounts), which each container gets for itself, a tmpfs
 * volume is one file system shared by every container that mounts it. Its data lives as long as
 * one of them runs: the engine mounts it when the first one starts and unmounts it when the last
 * one stops, and what was in it is gone. Good for caches and scratch space, never for data.
 *
 *   ./bin/moor.js plan examples/volume-tmpfs/stack.ts
 */
import { stack, tmpfs } from 'moor';

export default stack('ex-volume-tmpfs', ({ image, volume, container }) => {
  const tools = image('tools', { build: { context: './tools' } });
  // In RAM, 64 MiB at most (writes past it fail with "No space left on device"); mode as an octal
  // string or a number (0o1777). uid/gid would set the owner of its root directory.
  const cache = volume('cache', { provider: tmpfs({ size: '64m', mode: '1777' }) });

  const renderer = container('renderer', {
    image: tools,
    // Writes the page next to its final name and renames it, so web never serves half a page.
    // `trap` lets the shell (PID 1) stop at once on SIGTERM instead of after the grace period.
    command: [
      'sh', '-c',
      'trap "exit 0" TERM; n=0; while true; do n=$((n+1)); ' +
        '{ echo "page $n rendered by renderer at $(date -u +%T)"; echo "cache: $(grep " /cache " /proc/mounts)"; } > /cache/index.html.tmp && ' +
        'mv /cache/index.html.tmp /cache/index.html; sleep 5 & wait $!; done',
    ],
    mounts: [{ volume: cache, target: '/cache' }],
    healthcheck: { test: ['CMD', 'test', '-s', '/cache/index.html'], interval: '1s', timeout: '1s', retries: 3 },
    restart: 'unless-stopped',
  });

  container('web', {
    image: tools,
    command: ['httpd', '-f', '-p', '80', '-h', '/cache'],
    ports: [{ host: 18500, container: 80, hostIp: '127.0.0.1' }],
    // The same file system as renderer's /cache, read-only here.
    mounts: [{ volume: cache, target: '/cache', readOnly: true }],
    dependsOn: [{ container: renderer, condition: 'healthy' }],
    restart: 'unless-stopped',
    // httpd as PID 1 ignores SIGTERM: stop it at once rather than after 10 s.
    stopSignal: 'SIGKILL',
  });
});
