/**
 * A small Docker Engine API client over one transport (unix socket, tcp://, TLS or ssh://: see
 * transport.ts), the API version negotiated with the engine, connections kept alive and reused.
 * Two ways a request goes: a small one — its body whole or none, its answer read whole: the JSON
 * calls, the negotiation, a plan's reads — through http1.ts; a stream — archives, logs, builds,
 * exec/attach, anything piped in — through `open`, the one streaming primitive (node:http, loaded
 * only then). Structured requests only: moor never shells out to the docker CLI.
 */
import http from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { parseDockerHost, resolveEndpoint, type EngineEndpoint } from './endpoint.js';
import { EngineError } from './errors.js';
import { isPodmanVersion } from './podman.js';
import { SmallRequests } from './http1.js';
import { openTransport, transportAgent, type Transport, type TransportAgent } from './transport.js';

export { resolveEndpoint, parseDockerHost, type EngineEndpoint };

/** Newest API version moor knows; older engines are spoken to in their own version. */
export const MAX_API_VERSION = '1.45';
/** Oldest API version moor supports (Docker 20.10). */
export const MIN_API_VERSION = '1.41';

function compareVersions(a: string, b: string): number {
  const [a1, a2] = a.split('.').map(Number) as [number, number];
  const [b1, b2] = b.split('.').map(Number) as [number, number];
  return a1 - b1 || a2 - b2;
}

export interface EngineInfo {
  version: string;
  apiVersion: string;
  /** Podman's Docker-compatible API (its /version names a "Podman Engine" component): see docs/podman.md. */
  podman?: boolean;
  /** Where the engine is, as the user named it (`unix:///var/run/docker.sock`, `ssh://deploy@prod-1`, a context's host); set by observe. */
  endpoint?: string;
}


interface Negotiated {
  version: string;
  apiVersion: string;
  podman: boolean;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Raw request body (e.g. a tar stream for builds). */
  stream?: Readable | { pipe(destination: NodeJS.WritableStream): unknown };
  headers?: Record<string, string>;
  /** Statuses that are not errors (e.g. 304 for "already started", 404 for "already gone"). */
  okStatuses?: number[];
}

export interface OpenOptions {
  query?: Query;
  headers?: Record<string, string>;
  okStatuses?: number[];
  /**
   * A connection of its own, not one of the pool: for long streams (an archive, an exec's output)
   * that must never hold a pooled connection, and for hijacked ones.
   */
  dedicated?: boolean;
  /** `Upgrade: tcp` (attach): the connection becomes the container's raw streams; see `upgraded`. */
  upgrade?: boolean;
  /** Not under /v<api>: for the version negotiation itself. */
  unversioned?: boolean;
}

/** A request in flight: the caller writes its body, then reads the response as it arrives. */
export interface EngineStream {
  /** Write the body here, then end() it (end() alone for none). */
  body: http.ClientRequest;
  /** The response once its status is a success (or in okStatuses); an EngineError with the engine's message otherwise. */
  response: Promise<http.IncomingMessage>;
  /** With `upgrade`: the raw connection once the engine switched protocols (and what came with the switch). */
  upgraded: Promise<{ socket: Duplex; head: Buffer }>;
  /** Abort the request and its response: nothing more is sent or read. */
  abort(reason?: Error): void;
}

/** `a=1&b=x`: the query of an Engine API request, undefined values left out. */
export function queryString(query: Record<string, unknown> = {}): string {
  return Object.entries(query)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
}

/** The engine's own error message from an error response body (JSON `{message}` or plain text). */
export function engineMessage(body: Buffer): string {
  const text = body.toString().trim();
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    return text;
  }
}

/**
 * Read a whole (small) response body of a stream opened with `open` (an error answer, an
 * extraction's reply). Through the stream's events: an async iterator costs each ≈ 0.1 ms more.
 */
