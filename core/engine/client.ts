/**
 * A small Docker Engine API client: HTTP over the unix socket (or DOCKER_HOST unix:// / tcp://),
 * one keep-alive agent so connections are reused, the API version negotiated with the engine.
 * Structured requests only: moor never shells out to the docker CLI.
 */
import http from 'node:http';
import { EngineError, EngineUnreachableError } from './errors.js';

/** Newest API version moor knows; older engines are spoken to in their own version. */
export const MAX_API_VERSION = '1.45';
/** Oldest API version moor supports (Docker 20.10). */
export const MIN_API_VERSION = '1.41';

export interface EngineEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
  /** Human-readable form for messages. */
  display: string;
}

export function resolveEndpoint(dockerHost = process.env.DOCKER_HOST): EngineEndpoint {
  if (!dockerHost) return { socketPath: '/var/run/docker.sock', display: 'unix:///var/run/docker.sock' };
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length), display: dockerHost };
  const m = /^tcp:\/\/([^:/]+)(?::(\d+))?\/?$/.exec(dockerHost);
  if (m) return { host: m[1]!, port: Number(m[2] ?? 2375), display: dockerHost };
  throw new EngineUnreachableError(dockerHost, new Error('unsupported DOCKER_HOST (use unix:///path or tcp://host:port)'));
}

function compareVersions(a: string, b: string): number {
  const [a1, a2] = a.split('.').map(Number) as [number, number];
  const [b1, b2] = b.split('.').map(Number) as [number, number];
  return a1 - b1 || a2 - b2;
}

export interface EngineInfo {
  version: string;
  apiVersion: string;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Raw request body (e.g. a tar stream for builds). */
  stream?: { pipe(destination: NodeJS.WritableStream): unknown };
  headers?: Record<string, string>;
  /** Statuses that are not errors (e.g. 304 for "already started"). */
  okStatuses?: number[];
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

const UNREACHABLE = ['ENOENT', 'ECONNREFUSED', 'EACCES', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOTFOUND'];

/** A transport error: the engine cannot be reached (socket missing, refused…), or something else. */
export function transportError(endpoint: EngineEndpoint, e: NodeJS.ErrnoException): Error {
  return UNREACHABLE.includes(e.code ?? '') ? new EngineUnreachableError(endpoint.display, e) : e;
}

/** Where http.request connects for this endpoint. */
export function connectTo(endpoint: EngineEndpoint): { socketPath: string } | { host: string | undefined; port: number | undefined } {
  return endpoint.socketPath ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port };
}

export class EngineClient {
  private readonly agent: http.Agent;
  private info?: Promise<EngineInfo>;
  /** Requests sent by every client in this process: the benchmark's "engine calls per plan". */
  static totalRequests = 0;

  constructor(readonly endpoint: EngineEndpoint = resolveEndpoint(), maxSockets = 16) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  close(): void {
    this.agent.destroy();
  }

  /** Negotiate once: the engine's version, capped at what moor speaks. */
  engineInfo(): Promise<EngineInfo> {
    this.info ??= this.raw('GET', '/version').then(({ body }) => {
      const v = JSON.parse(body.toString()) as { Version: string; ApiVersion: string };
      const api = compareVersions(v.ApiVersion, MAX_API_VERSION) > 0 ? MAX_API_VERSION : v.ApiVersion;
      if (compareVersions(api, MIN_API_VERSION) < 0) {
        throw new Error(`the engine at ${this.endpoint.display} speaks API ${v.ApiVersion}; moor needs ${MIN_API_VERSION} or newer (Docker 20.10+)`);
      }
      return { version: v.Version, apiVersion: api };
    });
    return this.info;
  }

  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const { body } = await this.versioned(method, path, opts);
    if (body.length === 0) return undefined as T;
    return JSON.parse(body.toString()) as T;
  }

  /** A request whose (small) response body is not JSON, e.g. a container's logs; the body as bytes. */
  async requestRaw(method: string, path: string, opts: RequestOptions = {}): Promise<Buffer> {
    return (await this.versioned(method, path, opts)).body;
  }

  /** A request whose response is a stream of JSON messages (pull, build); errors inside it are raised. */
  async streamJson(method: string, path: string, opts: RequestOptions = {}, onMessage?: (m: Record<string, unknown>) => void): Promise<Record<string, unknown>[]> {
    const { body } = await this.versioned(method, path, opts);
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

  private async versioned(method: string, path: string, opts: RequestOptions) {
    const { apiVersion } = await this.engineInfo();
    return this.raw(method, `/v${apiVersion}${path}`, opts);
  }

  private raw(method: string, path: string, opts: RequestOptions = {}): Promise<{ status: number; body: Buffer }> {
    const query = queryString(opts.query);
    const fullPath = query ? `${path}?${query}` : path;
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string> = { ...opts.headers };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    EngineClient.totalRequests++;
    const request = `${method} ${path.replace(/^\/v[\d.]+/, '')}`;
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          method,
          path: fullPath,
          agent: this.agent,
          headers,
          ...connectTo(this.endpoint),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            const status = res.statusCode ?? 0;
            if (status >= 400 && !(opts.okStatuses ?? []).includes(status)) {
              reject(new EngineError(status, engineMessage(body), request));
              return;
            }
            resolve({ status, body });
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => reject(transportError(this.endpoint, e)));
      if (opts.stream) opts.stream.pipe(req);
      else req.end(payload);
    });
  }
}
