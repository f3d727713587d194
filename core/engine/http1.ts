/**
 * HTTP/1.1 for the Engine API's small requests: one whose body moor holds whole (JSON, or none)
 * and whose answer it reads whole — every JSON call, the version negotiation, the reads of a plan.
 * Streams (archives, logs, builds, attach, anything piped in) stay on node:http
 * (EngineClient.open), over the same transport.
 *
 * Why a second client: node:http costs every command ≈ 5 ms to load and every request ≈ 0.5 ms
 * more of CPU than this (measured: the 19 reads of a 10-container plan in a fresh Node 20 process,
 * 23.5 ms of CPU through node:http against 10 ms here, node:net included); a plan makes about 20,
 * in a command that takes ≈ 110 ms in all.
 *
 * What it speaks: requests one at a time per connection (no pipelining), kept alive and reused;
 * answers framed by Content-Length, chunked transfer coding, or the connection's end; 1xx answers
 * skipped. A GET sent on a reused connection that the engine had closed meanwhile (before a byte of
 * the answer came) is sent again once on a new one, as browsers and Go's client do.
 */
import type { Duplex } from 'node:stream';
import type { Transport } from './transport.js';

export interface SmallAnswer {
  status: number;
  /** Names in lower case; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

interface Pending {
  method: string;
  bytes: Buffer;
  resolve(a: SmallAnswer): void;
  reject(e: Error): void;
  retried: boolean;
}

/** Longest status line and headers accepted. */
const MAX_HEAD = 256 * 1024;

const notHttp = (start: string) => Object.assign(new Error(`the engine answered something that is not HTTP/1.1: ${JSON.stringify(start.slice(0, 80))}`), { code: 'HPE_INVALID_CONSTANT' });
const hangUp = (why: string) => Object.assign(new Error(`socket hang up (${why})`), { code: 'ECONNRESET' });

/** One connection: a request at a time, its answer parsed as it arrives. */
class Connection {
  private current: Pending | undefined;
  /** Bytes received and not parsed yet (a partial head or chunk line). */
  private tail: Buffer = Buffer.alloc(0);
  private phase: 'head' | 'fixed' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'to-close' = 'head';
  private status = 0;
  private headers: Record<string, string> = {};
  private parts: Buffer[] = [];
  private remaining = 0;
  private got = false;
  private keepAlive = true;
  /** Requests answered on it: a request failing on a reused connection may be sent again. */
  served = 0;
  closed = false;

  constructor(readonly socket: Duplex, private readonly pool: SmallRequests) {
    socket.on('data', (d: Buffer) => this.data(d));
    socket.on('error', (e: Error) => this.fail(this.pool.explain(e)));
    socket.on('end', () => this.ended());
    socket.on('close', () => this.ended());
  }

  send(p: Pending): void {
    this.current = p;
    this.tail = Buffer.alloc(0);
    this.phase = 'head';
    this.parts = [];
    this.got = false;
    (this.socket as { ref?: () => void }).ref?.();
    this.socket.write(p.bytes);
  }

  private data(d: Buffer): void {
    if (!this.current) {
      // Nothing was asked: an engine that speaks out of turn cannot be trusted with the next request.
      this.socket.destroy();
      return;
    }
    this.got = true;
    this.tail = this.tail.length ? Buffer.concat([this.tail, d]) : d;
    try {
      this.parse();
    } catch (e) {
      this.fail(this.pool.explain(e as Error));
      this.socket.destroy();
    }
  }