export function readBody(res: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let ended = false;
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => {
      ended = true;
      resolve(Buffer.concat(chunks));
    });
    res.once('error', reject);
    // Closed before its end (the connection dropped, or the response was destroyed): no whole body.
    res.once('close', () => { if (!ended) reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })); });
  });
}

/** A read sent ahead (see EngineClient.readAhead): its status and body, whatever the status. */
interface ReadAhead { status: number; body: Buffer }

export class EngineClient {
  private streams?: TransportAgent;
  private readonly small: SmallRequests;
  private maxSockets: number;
  private readonly transport: Transport;
  private info?: Promise<EngineInfo>;
  /** Reads sent ahead, by `path?query`, each taken by the first request for it. */
  private readonly ahead = new Map<string, Promise<ReadAhead | undefined>>();
  /** The GET requests made (`path?query`), while recording. */
  private recorded?: string[];
  /** Requests sent by every client in this process: the benchmark's "engine calls per plan". */
  static totalRequests = 0;

  /** A string is a DOCKER_HOST value. */
  constructor(endpoint: EngineEndpoint | string = resolveEndpoint(), maxSockets = 16) {
    this.endpoint = typeof endpoint === 'string' ? parseDockerHost(endpoint) : endpoint;
    this.transport = openTransport(this.endpoint, {
      reclaimIdle: () => {
        this.small.closeIdle();
        this.streams?.closeIdle();
      },
    });
    this.maxSockets = Math.min(maxSockets, this.transport.maxConnections);
    this.small = new SmallRequests(this.transport, this.maxSockets);
  }

  readonly endpoint: EngineEndpoint;

  /** The pool of streams, made on the first one. */
  private get agent(): TransportAgent {
    return (this.streams ??= transportAgent(this.transport, { keepAlive: true, maxSockets: this.maxSockets }));
  }

  /** At most this many pooled connections for each of small requests and streams (and never more than the transport allows). */
  setMaxSockets(n: number): void {
    this.maxSockets = Math.min(n, this.transport.maxConnections);
    this.small.maxSockets = this.maxSockets;
    if (this.streams) this.streams.maxSockets = this.maxSockets;
  }

  close(): void {
    this.small.destroy();
    this.streams?.destroy();
    this.transport.close();
  }

  /** A small request: its body whole (or none), its answer read whole whatever its status. */
  private send(method: string, path: string, headers?: Record<string, string>, body?: Buffer) {
    EngineClient.totalRequests++;
    return this.small.request(method, path, headers, body);
  }

  /** Negotiate once: the engine's version, capped at what moor speaks. */
  engineInfo(): Promise<EngineInfo> {
    this.info ??= this.pingInfo()
      // An engine whose /_ping answers an error or says too little is asked /version. One that
      // cannot be reached is not asked again: a second try would double the wait (an ssh:// host's
      // connection timeout) before the same error.
      .catch((e: unknown) => {
        if (e instanceof EngineError) return undefined;
        throw e;
      })
      .then((p) => p ?? this.versionInfo())
      .then((v) => {
        const api = compareVersions(v.apiVersion, MAX_API_VERSION) > 0 ? MAX_API_VERSION : v.apiVersion;
        if (compareVersions(api, MIN_API_VERSION) < 0) {
          throw new Error(`the engine at ${this.endpoint.display} speaks API ${v.apiVersion}; moor needs ${MIN_API_VERSION} or newer (Docker 20.10+)`);
        }
        return { version: v.version, apiVersion: api, ...(v.podman ? { podman: true } : {}) };
      });
    return this.info;
  }

  /**
   * What GET /_ping's headers say (the docker CLI negotiates the same way): the API version, and
   * the engine and its version from `Server: Docker/27.3.1 (linux)` or Podman's `Libpod/5.2.0`.
   * Undefined when they do not say it all. Not /version: Docker 20.10 runs `runc --version` and
   * `docker-init --version` for every /version (≈10–15 ms here, against ≈1 ms for /_ping).
   */
  private async pingInfo(): Promise<Negotiated | undefined> {
    const { status, headers, body } = await this.send('GET', '/_ping');
    if (status >= 400) throw new EngineError(status, engineMessage(body), 'GET /_ping');
    const api = headers['api-version'];
    const server = /^(Docker|Libpod)\/(\S+)/.exec(headers.server ?? '');
    if (api === undefined || !/^\d+\.\d+$/.test(api) || !server) return undefined;
    return { version: server[2]!, apiVersion: api, podman: server[1] === 'Libpod' || headers['libpod-api-version'] !== undefined };
  }

