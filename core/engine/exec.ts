/**
 * Running a command in a running container (a backup hook: a database dump), through the Engine API:
 * create an exec, start it attached and read its output as it comes, then read its exit code.
 *
 * The output of an exec without a TTY is one multiplexed stream: frames of an 8-byte header
 * (stream type 0 stdin, 1 stdout, 2 stderr, 3 an engine error; three zero bytes; the payload size
 * as a big-endian uint32) and the payload. `Demuxer` splits it as the bytes arrive, without waiting
 * for whole frames; only the last OUTPUT_LIMIT bytes of each stream are kept.
 *
 * The start request's response is read as it arrives, on a connection of its own (EngineClient.open).
 */
import { MoorError } from '../errors.js';
import type { EngineClient } from './client.js';

/** The most output kept per stream: the end of it, where a failing command says why. */
export const OUTPUT_LIMIT = 64 * 1024;

export interface ExecOptions {
  /** How long the whole exec may take, output included. */
  timeoutMs: number;
  /** `user`, `user:group`, `uid` or `uid:gid`; the container's user when unset. */
  user?: string;
  /** `NAME=value` entries added to the container's environment. */
  env?: string[];
}

export interface ExecResult {
  exitCode: number;
  /** The last OUTPUT_LIMIT bytes of each stream, as UTF-8. */
  stdout: string;
  stderr: string;
}

/** The command did not finish in time. It may still be running: the Engine API cannot stop an exec. */
export class ExecTimeoutError extends MoorError {
  constructor(
    readonly container: string,
    readonly cmd: string[],
    readonly timeoutMs: number,
    /** What it wrote before moor stopped waiting. */
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(
      `${JSON.stringify(cmd)} in container ${container} did not finish within ${timeoutMs / 1000}s; ` +
        'moor stopped waiting, but the command may still be running in the container (the Engine API cannot stop it)',
    );
    this.name = 'ExecTimeoutError';
  }
}

export type StreamName = 'stdin' | 'stdout' | 'stderr' | 'system';

/** A piece of one frame's payload: a frame split across chunks comes in several pieces, in order. */
export interface Frame {
  stream: StreamName;
  data: Buffer;
}

const STREAMS: StreamName[] = ['stdin', 'stdout', 'stderr', 'system'];

/** Splits a multiplexed stream as it arrives; throws on bytes that are not one. */
export class Demuxer {
  private readonly header = Buffer.alloc(8);
  private headerBytes = 0;
  /** Payload bytes still to come for the current frame. */
  private remaining = 0;
  private stream: StreamName = 'stdout';

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - at);
        frames.push({ stream: this.stream, data: chunk.subarray(at, at + n) });
        this.remaining -= n;
        at += n;
        continue;
      }
      const n = Math.min(8 - this.headerBytes, chunk.length - at);
      chunk.copy(this.header, this.headerBytes, at, at + n);
      this.headerBytes += n;
      at += n;
      if (this.headerBytes < 8) break;
      this.headerBytes = 0;
      const type = this.header[0]!;
      if (type > 3 || this.header[1] !== 0 || this.header[2] !== 0 || this.header[3] !== 0) {
        throw new Error(`the exec output is not a multiplexed stream (frame header ${this.header.toString('hex')})`);
      }
      this.stream = STREAMS[type]!;
      this.remaining = this.header.readUInt32BE(4);
    }
    return frames;
  }

  /** The stream ended: throws if it ended inside a frame. */
  end(): void {
    if (this.headerBytes > 0) throw new Error(`the exec output ended inside a frame header (${this.headerBytes} of 8 bytes)`);
    if (this.remaining > 0) throw new Error(`the exec output ended ${this.remaining} bytes short of the end of a frame`);
  }
}

/** A whole multiplexed buffer as frames, one per frame; throws if it is not one, or ends inside a frame. */
export function demux(buffer: Buffer): Frame[] {
  const d = new Demuxer();
  const frames = d.push(buffer);
  d.end();
  return frames;
}

/** The last `limit` bytes written to it. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private bytes = 0;
  /** Bytes written, all told. */
  total = 0;

  constructor(readonly limit = OUTPUT_LIMIT) {}

  push(data: Buffer): void {
    this.total += data.length;
    this.chunks.push(data);
    this.bytes += data.length;
    // Drop whole chunks that are no longer in the last `limit` bytes.
    while (this.chunks.length > 1 && this.bytes - this.chunks[0]!.length >= this.limit) this.bytes -= this.chunks.shift()!.length;
  }

  /** As UTF-8; when the start was cut, it starts at the next whole character. */
  text(): string {
    let buf = Buffer.concat(this.chunks);
    if (buf.length > this.limit) {
      buf = buf.subarray(buf.length - this.limit);
      let skip = 0;
      while (skip < 3 && skip < buf.length && (buf[skip]! & 0xc0) === 0x80) skip++;
      buf = buf.subarray(skip);
    }
    return buf.toString('utf8');
  }
}

