/**
 * One stack, two environments: typed parameters with defaults, their values per environment in
 * stack.dev.json and stack.prod.json beside this file, chosen with --env. Each environment is its
 * own stack on the engine (ex-environments-dev, ex-environments-prod); without --env the defaults
 * apply to the stack ex-environments.
 *
 * - `web` serves a page saying which greeting, how many workers and which debug setting it got,
 *   and how long its API_TOKEN is (never the token itself), on 127.0.0.1:<port>.
 * - API_TOKEN is a secret: from the environment, else a file given with --env-file (prod.env),
 *   else .env beside this file.
 *
 *   ./bin/moor.js apply examples/environments/stack.ts --env dev --yes
 *   ./bin/moor.js apply examples/environments/stack.ts --env prod --env-file examples/environments/prod.env --yes
 *   curl http://127.0.0.1:18701/ http://127.0.0.1:18702/
 */
import { secret, stack } from 'moor';

export default stack('ex-environments', {
  params: { port: 18720, greeting: 'hello from the defaults', workers: 1, debug: false },
}, ({ image, container }, params) => {
  const tools = image('tools', { build: { context: './tools' } });

  container('web', {
    image: tools,
    command: ['sh', '-c', [
      'mkdir -p /www',
      'echo "$GREETING (workers: $WORKERS, debug: $DEBUG, API token: ${#API_TOKEN} characters)" > /www/index.html',
      'exec httpd -f -p 80 -h /www',
    ].join(' && ')],
    env: {
      GREETING: params.greeting,
      WORKERS: String(params.workers),
      DEBUG: params.debug ? 'on' : 'off',
      API_TOKEN: secret('API_TOKEN'),
    },
    ports: [{ host: params.port, container: 80, hostIp: '127.0.0.1' }],
    restart: 'unless-stopped',
    // busybox httpd ignores SIGTERM as PID 1: stop it at once.
    stopSignal: 'SIGKILL',
  });
});
