/**
 * Attaching to a container's standard streams through the Engine API, before it starts: what it
 * writes on stdout comes out as a byte stream with backpressure (a backup worker's archive), what
 * moor writes goes to its stdin (a restore worker's tar), stderr is kept as a tail for messages.
 *
 * POST /containers/{id}/attach with `Upgrade: tcp` is answered `101 UPGRADED` and the connection
 * becomes the raw streams: moor writes stdin on it and reads the container's output, multiplexed
 * (the container has no TTY) into frames that `Demuxer` splits. Ending stdin half-closes the
 * socket; the engine then closes the container's stdin (`StdinOnce`) and tar sees end of file.
 * The output ends when the container's streams close, i.e. when its command exits.
 *
 * The container must be created with Tty false (stdout and stderr apart, binary-safe), and for
 * stdin with OpenStdin, StdinOnce and AttachStdin. Its log driver should be `none`: otherwise the
 * engine also keeps everything it writes (a whole archive) in its log.
 */
import { PassThrough, type Duplex } from 'node:stream';
import type { EngineClient } from './client.js';
import { Demuxer, OutputTail } from './exec.js';

export interface Attached {
  /** The container's stdout, as it writes it; reading it slowly slows the container down. */
  stdout: PassThrough;
  /** The end of its stderr, for messages (and engine errors sent on the stream). */
  stderr: OutputTail;
  /** Its stdin, when asked for: end() it to close the container's stdin. */
  stdin?: Duplex;
  /** Settles when the output has ended: the container's command has exited (or the stream broke). */
  ended: Promise<void>;
  /** Stop reading and writing: the connection is closed. */
  close(reason?: Error): void;
}

export async function attachContainer(client: EngineClient, id: string, opts: { stdin?: boolean } = {}): Promise<Attached> {
  const what = `POST /containers/${id}/attach`;
  // The connection becomes the container's streams: never one of the client's pool.
  const req = await client.open('POST', `/containers/${encodeURIComponent(id)}/attach`, {
    query: { stream: 1, stdout: 1, stderr: 1, ...(opts.stdin ? { stdin: 1 } : {}) },
    upgrade: true,
  });
  req.body.end();
  const socket = await req.upgraded;
  const s = socket.socket;
  const stdout = new PassThrough({ highWaterMark: 1 << 20 });
  // Its failure is also `ended`'s: a stream that breaks before anyone reads it must not crash the process.
  stdout.on('error', () => undefined);
  const stderr = new OutputTail();
  const demuxer = new Demuxer();
  let failure: Error | undefined;
  const ended = new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => {
      failure ??= e;
      stdout.destroy(e);
      s.destroy();
      reject(e);
    };
    const take = (chunk: Buffer) => {
      let frames;
      try {
        frames = demuxer.push(chunk);
      } catch (e) {
        fail(e as Error);
        return;
      }
      // One write per chunk read, not per frame: a container writing 8 KiB at a time makes many
      // small frames, and each write downstream (a gunzip on the thread pool) has a cost of its own.
      const out: Buffer[] = [];
      for (const f of frames) {
        if (f.stream === 'stdout') out.push(f.data);
        else if (f.stream === 'stderr' || f.stream === 'system') stderr.push(f.data);
      }
      const full = out.length > 0 && !stdout.write(out.length === 1 ? out[0]! : Buffer.concat(out));
      if (full) {
        s.pause();
        stdout.once('drain', () => s.resume());
      }
    };
    if (socket.head.length) take(socket.head);
    s.on('data', take);
    s.on('error', (e) => fail(new Error(`${what}: the connection to the container's streams broke (${e.message})`)));
    s.on('end', () => {
      try {
        demuxer.end();
      } catch (e) {
        fail(e as Error);
        return;
      }
      stdout.end();
      resolve();
    });
    s.on('close', () => {
      if (!stdout.writableEnded) fail(failure ?? new Error(`${what}: the connection to the container's streams closed before its output ended`));
    });
  });
  ended.catch(() => undefined);
  return {
    stdout,
    stderr,
    ...(opts.stdin ? { stdin: s } : {}),
    ended,
    close(reason) {
      failure ??= reason;
      s.destroy();
      stdout.destroy(reason);
    },
  };
}
