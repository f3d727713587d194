/**
 * A container's log as lines, as the engine sends them (GET /containers/{id}/logs): the whole log
 * or its tail, or followed until the container stops or the caller aborts. A container without a
 * TTY sends stdout and stderr multiplexed (exec.ts's Demuxer splits them); one with a TTY sends
 * the terminal's bytes. moor always asks for timestamps, so lines of several containers can be
 * put in the order they were written; a line is `{ at, text }` without them.
 *
 * The response is read on a connection of its own (EngineClient.open, dedicated), which `abort`
 * closes: nothing is left open after Ctrl-C.
 */
import type { EngineClient } from './client.js';
import { Demuxer } from './exec.js';

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** The engine's RFC 3339 timestamp with nanoseconds (`2026-12-06T05:00:00.123456789Z`), '' when it sent none. */
  at: string;
  text: string;
}

export interface LogOptions {
  follow: boolean;
  /** Unix time in seconds: only lines written since. */
  since?: number;
  /** The last N lines ('all': every line). */
  tail?: string;
  /** The container has a TTY: its log is not multiplexed. */
  tty: boolean;
}

/** Splits bytes into lines; a line cut between chunks waits for its end. */
class LineSplitter {
  private rest = '';
  push(text: string): string[] {
    const parts = (this.rest + text).split('\n');
    this.rest = parts.pop()!;
    return parts;
  }
  end(): string[] {
    const last = this.rest;
    this.rest = '';
    return last ? [last] : [];
  }
}

const STAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ?(.*)$/s;

function toLine(stream: LogLine['stream'], raw: string): LogLine {
  const line = raw.replace(/\r$/, '');
  const m = STAMPED.exec(line);
  return m ? { stream, at: m[1]!, text: m[2]! } : { stream, at: '', text: line };
}

export interface LogStream {
  /** Settles when the log ended (all of it read, the followed container stopped) or was aborted. */
  done: Promise<void>;
  abort(): void;
}

export async function streamLogs(client: EngineClient, id: string, opts: LogOptions, onLine: (l: LogLine) => void): Promise<LogStream> {
  const req = await client.open('GET', `/containers/${encodeURIComponent(id)}/logs`, {
    query: { stdout: 1, stderr: 1, timestamps: 1, follow: opts.follow ? 1 : undefined, since: opts.since, tail: opts.tail ?? 'all' },
    dedicated: true,
  });
  let aborted = false;
  req.body.end();
  const res = await req.response;
  const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  const demuxer = opts.tty ? null : new Demuxer();
  const emit = (stream: LogLine['stream'], lines: string[]) => { for (const l of lines) onLine(toLine(stream, l)); };
  const done = new Promise<void>((resolve, reject) => {
    res.on('data', (chunk: Buffer) => {
      if (!demuxer) return emit('stdout', splitters.stdout.push(chunk.toString('utf8')));
      try {
        for (const f of demuxer.push(chunk)) if (f.stream === 'stdout' || f.stream === 'stderr') emit(f.stream, splitters[f.stream].push(f.data.toString('utf8')));
      } catch (e) {
        res.destroy();
        reject(e as Error);
      }
    });
    const finish = () => {
      emit('stdout', splitters.stdout.end());
      emit('stderr', splitters.stderr.end());
      resolve();
    };
    res.on('end', finish);
    res.on('close', () => (aborted || res.complete ? finish() : reject(new Error(`GET /containers/${id}/logs: the engine closed the log before its end`))));
    res.on('error', (e) => (aborted ? finish() : reject(e)));
  });
  done.catch(() => undefined);
  return {
    done,
    abort() {
      aborted = true;
      req.abort();
    },
  };
}
