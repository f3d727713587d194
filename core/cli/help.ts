/**
 * Every command's help: usage, what it does, its flags, an example. Plain text with no
 * dependencies, so `moor <command> --help` loads nothing else.
 */

export interface CommandHelp {
  usage: string[];
  summary: string;
  flags: [string, string][];
  examples: string[];
  /** When the command's exit codes are not the common ones. */
  exitCodes?: string;
}

const STACK_ARG = '<stack.ts | dir>';
const STACK_NOTE = 'Without a file, or with a directory, the stack file is moor.ts, else stack.ts, in that directory (default: the current one).';
const R = 'R is a resource name (web) or id (container.web).';
const CONTEXT: [string, string] = ['--context NAME', 'the docker context naming the engine (before DOCKER_HOST; see docs/remote.md)'];
const INPUTS: [string, string][] = [
  ['--env NAME', 'the environment: parameters from <stack file>.NAME.json beside the stack; the stack on the engine is <name>-NAME'],
  ['--var name=value', 'one parameter\'s value, parsed to its default\'s type (repeatable; over everything else)'],
  ['--env-file F', 'variables for secret(\'NAME\') and MOOR_PARAM_<param>, over .env beside the stack (repeatable; the later wins)'],
];

const apply: CommandHelp = {
  usage: [`moor apply ${STACK_ARG} [flags]`, 'moor apply <plan.json> [--yes] [--allow-data-loss] [--lock-timeout 60s] [--skip-checks] [--json] [--env NAME] [--env-file F]…'],
  summary: 'Plan, show the plan, ask for confirmation, then change the engine to match the stack. Holds the stack\'s lock. A saved plan (from plan --out) is applied exactly, or refused when the engine changed since.',
  flags: [
    ['-y, --yes', 'apply without asking'],
    ['--json', 'JSON lines on stdout: the plan, one event per step, the summary (human text goes to stderr)'],
    ['--concurrency N', 'steps run at once (1–64, default 4)'],
    ['--allow-data-loss', 'allow deleting or recreating volumes that hold data'],
    ['--migrate-volumes', 'copy the data of volumes that must be recreated (as migrate: true)'],
    ['--target R', 'only this resource and what it needs (repeatable)'],
    ['--replace R', 'replace this resource even if unchanged (repeatable)'],
    ['--refresh=false', 'do not inspect containers for drift in live settings'],
    ['--wait-timeout 120s', 'how long to wait for a container to start, be healthy or complete'],
    ['--lock-timeout 60s', 'how long to wait for another moor holding the stack\'s lock'],
    ['--skip-checks', 'no plan-time checks of volume providers (NFS server, SSH host key, host paths)'],
    CONTEXT,
    ...INPUTS,
  ],
  examples: ['moor apply stacks/shop.ts', 'moor apply --env prod --env-file prod.env', 'moor apply --yes --target web', 'moor plan --out plan.json && moor apply plan.json'],
};

