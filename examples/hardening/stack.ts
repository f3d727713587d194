/**
 * A hardened web server: the runtime options that take privileges away, and the kernel limits.
 *
 * `web` drops every Linux capability but the one it needs to bind port 80, runs on a read-only
 * root file system (its page is written to a tmpfs), cannot gain privileges through setuid
 * binaries (no-new-privileges), runs under an init process that reaps zombies and forwards
 * signals, has its open files and processes limited, a small /dev/shm, an extra group, a sysctl
 * of its own network namespace, and a 30 s stop grace period. Its page reports what it sees.
 *
 *   ./bin/moor.js apply examples/hardening/stack.ts --yes && curl http://127.0.0.1:18700/
 */
import { stack } from 'moor';

// What the container reports about itself, from inside: capabilities, limits, a write to /.
const REPORT = [
  'grep -E "^(CapEff|NoNewPrivs|Groups)" /proc/self/status',
  'echo "nofile $(ulimit -n) $(ulimit -Hn)"',
  'echo "somaxconn $(cat /proc/sys/net/core/somaxconn)"',
  'echo "pid1 $(tr "\\0" "\\n" < /proc/1/cmdline | head -1)"',
  'df -k /dev/shm | tail -1',
  'touch /probe 2>&1 || true',
].join('; ');

export default stack('ex-hardening', ({ image, container }) => {
  const tools = image('tools', { build: { context: './tools' } });

  container('web', {
    image: tools,
    command: ['sh', '-c', `(${REPORT}) > /www/index.html 2>&1; exec httpd -f -p 80 -h /www`],
    ports: [{ container: 80, host: 18700, hostIp: '127.0.0.1' }],
    mounts: [{ tmpfs: { size: '1m' }, target: '/www' }],
    capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
    readOnlyRoot: true,
    securityOptions: ['no-new-privileges:true'],
    init: true,
    ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 256 },
    sysctls: { 'net.core.somaxconn': 1024 },
    shmSize: '16m',
    groupAdd: [2000],
    stopTimeout: '30s',
    restart: 'unless-stopped',
  });
});
