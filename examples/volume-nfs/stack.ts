/**
 * An NFS export as a volume: the nfs() storage provider.
 *
 * `share` is the export /exports/share of the NFS server 192.0.2.10, mounted with NFS v4 and the
 * options `hard` (retry for ever rather than hand an I/O error to the program when the server is
 * slow) and `timeo=600` (60 s before a retry). `web` serves the share read-only on
 * http://127.0.0.1:18520/ and `uploader` writes the time into /share/heartbeat every 30 s.
 *
 * 192.0.2.10 is a documentation address (TEST-NET-1): nothing answers there, so this stack shows
 * what moor checks before it changes anything. Point `server` and `path` at a real export to use
 * it. The engine's local driver mounts the share when a container using it starts; moor checks at
 * plan time what the engine would only find out then: the options are NFS options, the server
 * answers on its port (2049 unless `port` says otherwise), and this host's kernel can mount NFS
 * at all. `--skip-checks` plans without those checks (a machine that cannot reach the server).
 *
 * The data lives on the server: deleting the volume, or `destroy` (with or without --volumes),
 * removes the engine's volume and leaves the export as it is.
 *
 *   ./bin/moor.js plan examples/volume-nfs/stack.ts
 */
import { nfs, stack } from 'moor';

export default stack('ex-volume-nfs', ({ image, volume, container }) => {
  const tools = image('tools', { build: { context: './tools' } });
  const share = volume('share', {
    provider: nfs({
      server: '192.0.2.10', // a host name works too; an IPv6 address in brackets: '[2001:db8::10]'
      path: '/exports/share',
      version: 4, // 3, 4, 4.1 or 4.2
      // nfs(5) mount options; moor refuses one it does not know, and addr/vers, which it sets itself.
      options: ['hard', 'timeo=600'],
    }),
  });

  container('uploader', {
    image: tools,
    // `trap` lets the shell (PID 1) stop at once on SIGTERM instead of after the grace period.
    command: ['sh', '-c', 'trap "exit 0" TERM; while true; do date -u +%FT%TZ > /share/heartbeat; sleep 30 & wait $!; done'],
    mounts: [{ volume: share, target: '/share' }],
    restart: 'unless-stopped',
  });

  container('web', {
    image: tools,
    command: ['httpd', '-f', '-p', '80', '-h', '/share'],
    ports: [{ host: 18520, container: 80, hostIp: '127.0.0.1' }],
    mounts: [{ volume: share, target: '/share', readOnly: true }],
    restart: 'unless-stopped',
    // httpd as PID 1 ignores SIGTERM: stop it at once rather than after 10 s.
    stopSignal: 'SIGKILL',
  });
});
