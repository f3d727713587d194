/**
 * A counting, crash-injecting proxy for the Engine API: a unix socket that moor is pointed at
 * (DOCKER_HOST=unix://<path>) and that forwards every connection, byte for byte, to the real
 * engine's socket.
 *
 * Only the client→engine direction is parsed, and only as far as HTTP/1.1 framing needs: the
 * request line and headers of each request, then the body by Content-Length or chunked framing,
 * so that several requests on one keep-alive connection are each seen. A request that upgrades
 * the connection (attach, exec start) turns the rest of that connection into raw bytes. Bodies
 * (build contexts, archive uploads) and responses (build output, archive downloads, attach
 * streams) are piped through untouched.
 *
 * Each MUTATING request (POST/PUT/DELETE except the ones that only read or wait, see
 * `isMutating`) gets a number, 1, 2, 3… A trap can be armed on number k:
 *  - 'before': when request k's headers arrive, the trap fires (the harness kills moor) and the
 *    request is never forwarded;
 *  - 'after': request k is forwarded whole; when the engine's answer starts to come back, the trap
 *    fires and the answer is never delivered (the engine did the work, moor never learns it).
 * After the trap fires every connection is cut, so nothing more reaches the engine from moor.
 */
import net from 'node:net';
import { rmSync } from 'node:fs';

export type When = 'before' | 'after';

export interface Trap {
  k: number;
  when: When;
  fire: () => void;
}

export interface Mutation {
  n: number;
  method: string;
  path: string;
  /** Date.now() when its headers arrived. */
  at: number;
}

/** Requests that do not change the engine's state, though they are POSTs (they wait, read or resize). */
export function isMutating(method: string, path: string): boolean {
  if (!['POST', 'PUT', 'DELETE'].includes(method)) return false;
  const p = path.replace(/^\/v\d+\.\d+/, '').split('?')[0]!;
  return !/\/(wait|attach|resize)$/.test(p) && p !== '/_ping';
}

export class EngineProxy {
  readonly mutations: Mutation[] = [];
  private trap: Trap | undefined;
  private tripped = false;
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | undefined;

  constructor(readonly socketPath: string, private readonly upstream = '/var/run/docker.sock') {}

  get dockerHost(): string {
    return `unix://${this.socketPath}`;
  }

  /** Forget the count and any trap: the next command is counted from 1. */
  reset(trap?: Trap): void {
    this.mutations.length = 0;
    this.trap = trap;
    this.tripped = false;
  }

  get fired(): boolean {
    return this.tripped;
  }

  async start(): Promise<void> {
    rmSync(this.socketPath, { force: true });
    this.server = net.createServer({ allowHalfOpen: true }, (client) => this.connection(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.socketPath, () => resolve());
    });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    rmSync(this.socketPath, { force: true });
  }

  /** Fire the trap once, then cut every connection. */
  private trip(): void {
    if (this.tripped) return;
    this.tripped = true;
    try {
      this.trap?.fire();
    } finally {
      for (const s of this.sockets) s.destroy();
    }
  }

  private connection(client: net.Socket): void {
    if (this.tripped) {
      client.destroy();
      return;
    }
    const engine = net.createConnection({ path: this.upstream, allowHalfOpen: true });
    this.sockets.add(client);
    this.sockets.add(engine);
    const close = () => {
      client.destroy();
      engine.destroy();
      this.sockets.delete(client);
      this.sockets.delete(engine);
    };
    client.on('error', close);
    engine.on('error', close);
    // An end is passed on as an end, so what is still queued for the other side is delivered.
    client.on('end', () => engine.end());
    engine.on('end', () => client.end());
    client.on('close', () => { this.sockets.delete(client); if (!engine.destroyed) engine.end(); });
    engine.on('close', () => { this.sockets.delete(engine); if (!client.destroyed) client.end(); });

    let armedAfter = false;
    engine.on('data', (chunk: Buffer) => {
      if (this.tripped) return;
      if (armedAfter) {
        this.trip();
        return;
      }
      client.write(chunk);
    });

    const parser = new RequestParser((method, path) => {
      if (this.tripped) return 'drop';
      if (!isMutating(method, path)) return 'forward';
      const n = this.mutations.length + 1;
      this.mutations.push({ n, method, path: path.replace(/^\/v\d+\.\d+/, ''), at: Date.now() });
      if (this.trap?.k === n) {
        if (this.trap.when === 'before') {
          this.trip();
          return 'drop';
        }
        armedAfter = true;
      }
      return 'forward';
    });
    client.on('data', (chunk: Buffer) => {
      if (this.tripped) return;
      const out = parser.push(chunk);
      if (out === 'drop') {
        close();
        return;
      }
      if (out.length) engine.write(out);
    });
  }
}

