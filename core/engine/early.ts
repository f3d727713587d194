/**
 * The engine client of `plan`, `apply` and `destroy`, opened as soon as moor knows the command,
 * before the command's own code has loaded: the API version negotiation, and for an ssh:// engine
 * the SSH handshake of moor's control master (the longest wait of a remote plan), overlap the
 * loading of the planner and of the stack. The command takes it when it makes its client
 * (`takeEarlyClient`); one it never takes is closed when the command ends.
 */
import { EngineClient, resolveEndpoint } from './client.js';

let early: { client: EngineClient; context: string | undefined } | undefined;

/** `--context NAME` / `--context=NAME` among a command's arguments (the command parses them for real). */
export function contextArg(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--context') return argv[i + 1];
    if (a.startsWith('--context=')) return a.slice('--context='.length);
  }
  return undefined;
}

/** A client for the engine of `context`, its API version negotiation already started (its error, if any, surfaces at the first request). */
export function openClient(context: string | undefined, maxSockets?: number): EngineClient {
  const client = new EngineClient(resolveEndpoint({ context }), maxSockets);
  client.engineInfo().catch(() => undefined);
  return client;
}

export function openEarlyClient(argv: string[]): void {
  if (early) return;
  const context = contextArg(argv);
  try {
    early = { client: openClient(context), context };
  } catch {
    // An engine address moor cannot use: the command says so when it makes its client.
  }
}

/** The client opened early for this context (with `maxSockets`), or undefined. */
export function takeEarlyClient(context: string | undefined, maxSockets: number): EngineClient | undefined {
  const e = early;
  early = undefined;
  if (!e) return undefined;
  if (e.context !== context) {
    e.client.close();
    return undefined;
  }
  e.client.setMaxSockets(maxSockets);
  return e.client;
}

/** Close a client opened early that no command took (the command failed before it made one). */
export function closeEarlyClient(): void {
  early?.client.close();
  early = undefined;
}