  /** Consume what `tail` holds; leave an incomplete line or head in it. */
  private parse(): void {
    while (this.current) {
      switch (this.phase) {
        case 'head': {
          // Not HTTP from its first bytes (a TLS engine's alert): said at once, as node:http does,
          // with its code for it, which the transport explains (a tcp:// engine that expects TLS).
          const start = this.tail.subarray(0, 7).toString('latin1');
          if (!'HTTP/1.'.startsWith(start)) throw notHttp(start);
          const end = this.tail.indexOf('\r\n\r\n');
          if (end < 0) {
            if (this.tail.length > MAX_HEAD) throw new Error('the engine sent an HTTP head longer than 256 KiB');
            return;
          }
          const lines = this.tail.subarray(0, end).toString('latin1').split('\r\n');
          this.tail = this.tail.subarray(end + 4);
          const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
          if (!m) throw notHttp(lines[0] ?? '');
          const status = Number(m[2]);
          if (status >= 100 && status < 200 && status !== 101) continue; // 100 Continue and the like: the answer follows
          if (status === 101) throw new Error('the engine switched protocols on a request that did not ask it to');
          const headers: Record<string, string> = {};
          for (const line of lines.slice(1)) {
            const colon = line.indexOf(':');
            if (colon <= 0) continue;
            const name = line.slice(0, colon).trim().toLowerCase();
            const value = line.slice(colon + 1).trim();
            headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
          }
          this.status = status;
          this.headers = headers;
          this.keepAlive = m[1] === '1' && !/\bclose\b/i.test(headers.connection ?? '');
          if (this.current.method === 'HEAD' || status === 204 || status === 304) {
            this.complete();
          } else if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
            this.phase = 'chunk-size';
          } else if (headers['content-length'] !== undefined) {
            const n = Number(headers['content-length']);
            if (!Number.isSafeInteger(n) || n < 0) throw new Error(`the engine sent an invalid Content-Length: ${headers['content-length']}`);
            this.remaining = n;
            this.phase = 'fixed';
            if (n === 0) this.complete();
          } else {
            // Neither: the answer is everything until the engine closes the connection.
            this.keepAlive = false;
            this.phase = 'to-close';
          }
          break;
        }
        case 'fixed':
        case 'chunk-data': {
          if (!this.tail.length) return;
          const take = Math.min(this.remaining, this.tail.length);
          this.parts.push(this.tail.subarray(0, take));
          this.tail = this.tail.subarray(take);
          this.remaining -= take;
          if (this.remaining > 0) return;
          if (this.phase === 'fixed') this.complete();
          else this.phase = 'chunk-end';
          break;
        }
        case 'chunk-size': {
          const eol = this.tail.indexOf('\r\n');
          if (eol < 0) {
            if (this.tail.length > 1024) throw new Error('the engine sent an invalid chunk size line');
            return;
          }
          const size = Number.parseInt(this.tail.subarray(0, eol).toString('latin1').split(';')[0]!.trim(), 16);
          if (!Number.isSafeInteger(size) || size < 0) throw new Error('the engine sent an invalid chunk size');
          this.tail = this.tail.subarray(eol + 2);
          this.remaining = size;
          this.phase = size === 0 ? 'trailers' : 'chunk-data';
          break;
        }
        case 'chunk-end': {
          if (this.tail.length < 2) return;
          if (this.tail[0] !== 13 || this.tail[1] !== 10) throw new Error('the engine sent a chunk without its line end');
          this.tail = this.tail.subarray(2);
          this.phase = 'chunk-size';
          break;
        }
        case 'trailers': {
          const eol = this.tail.indexOf('\r\n');
          if (eol < 0) {
            if (this.tail.length > MAX_HEAD) throw new Error('the engine sent trailers longer than 256 KiB');
            return;
          }
          this.tail = this.tail.subarray(eol + 2);
          if (eol === 0) this.complete(); // the empty line after the trailers (if any)
          break;
        }
        case 'to-close':
          if (this.tail.length) this.parts.push(this.tail);
          this.tail = Buffer.alloc(0);
          return;
      }
    }
  }

