/**
 * Backup jobs: volumes archived on a schedule, verified, pruned, restorable.
 *
 * `db` stands in for a database: it appends a row to /data/table.txt every two seconds and keeps
 * running during backups. `app` keeps uploaded files in the volume `uploads` (a new one every five
 * seconds) and serves them on http://127.0.0.1:18600/.
 *
 * Two jobs, declared with backup() like any resource (`+ backup nightly` in the plan) and kept on
 * the engine; `moor backup run|list|verify|restore|daemon` run what was applied:
 * - `nightly` archives `dumps` and `uploads` at 02:30 Paris time into ./archives on the host. Before
 *   it, a hook has `db` write a consistent dump of its table into `dumps` (pg_dump in real life),
 *   so the live files of `data` are never archived half-written; `app` is stopped while the
 *   archive is made and started again after. It keeps the 3 newest archives and the newest of
 *   each of the last 7 days, 4 weeks and 6 months.
 * - `hourly` archives `uploads` every hour into the volume `backups`, keeping 24. A volume target
 *   can be any provider: sshfs({ … }) or nfs({ … }) put the archives on another machine.
 * `drill` is an empty volume to restore into and look at (`moor backup restore … hourly --to drill`)
 * without touching `uploads`.
 *
 *   ./bin/moor.js plan examples/backup-jobs/stack.ts
 */
import { stack } from 'moor';

export default stack('ex-backup-jobs', ({ image, volume, container, backup }) => {
  // Also the jobs' worker image: it needs sh, tar, gzip, head, stat, rm, mv and mkdir.
  const tools = image('tools', { build: { context: './tools' } });
  const data = volume('data');
  const dumps = volume('dumps');
  const uploads = volume('uploads');
  const backups = volume('backups');
  volume('drill');

  const db = container('db', {
    image: tools,
    // `trap` lets the shell (PID 1) stop at once on SIGTERM instead of after the grace period.
    command: ['sh', '-c', 'trap "exit 0" TERM; while true; do echo "$(date -u +%FT%TZ) row" >> /data/table.txt; sleep 2 & wait $!; done'],
    mounts: [{ volume: data, target: '/data' }, { volume: dumps, target: '/dumps' }],
    restart: 'unless-stopped',
  });

  const app = container('app', {
    image: tools,
    // httpd goes to the background and serves /uploads; the loop "receives" a file every 5 s.
    command: ['sh', '-c', 'trap "exit 0" TERM; httpd -p 80 -h /uploads; n=$(ls /uploads | wc -l); while true; do n=$((n+1)); echo "upload $n received at $(date -u +%FT%TZ)" > /uploads/upload-$n.txt; sleep 5 & wait $!; done'],
    ports: [{ host: 18600, container: 80, hostIp: '127.0.0.1' }],
    mounts: [{ volume: uploads, target: '/uploads' }],
    dependsOn: [db],
    restart: 'unless-stopped',
  });

  backup('nightly', {
    volumes: [dumps, uploads],
    target: { hostPath: './archives' }, // relative to this file; git-ignored
    schedule: '30 2 * * *',
    timezone: 'Europe/Paris',
    keep: { last: 3, daily: 7, weekly: 4, monthly: 6 },
    stop: [app],
    hooks: {
      // Written next to its final name and renamed: the archive never holds half a dump.
      before: [{ exec: db, command: ['sh', '-c', 'cp /data/table.txt /dumps/table.dump.tmp && mv /dumps/table.dump.tmp /dumps/table.dump'], timeout: 60 }],
      // Runs only when the archive was made and verified.
      after: [{ exec: db, command: ['sh', '-c', 'date -u +%FT%TZ > /dumps/last-verified-backup'] }],
    },
    image: tools,
  });

  backup('hourly', {
    volumes: [uploads],
    target: backups,
    schedule: '0 * * * *',
    keep: { last: 24 },
    stop: [app],
    image: tools,
  });
});
