/**
 * moor's benchmarks, one scenario per run (scripts/bench.sh prepares the engine, busybox and
 * dist/, then runs this file with its arguments):
 *
 *   npm run bench                 stacks: moor vs docker-compose vs the raw Engine API floor
 *   npm run bench -- migrate      a volume migration: moor vs the raw floor (npm run bench:migrate)
 *   npm run bench -- backup       backup and restore of a 1 GiB volume: moor vs tar (npm run bench:backup)
 *   npm run bench -- loop         the edit-plan loop: moor's short commands vs node -e 0 (npm run bench:loop)
 *   npm run bench -- ssh          moor over ssh:// vs the unix socket: no-op plan and a small apply (npm run bench:ssh)
 *
 * See BENCHMARKS.md for what each measures and the environment variables each reads.
 */
import { log } from './lib/harness.js';

const scenarios: Record<string, () => Promise<{ main(): Promise<number> }>> = {
  stacks: () => import('./scenarios/stacks.js'),
  migrate: () => import('./scenarios/migrate.js'),
  backup: () => import('./scenarios/backup.js'),
  loop: () => import('./scenarios/loop.js'),
  swarm: () => import('./scenarios/swarm.js'),
  ssh: () => import('./scenarios/ssh.js'),
};

async function main(argv: string[]): Promise<number> {
  const [name = 'stacks', ...rest] = argv;
  const load = scenarios[name];
  if (!load || rest.length) {
    log(`usage: npm run bench [-- ${Object.keys(scenarios).join(' | ')}]`);
    return 2;
  }
  return (await load()).main();
}

process.exitCode = await main(process.argv.slice(2));