  private complete(): void {
    const p = this.current!;
    this.current = undefined;
    this.served++;
    const answer = { status: this.status, headers: this.headers, body: this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts) };
    this.parts = [];
    // Bytes after the answer that nobody asked for, or a connection the engine will close: not reused.
    if (!this.keepAlive || this.tail.length) this.socket.destroy();
    else this.pool.idle(this);
    p.resolve(answer);
  }

  private fail(e: Error): void {
    const p = this.current;
    this.current = undefined;
    if (p) this.pool.failed(p, e, !this.got && this.served > 0);
  }

  private ended(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.current && this.phase === 'to-close') {
      this.complete();
    } else if (this.current) {
      this.fail(this.pool.explain(hangUp(this.got ? 'the answer was cut short' : 'the engine closed the connection')));
    }
    this.socket.destroy();
    this.pool.gone(this);
  }
}

/** Connections for small requests over one transport, kept alive and reused. */
export class SmallRequests {
  private readonly free: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: Pending[] = [];
  /** Connections made or being made, and of those the ones being made. */
  private count = 0;
  private dialing = 0;
  private destroyed = false;

  constructor(private readonly transport: Transport, public maxSockets: number) {}

  /** Send a request (its body whole, if any) and read its answer whole, whatever its status. */
  request(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<SmallAnswer> {
    let head = `${method} ${path} HTTP/1.1\r\nHost: docker\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    if (body || (method !== 'GET' && method !== 'HEAD')) head += `Content-Length: ${body?.length ?? 0}\r\n`;
    head += '\r\n';
    const bytes = body?.length ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
    return new Promise<SmallAnswer>((resolve, reject) => {
      if (this.destroyed) return reject(hangUp('the client was closed'));
      this.queue.push({ method, bytes, resolve, reject, retried: false });
      this.pump();
    });
  }

  explain(e: Error): Error {
    return this.transport.explain(e as NodeJS.ErrnoException);
  }

  /** Give each waiting request a free connection, or a new one while under the limit. */
  private pump(): void {
    while (this.queue.length) {
      const conn = this.free.pop();
      if (conn) {
        conn.send(this.queue.shift()!);
        continue;
      }
      // A connection being made is for a request already waiting: one each, within the limit.
      if (this.dialing >= this.queue.length || this.count >= this.maxSockets) return;
      this.count++;
      this.dialing++;
      this.transport.dial((err, socket) => {
        this.dialing--;
        if (err || !socket) {
          this.count--;
          const p = this.queue.shift();
          p?.reject(this.explain(err ?? new Error('no connection')));
          this.pump();
          return;
        }
        if (this.destroyed) {
          socket.destroy();
          return;
        }
        const conn = new Connection(socket, this);
        this.all.add(conn);
        this.idle(conn);
      });
    }
  }

  /** A connection without a request: the next waiting one gets it, else it waits (not keeping the process alive). */
  idle(conn: Connection): void {
    if (this.destroyed || conn.closed) return;
    // A transport out of connections (an ssh host's channels) is waiting for this one.
    if (!this.queue.length && (this.transport.waiting?.() ?? 0) > 0) {
      conn.socket.destroy();
      return;
    }
    const next = this.queue.shift();
    if (next) return conn.send(next);
    (conn.socket as { unref?: () => void }).unref?.();
    this.free.push(conn);
  }

  /** A request whose connection failed: sent again once when nothing of its answer came on a reused connection. */
  failed(p: Pending, e: Error, retry: boolean): void {
    if (retry && !p.retried && (p.method === 'GET' || p.method === 'HEAD') && !this.destroyed) {
      p.retried = true;
      this.queue.unshift(p);
      this.pump();
      return;
    }
    p.reject(e);
  }

  gone(conn: Connection): void {
    this.all.delete(conn);
    const i = this.free.indexOf(conn);
    if (i >= 0) this.free.splice(i, 1);
    this.count--;
    this.pump();
  }

  /** Close the connections waiting for a request. */
  closeIdle(): void {
    for (const conn of this.free.splice(0)) conn.socket.destroy();
  }

  /** Close everything; requests in flight fail. */
  destroy(): void {
    this.destroyed = true;
    for (const p of this.queue.splice(0)) p.reject(hangUp('the client was closed'));
    for (const conn of this.all) conn.socket.destroy();
  }
}
