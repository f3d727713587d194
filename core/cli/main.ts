/** moor's entry point: dispatch, and the single place errors become messages and exit codes. */
import { DiagnosticsError } from '../diagnostics.js';
import { diagnosticJson } from '../render/diagnostic-json.js';
import { terminalConfirm, type Confirm } from './confirm.js';
import { EXIT, UsageError } from './errors.js';
import { MoorError } from '../errors.js';
import { BACKUP_SUBCOMMANDS, COMMANDS, commandHelp, HELP, mainHelp } from './help.js';
import { processOutput, type Output } from './output.js';
import { didYouMean } from './suggest.js';
import { moorVersion } from './version.js';

type Command = (argv: string[], io: Output, confirm: Confirm) => Promise<number>;

/** Each command's code is loaded only when it runs: `moor version` and `--help` load none of it. */
const LOAD: Record<string, () => Promise<Command>> = {
  plan: async () => (await import('./commands/plan.js')).planCommand,
  apply: async () => (await import('./commands/apply.js')).applyCommand,
  destroy: async () => (await import('./commands/destroy.js')).destroyCommand,
  backup: async () => (await import('./commands/backup.js')).backupCommand,
  ps: async () => (await import('./commands/ps.js')).psCommand,
  logs: async () => (await import('./commands/logs.js')).logsCommand,
  exec: async () => (await import('./commands/exec.js')).execCommand,
  graph: async () => (await import('./commands/graph.js')).graphCommand,
  completion: async () => (await import('./commands/completion.js')).completionCommand,
  import: async () => (await import('./commands/import.js')).importCommand,
  // Hidden: what shell completion asks for (the container names of a stack).
  __complete: async () => (await import('./commands/completion.js')).completeCommand,
};

/** Commands that open their engine connection before their code has loaded (core/engine/early.ts). */
const EARLY_ENGINE = new Set(['plan', 'apply', 'destroy']);

const wantsHelp = (argv: string[]) => argv.some((a) => a === '--help' || a === '-h');

/** `moor backup run --help` → 'backup run'; `moor plan -h` → 'plan'. */
function helpTopic(command: string, rest: string[]): string {
  if (command === 'backup' && rest[0] && (BACKUP_SUBCOMMANDS as readonly string[]).includes(rest[0])) return `backup ${rest[0]}`;
  if (command === 'import' && rest[0] && HELP[`import ${rest[0]}`]) return `import ${rest[0]}`;
  return command;
}

export async function main(argv: string[], io?: Output, confirm: Confirm = terminalConfirm): Promise<number> {
  const [command, ...rest] = argv;
  const output = io ?? (await processOutput(rest.includes('--json')));
  try {
    if (command === undefined || command === '--help' || command === '-h') { output.out(mainHelp()); return EXIT.ok; }
    if (command === 'help') {
      const topic = rest.join(' ');
      if (!topic) { output.out(mainHelp()); return EXIT.ok; }
      if (!HELP[topic]) throw new UsageError(`no help for "${topic}"${didYouMean(topic, Object.keys(HELP))}`);
      output.out(commandHelp(topic));
      return EXIT.ok;
    }
    // exec's --help is moor's only before the container: after it, it is the command's (moor exec web ls --help).
    if (HELP[command] && command !== 'exec' && wantsHelp(rest)) { output.out(commandHelp(helpTopic(command, rest))); return EXIT.ok; }
    if (command === 'version' || command === '--version' || command === '-v') { output.out(`moor ${moorVersion()}`); return EXIT.ok; }
    const load = LOAD[command];
    if (!load) throw new UsageError(`unknown command "${command}"${didYouMean(command, COMMANDS)}`);
    // The engine connection of the commands that plan opens while their code loads.
    if (EARLY_ENGINE.has(command)) {
      (await import('../engine/early.js')).openEarlyClient(rest);
      // One turn of the event loop: its connection completes and the negotiation's request goes out
      // now, so the engine answers while the command's code initialises (which does not yield).
      await new Promise((resolve) => setImmediate(resolve));
    }
    return await (await load())(rest, output, confirm);
  } catch (e) {
    return reportError(e, output);
  } finally {
    if (EARLY_ENGINE.has(command ?? '')) (await import('../engine/early.js')).closeEarlyClient();
    // For benchmarks and debugging: how many Engine API requests this command made.
    if (process.env.MOOR_COUNT_REQUESTS === '1') {
      const { EngineClient } = await import('../engine/client.js');
      process.stderr.write(`moor: ${EngineClient.totalRequests} engine requests\n`);
    }
  }
}

export function reportError(e: unknown, io: Output): number {
  const code = errorExitCode(e);
  if (io.json) io.out(JSON.stringify(errorJson(e, code)));
  const { style } = io;
  // The diagnostics themselves were printed where they arose.
  if (e instanceof DiagnosticsError) return code;
  if (e instanceof UsageError) {
    io.err(`${style.error('error')}: ${e.message}\nRun "moor help" for usage.`);
    return code;
  }
  if (e instanceof MoorError) {
    io.err(`${style.error('error')}: ${e.message}`);
    return code;
  }
  // Anything else is not the user's fault: say so, with what a bug report needs.
  io.err(
    `${style.error('internal error')}: ${(e as Error)?.message ?? String(e)}\n` +
      `This is a bug in moor ${moorVersion()}, not in your stack. Please report it with the lines below.\n` +
      ((e as Error)?.stack ?? String(e)),
  );
  return code;
}

function errorExitCode(e: unknown): number {
  return e instanceof MoorError ? e.exitCode : EXIT.error;
}

/** Under --json, an error is JSON on stdout too: one object, `"type": "error"`. */
function errorJson(e: unknown, code: number): Record<string, unknown> {
  const internal = !(e instanceof MoorError);
  return {
    type: 'error',
    message: (e as Error)?.message ?? String(e),
    kind: internal ? 'internal' : e instanceof UsageError ? 'usage' : e instanceof DiagnosticsError ? 'diagnostics' : 'error',
    exit_code: code,
    diagnostics: e instanceof DiagnosticsError ? e.diagnostics.map(diagnosticJson) : [],
  };
}
