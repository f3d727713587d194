/**
 * A directory of another machine, over SSH: the sshfs() storage provider.
 *
 * `reports` is /srv/reports on files.example.com, reached as the user `reports` with a key moor
 * logs in with. moor mounts it with this host's sshfs (FUSE) under
 * /var/lib/moor/mounts/ex-volume-sshfs-reports and gives that directory to the engine as a volume.
 * `reporter` appends a line to /reports/reporter.log every ten seconds; `web` serves the directory
 * read-only on http://127.0.0.1:18530/.
 *
 * The server's host key is pinned in the stack: moor compares it with what the server offers at
 * plan time and ssh refuses any other key when mounting. The README says how to get it and check
 * it. files.example.com stands for your server: replace host, port, user, path, identityFile and
 * hostKey with yours.
 *
 * Needs the engine on this host (moor mounts, the engine binds the mount), `sshfs` installed
 * (Debian: apt-get install sshfs) and root (moor mounts FUSE itself). The data lives on the
 * server: deleting the volume, or `destroy` (with or without --volumes), unmounts it and never
 * deletes a remote file.
 *
 *   ./bin/moor.js plan examples/volume-sshfs/stack.ts
 */
import { sshfs, stack } from 'moor';

export default stack('ex-volume-sshfs', ({ image, volume, container }) => {
  const tools = image('tools', { build: { context: './tools' } });
  const reports = volume('reports', {
    provider: sshfs({
      host: 'files.example.com',
      port: 2222, // 22 when left out
      user: 'reports',
      path: '/srv/reports', // the remote directory; it must exist
      // The private key moor's ssh logs in with (absolute, or relative to this file). Keep it out
      // of the repository; its public half goes into ~reports/.ssh/authorized_keys on the server.
      identityFile: '/etc/moor/ssh/reports_ed25519',
      // The server's public host key (/etc/ssh/ssh_host_ed25519_key.pub on it), checked out of band.
      hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBMVXLIHYmUGynE8z1xfKJWH53WPlIwfkcdv13wWKRqW',
      keepAlive: 15, // seconds between keep-alive probes; after 3 unanswered ones sshfs reconnects
      reconnect: true, // the default: reconnect after the connection dropped
    }),
  });

  container('reporter', {
    image: tools,
    // `trap` lets the shell (PID 1) stop at once on SIGTERM instead of after the grace period.
    command: ['sh', '-c', 'trap "exit 0" TERM; while true; do echo "$(date -u +%FT%TZ) written by reporter" >> /reports/reporter.log; sleep 10 & wait $!; done'],
    mounts: [{ volume: reports, target: '/reports' }],
    restart: 'unless-stopped',
  });

  container('web', {
    image: tools,
    command: ['httpd', '-f', '-p', '80', '-h', '/srv'],
    ports: [{ host: 18530, container: 80, hostIp: '127.0.0.1' }],
    mounts: [{ volume: reports, target: '/srv', readOnly: true }],
    restart: 'unless-stopped',
    // httpd as PID 1 ignores SIGTERM: stop it at once rather than after 10 s.
    stopSignal: 'SIGKILL',
  });
});
