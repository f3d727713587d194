/**
 * A connection that is a child process's stdin and stdout (`ssh … docker system dial-stdio`), as
 * a Duplex that node:http can use as a socket: bytes written go to the process's stdin, ending it
 * half-closes (the far side sees end of file), its stdout is what is read. Destroying it ends the
 * process. A process that fails (exits non-zero before its output ended) fails the connection
 * with what it said on stderr.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { Duplex } from 'node:stream';

export class CommandConn extends Duplex {
  private stderr = '';
  private exited = false;

  constructor(
    readonly child: ChildProcessWithoutNullStreams,
    /** Turns the process's failure (exit code, stderr) into the connection's error. */
    failure: (code: number | null, stderr: string) => Error,
  ) {
    super({ allowHalfOpen: true });
    child.stdout.on('data', (c: Buffer) => {
      if (!this.push(c)) child.stdout.pause();
    });
    // The end of the output is passed on only once the process has exited: a process that failed
    // (no docker CLI on the server…) must fail the connection with what it said, not look like a
    // server that hung up.
    child.stderr.on('data', (c: Buffer) => (this.stderr = (this.stderr + c.toString()).slice(-4000)));
    // Writing after the process went away: its exit explains why.
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => this.destroy(e));
    child.on('close', (code) => {
      this.exited = true;
      if (this.destroyed) return;
      if (code !== 0 && code !== null) this.destroy(failure(code, this.stderr));
      else {
        this.once('end', () => this.destroy());
        this.push(null);
      }
    });
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.child.stdin.write(chunk, (e) => done(e));
  }

  override _final(done: (e?: Error | null) => void): void {
    this.child.stdin.end(() => done());
  }

  override _destroy(e: Error | null, done: (e: Error | null) => void): void {
    if (!this.exited) this.child.kill('SIGTERM');
    done(e);
  }

  // What node:http and its Agent call on a socket.
  setKeepAlive(): this { return this; }
  setNoDelay(): this { return this; }
  setTimeout(_ms: number, cb?: () => void): this {
    if (cb) this.once('timeout', cb);
    return this;
  }
  /** An idle pooled connection must not keep moor running. */
  ref(): this {
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr] as unknown as { ref?(): void }[]) s.ref?.();
    return this;
  }
  unref(): this {
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr] as unknown as { unref?(): void }[]) s.unref?.();
    return this;
  }
}
