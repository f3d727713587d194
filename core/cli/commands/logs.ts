/**
 * `moor logs [stack.ts | dir] [resource…] [-f] [--since 10m] [--tail N] [-t]` — the stack's
 * containers' logs, each line prefixed with its container like compose. Without -f, the lines of
 * several containers are merged in the order they were written; with -f, printed as they come
 * until every container stopped (exit 0) or Ctrl-C (every stream closed, exit 130).
 */
import type { EngineClient } from '../../engine/client.js';
import { streamLogs, type LogLine, type LogStream } from '../../engine/log-stream.js';
import { listStackContainers, type StackContainer } from '../../observe/stack-containers.js';
import { logPrefixer } from '../../render/log-prefix.js';
import { plainStyle } from '../../render/style.js';
import { durationToNanos } from '../../model/units.js';
import { parseDay2Args, stackInputs } from '../args.js';
import { pickContainers } from '../container-pick.js';
import { EXIT, UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { newClient } from '../session.js';
import { resolveStackTarget, splitStackArg } from '../stack-target.js';

/** `--since`: a duration back from now (10m, 1h30m), a date or time (2026-12-06, 2026-12-06T05:00:00Z), or Unix seconds. */
export function sinceSeconds(value: string, now = Date.now()): number {
  if (/^\d+(?:\.\d+)?$/.test(value)) return Number(value);
  if (/^(\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(value)) return (now - durationToNanos(value) / 1e6) / 1000;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new UsageError(`--since takes a duration (10m, 1h30m), a date and time (2026-12-06T05:00:00Z) or Unix seconds (got "${value}")`);
  return t / 1000;
}

function tailOf(value: string | undefined): string | undefined {
  if (value === undefined || value === 'all') return value;
  if (!/^\d+$/.test(value)) throw new UsageError(`--tail takes a number of lines or "all" (got "${value}")`);
  return value;
}

/** Nanosecond timestamps compared as text: the fraction padded to 9 digits. */
const sortKey = (at: string) => at.replace(/(?:\.(\d+))?Z$/, (_, f: string | undefined) => `.${(f ?? '').padEnd(9, '0')}Z`);

export async function logsCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseDay2Args('logs', argv);
  const { file, rest: names } = splitStackArg(positionals, values.stack);
  const since = values.since === undefined ? undefined : sinceSeconds(values.since);
  const tail = tailOf(values.tail);
  const target = await resolveStackTarget('logs', file, values.stack, io, stackInputs(values));
  const client = newClient(4, values.context);
  try {
    const containers = pickContainers(target.name, await listStackContainers(client, target.name), names);
    const prefixer = logPrefixer(containers.map((c) => c.display), { color: io.style !== plainStyle, timestamps: !!values.timestamps });
    const print = (c: StackContainer, l: LogLine) => io.out(prefixer.line(c.display, l.text, l.at));
    const opts = { follow: !!values.follow, since, tail };
    // Several containers' logs are merged in time order, so read whole first; one is printed as it comes.
    if (!values.follow && containers.length > 1) {
      const lines: { c: StackContainer; l: LogLine; key: string }[] = [];
      const streams = await Promise.all(containers.map(async (c) => streamLogs(client, c.id, { ...opts, tty: await hasTty(client, c.id) }, (l) => lines.push({ c, l, key: sortKey(l.at) }))));
      await Promise.all(streams.map((s) => s.done));
      // Stable: the lines of one container keep their order when their timestamps are equal.
      for (const { c, l } of lines.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) print(c, l);
      return EXIT.ok;
    }
    return await follow(client, containers, opts, print);
  } finally {
    client.close();
  }
}

async function hasTty(client: EngineClient, id: string): Promise<boolean> {
  const info = await client.request<{ Config?: { Tty?: boolean } }>('GET', `/containers/${encodeURIComponent(id)}/json`);
  return !!info.Config?.Tty;
}

/** Every container's log as it comes, until all of them ended (or, following, stopped) or Ctrl-C / SIGTERM closed them all. */
async function follow(client: EngineClient, containers: StackContainer[], opts: { follow: boolean; since?: number; tail?: string }, print: (c: StackContainer, l: LogLine) => void): Promise<number> {
  const streams: LogStream[] = [];
  let interrupted = false;
  const stop = () => {
    // A second Ctrl-C does not wait for the streams to close.
    if (interrupted) process.exit(EXIT.interrupted);
    interrupted = true;
    for (const s of streams) s.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    for (const c of containers) {
      if (interrupted) break;
      streams.push(await streamLogs(client, c.id, { ...opts, tty: await hasTty(client, c.id) }, (l) => print(c, l)));
    }
    // Ctrl-C while the streams were being opened: close those opened since.
    if (interrupted) for (const s of streams) s.abort();
    await Promise.all(streams.map((s) => s.done));
    return interrupted ? EXIT.interrupted : EXIT.ok;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
