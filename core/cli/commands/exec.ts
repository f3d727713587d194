/**
 * `moor exec [stack.ts | dir] <resource> [--] [command…]` — run a command in one of the stack's
 * running containers (default: sh). With a terminal on stdin and stdout it gets a TTY (moor's
 * terminal in raw mode, its size followed); otherwise stdin is forwarded and the command's stdout
 * and stderr come out apart. moor exits with the command's exit code.
 */
import { execSession } from '../../engine/exec-session.js';
import { MoorError } from '../../errors.js';
import { listStackContainers } from '../../observe/stack-containers.js';
import { parseDay2Args, stackInputs, takesValue } from '../args.js';
import { pickContainers, pickReplica } from '../container-pick.js';
import { EXIT, UsageError } from '../errors.js';
import { commandHelp } from '../help.js';
import type { Output } from '../output.js';
import { newClient } from '../session.js';
import { looksLikeStackPath, resolveStackTarget, splitStackArg } from '../stack-target.js';

/**
 * moor's own arguments end at the resource (or at `--`): what follows is the command, flags and
 * all (`moor exec web sh -c 'exit 7'`).
 */
export function splitExecArgv(argv: string[]): { moorArgs: string[]; cmd: string[] } {
  const moorArgs: string[] = [];
  let positionals = 0;
  const named = () => moorArgs.some((a) => a === '--stack' || a.startsWith('--stack='));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return { moorArgs, cmd: argv.slice(i + 1) };
    if (a.startsWith('-') && a !== '-') {
      moorArgs.push(a);
      if (takesValue('exec', a) && i + 1 < argv.length) moorArgs.push(argv[++i]!);
      continue;
    }
    moorArgs.push(a);
    positionals++;
    if (positionals === 1 && !named() && looksLikeStackPath(a)) continue;
    const cmd = argv.slice(i + 1);
    return { moorArgs, cmd: cmd[0] === '--' ? cmd.slice(1) : cmd };
  }
  return { moorArgs, cmd: [] };
}

export async function execCommand(argv: string[], io: Output): Promise<number> {
  const { moorArgs, cmd } = splitExecArgv(argv);
  if (moorArgs.some((a) => a === '--help' || a === '-h')) {
    io.out(commandHelp('exec'));
    return EXIT.ok;
  }
  const { values, positionals } = parseDay2Args('exec', moorArgs);
  const { file, rest } = splitStackArg(positionals, values.stack);
  if (rest.length !== 1) throw new UsageError('moor exec needs the container to run in, e.g. moor exec stacks/shop.ts web -- sh');
  const target = await resolveStackTarget('exec', file, values.stack, io, stackInputs(values));
  const client = newClient(4, values.context);
  try {
    const found = pickReplica(pickContainers(target.name, await listStackContainers(client, target.name), rest), rest[0]!, values.index);
    const running = found.find((c) => c.state === 'running');
    if (!running) throw new MoorError(`container ${rest[0]} of stack ${target.name} is ${found[0]!.state}, not running: moor exec needs a running container (moor apply starts it)`);
    const tty = !values['no-tty'] && !!process.stdin.isTTY && !!process.stdout.isTTY;
    const raw = tty && typeof process.stdin.setRawMode === 'function';
    if (raw) process.stdin.setRawMode(true);
    try {
      return await execSession(client, running.id, {
        cmd: cmd.length ? cmd : ['sh'], tty, user: values.user, workdir: values.workdir,
        stdin: process.stdin, stdout: process.stdout, stderr: process.stderr,
        terminal: {
          size: () => ({ rows: process.stdout.rows ?? 0, columns: process.stdout.columns ?? 0 }),
          onResize: (listener) => {
            process.stdout.on('resize', listener);
            return () => process.stdout.off('resize', listener);
          },
        },
      });
    } finally {
      if (raw) process.stdin.setRawMode(false);
    }
  } finally {
    client.close();
  }
}