type Decision = 'forward' | 'drop';

/**
 * Splits the client's bytes into requests. `push` returns the bytes to forward now (a request's
 * head is held until it is complete, so a dropped request never reaches the engine at all).
 */
class RequestParser {
  private state: 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailer' | 'raw' = 'head';
  private head = Buffer.alloc(0);
  private remaining = 0;
  private line = '';
  private upgrade = false;

  constructor(private readonly onRequest: (method: string, path: string) => Decision) {}

  push(chunk: Buffer): Buffer | 'drop' {
    const out: Buffer[] = [];
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case 'raw':
          out.push(chunk.subarray(i));
          i = chunk.length;
          break;
        case 'head': {
          this.head = Buffer.concat([this.head, chunk.subarray(i)]);
          i = chunk.length;
          const end = this.head.indexOf('\r\n\r\n');
          if (end < 0) break;
          const rest = this.head.subarray(end + 4);
          const headText = this.head.subarray(0, end).toString('latin1');
          const head = this.head.subarray(0, end + 4);
          this.head = Buffer.alloc(0);
          const [requestLine, ...headerLines] = headText.split('\r\n');
          const [method = '', path = ''] = (requestLine ?? '').split(' ');
          const headers = new Map(headerLines.map((l) => {
            const c = l.indexOf(':');
            return [l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim()] as const;
          }));
          if (this.onRequest(method, path) === 'drop') return 'drop';
          out.push(head);
          this.upgrade = /upgrade/i.test(headers.get('connection') ?? '') || headers.has('upgrade');
          if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) this.state = 'chunk-size';
          else if (Number(headers.get('content-length') ?? 0) > 0) {
            this.remaining = Number(headers.get('content-length'));
            this.state = 'length';
          } else this.done();
          // Re-enter the loop with what followed the head.
          chunk = rest;
          i = 0;
          break;
        }
        case 'length': {
          const take = Math.min(this.remaining, chunk.length - i);
          out.push(chunk.subarray(i, i + take));
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.done();
          break;
        }
        case 'chunk-size':
        case 'trailer': {
          const nl = chunk.indexOf('\n', i);
          const end = nl < 0 ? chunk.length : nl + 1;
          out.push(chunk.subarray(i, end));
          this.line += chunk.subarray(i, end).toString('latin1');
          i = end;
          if (nl < 0) break;
          const line = this.line.trim();
          this.line = '';
          if (this.state === 'trailer') {
            if (line === '') this.done();
            break;
          }
          const size = parseInt(line.split(';')[0]!, 16);
          if (size === 0) this.state = 'trailer';
          else {
            this.remaining = size;
            this.state = 'chunk-data';
          }
          break;
        }
        case 'chunk-data': {
          const take = Math.min(this.remaining, chunk.length - i);
          out.push(chunk.subarray(i, i + take));
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'chunk-crlf';
          break;
        }
        case 'chunk-crlf': {
          const nl = chunk.indexOf('\n', i);
          const end = nl < 0 ? chunk.length : nl + 1;
          out.push(chunk.subarray(i, end));
          i = end;
          if (nl >= 0) this.state = 'chunk-size';
          break;
        }
      }
    }
    return Buffer.concat(out);
  }

  /** The request is complete: the next bytes are a new request, or raw bytes after an upgrade. */
  private done(): void {
    this.state = this.upgrade ? 'raw' : 'head';
    this.upgrade = false;
  }
}