export const HELP: Record<string, CommandHelp> = {
  plan: {
    usage: [`moor plan ${STACK_ARG} [flags]`],
    summary: 'Show what apply would change and why. Reads the engine, never changes it, takes no lock.',
    flags: [
      ['--detailed-exitcode', 'exit 0: no changes, 2: changes, 1: error'],
      ['--json', 'the plan as JSON on stdout (docs/plan-json.md)'],
      ['--out plan.json', 'save the plan for moor apply plan.json'],
      ['--target R', 'only this resource and what it needs (repeatable)'],
      ['--replace R', 'replace this resource even if unchanged (repeatable)'],
      ['--migrate-volumes', 'plan volume recreations as migrations'],
      ['--refresh=false', 'do not inspect containers: faster, but drift in live settings is not checked'],
      ['--skip-checks', 'no plan-time checks of volume providers'],
      CONTEXT,
      ...INPUTS,
    ],
    examples: ['moor plan', 'moor plan stacks/shop.ts --detailed-exitcode', 'moor plan --env prod --var replicas=3', 'moor plan infra/ --json | jq .summary'],
  },
  apply,
  destroy: {
    usage: [`moor destroy ${STACK_ARG} [flags]`],
    summary: 'Remove everything the stack created. Volumes holding data are kept unless --volumes; protect: true refuses.',
    flags: [
      ['-y, --yes', 'destroy without asking'],
      ['--volumes', 'also delete volumes that hold data'],
      ['--json', 'JSON lines on stdout, as apply --json'],
      ['--target R', 'only this resource and what uses it (repeatable)'],
      ['--concurrency N', 'steps run at once (default 4)'],
      ['--wait-timeout 120s', 'as for apply'],
      ['--lock-timeout 60s', 'as for apply'],
      CONTEXT,
      ...INPUTS,
    ],
    examples: ['moor destroy stacks/shop.ts', 'moor destroy --yes --volumes', 'moor destroy --env dev --yes'],
  },
  backup: {
    usage: ['moor backup <run|list|verify|restore|daemon> <stack.ts> …'],
    summary: 'Run, list, verify and restore the stack\'s backup jobs, as applied on the engine. moor backup <subcommand> --help for each.',
    flags: [
      ['--context NAME', 'every subcommand: the docker context naming the engine (see docs/remote.md)'],
      ['--env NAME', 'every subcommand: the environment (the stack <name>-NAME on the engine); --var and --env-file as for plan'],
    ],
    examples: ['moor backup run stacks/shop.ts nightly', 'moor backup list stacks/shop.ts'],
  },
  'backup run': {
    usage: ['moor backup run <stack.ts> <job> [--lock-timeout 60s]'],
    summary: 'Archive the job\'s volumes now (stopping its stop: containers meanwhile), verify the archive, prune by keep:. Exit 1 names the failed step. On the engine\'s machine the pruned archives are deleted after the command, by a process that holds the stack\'s lock until they are gone (docs/backups.md).',
    flags: [['--lock-timeout 60s', 'how long to wait for the stack\'s lock'], CONTEXT, ...INPUTS],
    examples: ['moor backup run stacks/shop.ts nightly'],
  },
  'backup list': {
    usage: ['moor backup list <stack.ts> [job] [--json]'],
    summary: 'Archives with time, size, files and verification status.',
    flags: [['--json', 'as JSON on stdout'], CONTEXT, ...INPUTS],
    examples: ['moor backup list stacks/shop.ts nightly'],
  },
  'backup verify': {
    usage: ['moor backup verify <stack.ts> <job> [archive] [--json]'],
    summary: 'Re-read an archive (default: the newest) and compare every entry with its manifest.',
    flags: [['--json', 'as JSON on stdout'], CONTEXT, ...INPUTS],
    examples: ['moor backup verify stacks/shop.ts nightly'],
  },
  'backup restore': {
    usage: ['moor backup restore <stack.ts> <job> [--at <archive>] [--to <volume>] [--yes]'],
    summary: 'Restore an archive into its volumes (or --to another volume of the stack). The live data is replaced only once the archive proved good. On the engine\'s machine the replaced data is deleted after the command, by a process that holds the stack\'s lock until it is gone (docs/backups.md).',
    flags: [['--at <archive>', 'which archive (default: the newest verified)'], ['--to <volume>', 'restore a one-volume archive into this volume'], ['-y, --yes', 'restore without asking'], ['--lock-timeout 60s', 'as for apply'], CONTEXT, ...INPUTS],
    examples: ['moor backup restore stacks/shop.ts nightly --at 20261205T020000Z'],
  },
  'backup daemon': {
    usage: ['moor backup daemon <stack.ts>'],
    summary: 'Run the stack\'s jobs on their schedules until SIGTERM or SIGINT (which let the running job finish).',
    flags: [['--lock-timeout 60s', 'as for apply'], CONTEXT, ...INPUTS],
    examples: ['moor backup daemon stacks/shop.ts'],
  },
  ps: {
    usage: [`moor ps ${STACK_ARG} [--json]`, 'moor ps --stack NAME [--json]'],
    summary: 'Each resource of the stack, its engine object(s), state, health, published ports, and whether it matches the stack: in sync, drifted (changed on the engine), changed (the stack was edited since the last apply), missing, or not in the stack. Reads the engine (as plan does), changes nothing. With --stack NAME, the stack\'s containers as the engine\'s labels know them, without the stack file (and so without the comparison).',
    flags: [
      ['--json', 'as JSON on stdout: {stack, resources: [{id, kind, name, objects, state, health, ports, sync, causes}]}'],
      ['--stack NAME', 'the stack named NAME on the engine, without its file'],
      CONTEXT,
      ...INPUTS,
    ],
    examples: ['moor ps', 'moor ps stacks/shop.ts --json | jq \'.resources[] | select(.sync != "in sync")\'', 'moor ps --stack shop'],
  },
  logs: {
    usage: [`moor logs [${STACK_ARG}] [resource…] [flags]`],
    summary: 'The logs of the stack\'s containers (all, or the resources named), each line prefixed with its container as compose does, coloured on a terminal. Lines of several containers are merged in the order they were written. With -f, follows until every container stopped (exit 0) or Ctrl-C (exit 130).',
    flags: [
      ['-f, --follow', 'keep printing new lines until Ctrl-C'],
      ['--since 10m', 'only lines since a duration ago (10m, 1h30m), a time (2026-12-06T05:00:00Z) or Unix seconds'],
      ['--tail N', 'only the last N lines of each container (or "all")'],
      ['-t, --timestamps', 'show each line\'s timestamp'],
      ['--stack NAME', 'the stack named NAME on the engine, without its file'],
      CONTEXT,
      ...INPUTS,
    ],
    examples: ['moor logs', 'moor logs stacks/shop.ts web db --tail 20', 'moor logs -f --since 5m web'],
  },
  exec: {
    usage: [`moor exec [${STACK_ARG}] <resource> [--] [command…]`],
    summary: 'Run a command (default: sh) in a running container of the stack. With a terminal on stdin and stdout the command gets a TTY (raw mode, resized with the terminal); otherwise stdin is forwarded and its stdout and stderr come out apart. moor exits with the command\'s exit code. moor\'s own flags come before the resource; everything after it is the command.',
    flags: [
      ['-u, --user USER', 'user or uid[:gid] to run as (default: the container\'s)'],
      ['-w, --workdir DIR', 'working directory of the command'],
      ['-T, --no-tty', 'no TTY even on a terminal (plain pipes)'],
      ['--index N', 'which replica of a container with replicas (default: 1, like docker compose exec --index)'],
      ['--stack NAME', 'the stack named NAME on the engine, without its file'],
      CONTEXT,
      ...INPUTS,
    ],
    examples: ['moor exec web', 'moor exec stacks/shop.ts db -- psql -U shop', 'echo \'select 1\' | moor exec db psql -U shop'],
    exitCodes: 'Exit codes: the command\'s own; 1 when moor could not run it (no such container, not running, engine unreachable).',
  },
  graph: {
    usage: [`moor graph ${STACK_ARG} [--format mermaid|dot]`],
    summary: 'The stack\'s dependency graph: containers, images, networks, volumes and backup jobs, with dependsOn (and its condition), mounts, networks, images, volumesFrom, and what backups archive and stop. From the stack file alone; no engine needed. Mermaid renders in GitHub Markdown (in a code block marked mermaid); DOT is for Graphviz.',
    flags: [['--format F', 'mermaid (default) or dot'], ...INPUTS],
    examples: ['moor graph', 'moor graph stacks/shop.ts --format dot | dot -Tsvg > shop.svg'],
  },
  completion: {
    usage: ['moor completion bash|zsh|fish'],
    summary: 'Print a shell completion script: commands, flags, stack files, and the container names of the stack for logs and exec.',
    flags: [],
    examples: ['moor completion bash > /etc/bash_completion.d/moor   # or: source <(moor completion bash)', 'moor completion zsh > "${fpath[1]}/_moor"', 'moor completion fish > ~/.config/fish/completions/moor.fish'],
  },
  import: {
    usage: [
      'moor import compose [docker-compose.yml …] [flags]',
      'moor import --project NAME [-o stack.ts] [--name STACK] [--force]',
      'moor import container NAME… [--network NAME]… [--volume NAME]… --name STACK [-o stack.ts] [--force]',
    ],
    summary: 'Write a stack file from what exists elsewhere: compose files, or running objects adopted without recreating them (a compose project by its labels, or named containers, networks and volumes). moor import <source> --help for each source.',
    flags: [
      ['--project NAME', 'adopt the running compose project NAME (com.docker.compose.project label): its containers, networks and volumes'],
      ['--name STACK', 'the stack\'s name (default: the project\'s)'],
      ['-o FILE', 'where to write the stack file (default stack.ts)'],
      ['--force', 'overwrite the stack file if it exists'],
      CONTEXT,
    ],
    examples: ['moor import --project shop -o shop.ts', 'moor import container db cache --volume pgdata --name data'],
  },
  'import container': {
    usage: ['moor import container NAME… [--network NAME]… [--volume NAME]… --name STACK [-o stack.ts] [--force]', 'moor import --project NAME [-o stack.ts] [--name STACK] [--force]'],
    summary: 'Adopt running objects without recreating them: write a stack file that reproduces them (engine and image defaults left out) and record them as the stack\'s, so that moor plan shows no changes and the next change replaces them as usual. The networks and named volumes the containers use come with them. Objects another moor stack owns are refused, naming it. Exit 3: adopted, with settings the file cannot express (listed). See docs/import.md#adopting-running-containers.',
    flags: [
      ['--name STACK', 'the stack\'s name (required; with --project the project\'s by default)'],
      ['--network NAME', 'also adopt this network (repeatable)'],
      ['--volume NAME', 'also adopt this volume (repeatable)'],
      ['--project NAME', 'instead of names: the compose project NAME (its containers, one-off run containers left out, networks and volumes)'],
      ['-o FILE', 'where to write the stack file (default stack.ts)'],
      ['--force', 'overwrite the stack file if it exists'],
      CONTEXT,
    ],
    examples: ['moor import container db cache --volume pgdata --name data -o data.ts', 'moor import --project shop'],
  },
  'import compose': {
    usage: ['moor import compose [docker-compose.yml …] [-o stack.ts] [--name STACK] [--secret-env NAME]… [--profile P]…'],
    summary: 'Write a typed stack from compose files, loaded as compose loads them (files merged in order, .env and ${VAR} interpolation, extends, anchors, profiles). Every compose key is mapped or listed in the report (stdout, and a comment at the top of the stack) with file:line and why. Without files: compose.yaml or docker-compose.yml (and its .override file) in the current directory. Reads no engine. See docs/import.md.',
    flags: [
      ['-o, --out stack.ts', 'the stack file to write (default: ./stack.ts; - for stdout); paths in it are relative to it'],
      ['--name STACK', 'the stack\'s name (default: the compose project name, or the directory\'s)'],
      ['--secret-env NAME', 'the environment variable NAME becomes secret(\'NAME\'), read when moor runs, not a literal (repeatable)'],
      ['--profile P', 'include the services of profile P (repeatable; COMPOSE_PROFILES is read too)'],
      ['--force', 'overwrite the stack file if it exists'],
    ],
    examples: ['moor import compose', 'moor import compose docker-compose.yml docker-compose.prod.yml -o infra/stack.ts --secret-env DB_PASSWORD', 'moor import compose --profile debug -o -'],
  },
  version: { usage: ['moor version'], summary: 'Print moor\'s version.', flags: [], examples: ['moor version'] },
  help: { usage: ['moor help [command]'], summary: 'Show help for moor or one command.', flags: [], examples: ['moor help apply'] },
};