interface Output {
  stdout: OutputTail;
  stderr: OutputTail;
  system: OutputTail;
}

/** POST /exec/{id}/start, attached: the output read into `out` until the command's streams close. */
async function startAttached(client: EngineClient, id: string, out: Output, signal: AbortSignal): Promise<void> {
  const what = `POST /exec/${id}/start`;
  const payload = Buffer.from(JSON.stringify({ Detach: false, Tty: false }));
  // A long-running command holds this connection, not one of the client's pool.
  const req = await client.open('POST', `/exec/${encodeURIComponent(id)}/start`, {
    headers: { 'content-type': 'application/json', 'content-length': String(payload.length) },
    dedicated: true,
  });
  return new Promise<void>((resolve, reject) => {
    const stop = () => req.abort();
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop();
    const settle = (e?: Error) => {
      signal.removeEventListener('abort', stop);
      if (e) reject(e);
      else resolve();
    };
    req.response.then((res) => {
      const cut = (e?: Error) => settle(new Error(`${what}: the engine closed the output before the command finished${e ? ` (${e.message})` : ''}`));
      res.on('error', cut);
      res.on('close', () => {
        if (!res.complete) cut();
      });
      const demuxer = new Demuxer();
      res.on('data', (chunk: Buffer) => {
        try {
          for (const f of demuxer.push(chunk)) if (f.stream !== 'stdin') out[f.stream].push(f.data);
        } catch (e) {
          res.destroy();
          settle(e as Error);
        }
      });
      res.on('end', () => {
        try {
          demuxer.end();
          settle();
        } catch (e) {
          settle(e as Error);
        }
      });
    }, settle);
    req.body.end(payload);
  });
}

/** The exit code, once the engine reports the exec as finished (the output can close a moment before). */
export async function execExitCode(client: EngineClient, id: string, signal?: AbortSignal): Promise<number> {
  for (;;) {
    const info = await client.request<{ Running: boolean; ExitCode: number | null }>('GET', `/exec/${encodeURIComponent(id)}/json`);
    if (!info.Running) {
      if (typeof info.ExitCode !== 'number') throw new MoorError(`GET /exec/${id}/json: the engine reports no exit code (was the container stopped meanwhile?)`);
      return info.ExitCode;
    }
    if (signal?.aborted) throw new Error('aborted');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ExecSpec {
  cmd: string[];
  user?: string;
  env?: string[];
  workdir?: string;
  /** Attach the command's stdin (moor exec); a backup hook has none. */
  stdin: boolean;
  tty: boolean;
}

/** POST /containers/{id}/exec: the exec's id; not started yet. */
export async function createExec(client: EngineClient, container: string, spec: ExecSpec): Promise<string> {
  const created = await client.request<{ Id: string }>('POST', `/containers/${encodeURIComponent(container)}/exec`, {
    body: {
      AttachStdin: spec.stdin, AttachStdout: true, AttachStderr: true, Tty: spec.tty, Cmd: spec.cmd, User: spec.user, Env: spec.env,
      ...(spec.workdir ? { WorkingDir: spec.workdir } : {}),
    },
  });
  return created.Id;
}

/**
 * Run `cmd` (no shell: wrap it in `['sh', '-c', …]` for one) in the running container `container`
 * and wait for it. A command that exits non-zero resolves with its exit code; engine errors (no such
 * container, container not running) reject with the engine's message; a command still running after
 * `timeoutMs` rejects with ExecTimeoutError, and keeps running in the container.
 */
export async function execInContainer(client: EngineClient, container: string, cmd: string[], opts: ExecOptions): Promise<ExecResult> {
  const out: Output = { stdout: new OutputTail(), stderr: new OutputTail(), system: new OutputTail() };
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new ExecTimeoutError(container, cmd, opts.timeoutMs, out.stdout.text(), out.stderr.text()));
    }, Math.min(opts.timeoutMs, 2 ** 31 - 1)); // setTimeout fires at once beyond 2^31-1 ms
  });
  const run = async (): Promise<ExecResult> => {
    const id = await createExec(client, container, { cmd, user: opts.user, env: opts.env, stdin: false, tty: false });
    if (abort.signal.aborted) throw new Error('aborted');
    await startAttached(client, id, out, abort.signal);
    if (out.system.total > 0) throw new Error(`the engine reported an error while running ${JSON.stringify(cmd)} in ${container}: ${out.system.text().trim()}`);
    const code = await execExitCode(client, id, abort.signal);
    return { exitCode: code, stdout: out.stdout.text(), stderr: out.stderr.text() };
  };
  try {
    const running = run();
    // After a timeout, what `run` does next (an aborted request) is of no interest.
    running.catch(() => undefined);
    return await Promise.race([running, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
