/**
 * An interactive exec (`moor exec`): the command's streams joined to moor's own, as `docker exec -i`.
 *
 * POST /exec/{id}/start with `Upgrade: tcp` is answered `101 UPGRADED` and the connection becomes
 * the command's streams (EngineClient.open's `upgraded`). What moor reads on its stdin is written
 * to it; the end of moor's stdin half-closes the connection, which closes the command's stdin.
 * Without a TTY the output is multiplexed (see exec.ts's Demuxer) and goes to stdout and stderr
 * apart; with one it is the terminal's bytes, and the terminal's size follows moor's
 * (POST /exec/{id}/resize, again on every SIGWINCH). The command's exit code is read once its
 * output ended.
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import type { EngineClient } from './client.js';
import { createExec, Demuxer, execExitCode, type ExecSpec } from './exec.js';

export interface ExecSessionOptions extends Omit<ExecSpec, 'stdin'> {
  /** Forwarded to the command until it ends; null: the command gets no stdin. */
  stdin: Readable | null;
  stdout: Writable;
  stderr: Writable;
  /** With a TTY: the terminal's size now, and a way to hear of its changes (returns the unsubscribe). */
  terminal?: { size(): { rows: number; columns: number }; onResize(listener: () => void): () => void };
}

export async function execSession(client: EngineClient, container: string, opts: ExecSessionOptions): Promise<number> {
  const id = await createExec(client, container, { cmd: opts.cmd, user: opts.user, env: opts.env, workdir: opts.workdir, stdin: !!opts.stdin, tty: opts.tty });
  // Engines from API 1.42 start the terminal at this size; older ones only take the resize below,
  // which can come a moment after the command started (it may see a 0x0 terminal first).
  const size = opts.tty && opts.terminal ? opts.terminal.size() : undefined;
  const payload = Buffer.from(JSON.stringify({ Detach: false, Tty: opts.tty, ...(size && size.rows > 0 ? { ConsoleSize: [size.rows, size.columns] } : {}) }));
  // The connection becomes the command's streams: never one of the client's pool.
  const req = await client.open('POST', `/exec/${encodeURIComponent(id)}/start`, {
    headers: { 'content-type': 'application/json', 'content-length': String(payload.length) },
    upgrade: true,
  });
  req.body.end(payload);
  const { socket, head } = await req.upgraded;

  // One resize in flight at a time, the size read when it is sent (see oneAtATime).
  const resize = oneAtATime(() => {
    const { rows, columns } = opts.terminal!.size();
    if (!(rows > 0 && columns > 0)) return undefined;
    return client.request('POST', `/exec/${encodeURIComponent(id)}/resize`, { query: { h: rows, w: columns } }).then(() => undefined, () => undefined);
  });
  let unsubscribe = () => {};
  if (opts.tty && opts.terminal) {
    resize();
    unsubscribe = opts.terminal.onResize(resize);
  }
  const detachStdin = forwardStdin(opts.stdin, socket);
  try {
    await pumpOutput(socket, head, opts);
  } finally {
    unsubscribe();
    detachStdin();
    socket.destroy();
  }
  return execExitCode(client, id);
}

/** moor's stdin to the command, with backpressure; its end closes the command's stdin. Returns the detach. */
function forwardStdin(stdin: Readable | null, socket: Duplex): () => void {
  if (!stdin) return () => {};
  const onData = (chunk: Buffer) => {
    if (!socket.write(chunk)) {
      stdin.pause();
      socket.once('drain', () => stdin.resume());
    }
  };
  const onEnd = () => socket.end();
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  stdin.resume();
  return () => {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    // Stop reading: a stdin left flowing keeps the process alive after the command ended.
    stdin.pause();
    if (!(stdin as { isTTY?: boolean }).isTTY) stdin.destroy();
  };
}

/** The command's output until its streams close. */
function pumpOutput(socket: Duplex, head: Buffer, opts: ExecSessionOptions): Promise<void> {
  const demuxer = opts.tty ? null : new Demuxer();
  return new Promise<void>((resolve, reject) => {
    const take = (chunk: Buffer) => {
      if (!demuxer) {
        opts.stdout.write(chunk);
        return;
      }
      try {
        for (const f of demuxer.push(chunk)) {
          if (f.stream === 'stdout') opts.stdout.write(f.data);
          else if (f.stream === 'stderr' || f.stream === 'system') opts.stderr.write(f.data);
        }
      } catch (e) {
        socket.destroy();
        reject(e as Error);
      }
    };
    if (head.length) take(head);
    socket.on('data', take);
    socket.once('end', resolve);
    socket.once('close', () => resolve());
    socket.once('error', (e) => reject(new Error(`the connection to the command's streams broke (${e.message})`)));
  });
}

/**
 * `send` with at most one call in flight: a call while one is in flight makes one more call once
 * it is done (however many came meanwhile). Two resize requests in flight could reach the engine
 * in either order (`stty rows 21 cols 61` is two changes in a row) and leave the terminal at the
 * older size; this way the last request sent reads the newest size. `send` must not reject.
 */
export function oneAtATime(send: () => Promise<void> | undefined): () => void {
  let busy = false;
  let again = false;
  const call = (): void => {
    if (busy) { again = true; return; }
    const sent = send();
    if (!sent) return;
    busy = true;
    void sent.then(() => {
      busy = false;
      if (again) { again = false; call(); }
    });
  };
  return call;
}