export const COMMANDS = ['plan', 'apply', 'destroy', 'ps', 'logs', 'exec', 'graph', 'backup', 'import', 'completion', 'version', 'help'] as const;
export const BACKUP_SUBCOMMANDS = ['run', 'list', 'verify', 'restore', 'daemon'] as const;

export const EXIT_CODES = 'Exit codes: 0 success (plan --detailed-exitcode: no changes), 1 error or refused, 2 plan has changes (--detailed-exitcode), 3 import left something out, 130 interrupted.';

export function commandHelp(name: string): string {
  const h = HELP[name]!;
  const width = Math.max(0, ...h.flags.map(([f]) => f.length));
  const needsStack = ['plan', 'apply', 'destroy', 'ps', 'logs', 'exec', 'graph'].includes(name);
  return [
    `Usage:\n${h.usage.map((u) => `  ${u}`).join('\n')}`,
    '',
    h.summary,
    ...(needsStack ? [STACK_NOTE] : []),
    ...(h.flags.length ? ['', 'Flags:', ...h.flags.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`), '  -h, --help'.padEnd(width + 2) + '  this help'] : []),
    ...(name === 'plan' || name === 'apply' || name === 'destroy' ? ['', R] : []),
    '',
    'Examples:',
    ...h.examples.map((e) => `  ${e}`),
    '',
    h.exitCodes ?? EXIT_CODES,
  ].join('\n');
}

export function mainHelp(): string {
  const rows: [string, string][] = [
    ['plan', HELP.plan!.summary.split('. ')[0]!],
    ['apply', 'Change the engine to match the stack (or a saved plan)'],
    ['destroy', 'Remove everything the stack created'],
    ['ps', 'What runs, and whether it matches the stack'],
    ['logs', 'The containers\' logs, prefixed per container (-f follows)'],
    ['exec', 'Run a command in a container (a TTY on a terminal)'],
    ['graph', 'The dependency graph as Mermaid or DOT'],
    ['backup', 'Run, list, verify and restore backup jobs'],
    ['import', 'Adopt running containers (a compose project) into a stack'],
    ['completion', 'Shell completion for bash, zsh or fish'],
    ['import', 'Write a stack from compose files'],
    ['version', 'Print moor\'s version'],
  ];
  return [
    'moor — declarative Docker stacks in TypeScript',
    '',
    'Usage: moor <command> [stack.ts] [flags]',
    '',
    'Commands:',
    ...rows.map(([c, d]) => `  ${c.padEnd(10)}  ${d}`),
    '',
    'moor <command> --help shows a command\'s flags and examples. Docs: docs/cli.md.',
    'The engine is found through DOCKER_HOST (unix:// or tcp://), else /var/run/docker.sock.',
    EXIT_CODES,
  ].join('\n');
}