  private async versionInfo(): Promise<Negotiated> {
    const v = JSON.parse((await this.whole('GET', '/version', { unversioned: true })).toString()) as { Version: string; ApiVersion: string; Components?: { Name?: string }[] | null };
    return { version: v.Version, apiVersion: v.ApiVersion, podman: isPodmanVersion(v) };
  }

  /**
   * Send these GET requests (`path?query`, as `recordReads` gave them) now, without waiting for
   * whoever will ask for them: the first request in this process for exactly one of them gets its
   * answer (the engine's state when it was read, milliseconds earlier). Only for commands that hold
   * no lock: a read sent before a lock is taken could predate another moor's apply.
   */
  readAhead(reads: string[]): void {
    for (const key of reads) {
      if (this.ahead.has(key)) continue;
      const promise = this.engineInfo()
        .then((info) => this.send('GET', `/v${info.apiVersion}${key}`))
        // A read ahead that failed is made again by whoever asks for it.
        .catch(() => undefined);
      this.ahead.set(key, promise);
    }
  }

  /** Record the GET requests made from now on (`path?query`); `recordedReads()` returns them. */
  recordReads(): void {
    this.recorded = [];
  }

  recordedReads(): string[] {
    return [...new Set(this.recorded ?? [])];
  }

  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const body = await this.requestRaw(method, path, opts);
    if (body.length === 0) return undefined as T;
    return JSON.parse(body.toString()) as T;
  }

  /** A request whose (small) response body is not JSON, e.g. a container's logs; the body as bytes. */
  async requestRaw(method: string, path: string, opts: RequestOptions = {}): Promise<Buffer> {
    return this.whole(method, path, opts);
  }

  /** A request whose response is a stream of JSON messages (pull, build); errors inside it are raised. */
  async streamJson(method: string, path: string, opts: RequestOptions = {}, onMessage?: (m: Record<string, unknown>) => void): Promise<Record<string, unknown>[]> {
    const body = await this.whole(method, path, opts);
    const messages: Record<string, unknown>[] = [];
    for (const line of body.toString().split(/\r?\n/)) {
      if (!line.trim()) continue;
      let m: Record<string, unknown>;
      try { m = JSON.parse(line) as Record<string, unknown>; } catch { continue; }
      messages.push(m);
      onMessage?.(m);
      const err = (m.errorDetail as { message?: string } | undefined)?.message ?? (m.error as string | undefined);
      if (err) throw new EngineError(200, err.trim(), `${method} ${path}`);
    }
    return messages;
  }

  /**
   * The streaming primitive: open a request to the engine (in the negotiated API version) over the
   * transport. Nothing is sent until the caller writes or ends `body`.
   */
  async open(method: string, path: string, opts: OpenOptions = {}): Promise<EngineStream> {
    const prefix = opts.unversioned ? '' : `/v${(await this.engineInfo()).apiVersion}`;
    const qs = queryString(opts.query);
    const what = `${method} ${path}`;
    EngineClient.totalRequests++;
    const body = http.request({
      method,
      path: `${prefix}${path}${qs ? `?${qs}` : ''}`,
      headers: { ...(opts.upgrade ? { Connection: 'Upgrade', Upgrade: 'tcp' } : {}), ...opts.headers },
      // The Host header the docker CLI sends to a socket; a TLS engine's certificate is checked by the transport.
      host: 'docker',
      // Not a TLS server name (the transport dials): spares node:http's agent an isIP('docker')
      // whose IPv6 pattern costs each command ≈5 ms to compile.
      ...({ servername: '' } as object),
      ...(opts.dedicated || opts.upgrade
        ? { createConnection: (_o: unknown, done: (e: Error | null, s?: Duplex) => void) => void this.transport.dial(done) } // no agent: a connection of its own
        : { agent: this.agent }),
    } as http.RequestOptions);
    let current: http.IncomingMessage | undefined;
    // The connection of a dedicated request: node:http keeps it open after the response when no agent owns it.
    let own: Duplex | undefined;
    if (opts.dedicated || opts.upgrade) body.once('socket', (s: Duplex) => (own = s));
    const failed = (e: NodeJS.ErrnoException) => this.transport.explain(e);
    let upgradedResolve!: (u: { socket: Duplex; head: Buffer }) => void;
    let upgradedReject!: (e: Error) => void;
    const upgraded = new Promise<{ socket: Duplex; head: Buffer }>((ok, ko) => { upgradedResolve = ok; upgradedReject = ko; });
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      body.on('error', (e: NodeJS.ErrnoException) => reject(failed(e)));
      body.on('upgrade', (res: http.IncomingMessage, socket: Duplex, head: Buffer) => {
        current = res;
        upgradedResolve({ socket, head });
        resolve(res);
      });
      body.on('response', (res) => {
        current = res;
        // A connection of its own is closed once its response has been read.
        if (opts.dedicated || opts.upgrade) res.once('end', () => own?.destroy());
        const status = res.statusCode ?? 0;
        if (status < 400 || (opts.okStatuses ?? []).includes(status)) {
          resolve(res);
          if (opts.upgrade) {
            // Not upgraded: an engine that did not switch protocols.
            readBody(res).then((b) => upgradedReject(new EngineError(status, engineMessage(b) || `the engine answered ${status} instead of switching protocols`, what)), upgradedReject);
          }
          return;
        }
        readBody(res).then((b) => reject(new EngineError(status, engineMessage(b), what)), reject);
      });
    });
    response.catch((e: Error) => upgradedReject(e));
    // Whoever awaits them sees their failure; a failure nobody awaited must not crash the process.
    response.catch(() => undefined);
    upgraded.catch(() => undefined);
    return {
      body,
      response,
      upgraded,
      abort(reason) {
        current?.destroy(reason);
        body.destroy(reason);
        own?.destroy();
      },
    };
  }

  /** A request with a small body (JSON, or a stream piped in), its response read whole. */
  private async whole(method: string, path: string, opts: RequestOptions & Pick<OpenOptions, 'unversioned'>): Promise<Buffer> {
    const qs = queryString(opts.query);
    if (method === 'GET' && !opts.unversioned && opts.body === undefined && !opts.stream && !opts.headers) {
      const key = qs ? `${path}?${qs}` : path;
      this.recorded?.push(key);
      const early = this.ahead.get(key);
      if (early) {
        this.ahead.delete(key);
        const got = await early;
        if (got) return this.judged(got, method, path, opts.okStatuses);
      }
    }
    if (opts.stream) {
      const req = await this.open(method, path, { query: opts.query, headers: opts.headers, okStatuses: opts.okStatuses, unversioned: opts.unversioned });
      opts.stream.pipe(req.body);
      return readBody(await req.response);
    }
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string> = { ...opts.headers };
    if (payload) headers['Content-Type'] = 'application/json';
    const prefix = opts.unversioned ? '' : `/v${(await this.engineInfo()).apiVersion}`;
    return this.judged(await this.send(method, `${prefix}${path}${qs ? `?${qs}` : ''}`, headers, payload), method, path, opts.okStatuses);
  }

  /** An answer's body when its status is a success (or one of `ok`); the engine's error otherwise. */
  private judged(a: { status: number; body: Buffer }, method: string, path: string, ok: number[] = []): Buffer {
    if (a.status < 400 || ok.includes(a.status)) return a.body;
    throw new EngineError(a.status, engineMessage(a.body), `${method} ${path}`);
  }
}
