/**
 * Where the engine is, decided as the docker CLI decides it: `--context NAME`, then DOCKER_HOST
 * (with DOCKER_TLS_VERIFY / DOCKER_TLS / DOCKER_CERT_PATH for tcp://), then DOCKER_CONTEXT, then
 * `currentContext` in $DOCKER_CONFIG/config.json; with none of them, the local unix socket.
 * Reading only: nothing connects here (the transports do, core/engine/transport*.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MoorError } from '../errors.js';
import { currentContext, dockerConfigDir, readContext } from './docker-context.js';

/** TLS for a tcp:// engine: the files' paths (read when connecting), and whether the server is checked. */
export interface TlsFiles {
  /** Check the server's certificate (against `ca`, or the system's roots without one). */
  verify: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  /** Where the files came from, for messages: "DOCKER_CERT_PATH=…" or "context t1". */
  source: string;
}

/** `ssh://[user@]host[:port][/path/to/engine.sock]`. */
export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
  /**
   * The engine's unix socket on the server, when the URL names it (as the docker CLI reads it:
   * `docker --host unix://PATH system dial-stdio` there). Without it, the socket the server's own
   * docker CLI would use (its DOCKER_HOST or current context) is asked for once per command.
   */
  socket?: string;
}

interface Common {
  /** The engine's address as the user wrote it (DOCKER_HOST form); names it in messages and saved plans. */
  display: string;
  /** The docker context it came from, if any. */
  context?: string;
}
export interface UnixEndpoint extends Common { socketPath: string }
export interface TcpEndpoint extends Common { socketPath?: undefined; host: string; port: number; tls?: TlsFiles }
export interface SshEndpoint extends Common { socketPath?: undefined; ssh: SshTarget }
/** `socketPath` is set only for a unix socket: the engine shares moor's host. */
export type EngineEndpoint = UnixEndpoint | TcpEndpoint | SshEndpoint;

export const DEFAULT_SOCKET = '/var/run/docker.sock';

/** DOCKER_HOST / a context's Host is not one moor can use. */
export class EndpointError extends MoorError {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointError';
  }
}

export interface TlsSettings {
  /** DOCKER_TLS_VERIFY set: TLS, server checked. */
  verify: boolean;
  /** DOCKER_TLS set (or verify): TLS. */
  tls: boolean;
  /** DOCKER_CERT_PATH, or the docker config directory. */
  certPath: string;
}

/** The TLS variables as the docker CLI reads them (a variable counts when it is set and not empty). */
export function tlsFromEnv(env: NodeJS.ProcessEnv = process.env): TlsSettings {
  const verify = !!env.DOCKER_TLS_VERIFY;
  return { verify, tls: verify || !!env.DOCKER_TLS, certPath: env.DOCKER_CERT_PATH || dockerConfigDir(env) };
}

/** TLS material from a directory holding ca.pem, cert.pem and key.pem (each used when present). */
export function tlsFilesIn(dir: string, verify: boolean, source: string): TlsFiles {
  const at = (f: string) => (existsSync(path.join(dir, f)) ? path.join(dir, f) : undefined);
  return { verify, ca: at('ca.pem'), cert: at('cert.pem'), key: at('key.pem'), source };
}

/** Parse a DOCKER_HOST value. `tls` applies to tcp:// only (for the env variables and contexts). */
export function parseDockerHost(value: string, tls?: TlsFiles, where = 'DOCKER_HOST'): EngineEndpoint {
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    if (!socketPath) throw new EndpointError(`${where}=${value} names no socket path (e.g. unix:///var/run/docker.sock)`);
    return { socketPath, display: value };
  }
  const tcp = /^(?:tcp|https?):\/\/(\[[^\]]+\]|[^:/[\]]+)(?::(\d+))?\/?$/.exec(value);
  if (tcp) {
    const host = tcp[1]!.replace(/^\[(.*)\]$/, '$1');
    const port = Number(tcp[2] ?? (tls ? 2376 : 2375));
    return tls ? { host, port, tls, display: value } : { host, port, display: value };
  }
  const ssh = /^ssh:\/\/(?:([^@/:]+)@)?(\[[^\]]+\]|[^:/@[\]]+)(?::(\d+))?(\/[^?#\s]*)?$/.exec(value);
  if (ssh) {
    const target: SshTarget = { host: ssh[2]!.replace(/^\[(.*)\]$/, '$1') };
    if (ssh[1]) target.user = decodeURIComponent(ssh[1]);
    if (ssh[3]) target.port = Number(ssh[3]);
    const socket = ssh[4] ? decodeURIComponent(ssh[4]) : '';
    if (socket.replace(/\/+/g, '')) target.socket = socket;
    return { ssh: target, display: value };
  }
  throw new EndpointError(`${where}=${value} is not an engine address moor understands: use unix:///path, tcp://host:port or ssh://[user@]host[:port][/path/to/engine.sock]`);
}

export interface EndpointSources {
  /** `--context NAME`. */
  context?: string;
  env?: NodeJS.ProcessEnv;
}

/** The engine to talk to, with the docker CLI's precedence. */
export function resolveEndpoint(sources: EndpointSources | string = {}): EngineEndpoint {
  // A plain string is a DOCKER_HOST value (kept for callers that pass one).
  if (typeof sources === 'string') return fromDockerHost(sources, process.env);
  const env = sources.env ?? process.env;
  if (sources.context) return fromContext(sources.context, env, '--context');
  if (env.DOCKER_HOST) return fromDockerHost(env.DOCKER_HOST, env);
  if (env.DOCKER_CONTEXT) return fromContext(env.DOCKER_CONTEXT, env, 'DOCKER_CONTEXT');
  const current = currentContext(env);
  if (current) return fromContext(current, env, `currentContext in ${path.join(dockerConfigDir(env), 'config.json')}`);
  return { socketPath: DEFAULT_SOCKET, display: `unix://${DEFAULT_SOCKET}` };
}

function fromDockerHost(value: string, env: NodeJS.ProcessEnv): EngineEndpoint {
  const t = tlsFromEnv(env);
  const tls = t.tls ? tlsFilesIn(t.certPath, t.verify, `DOCKER_CERT_PATH=${t.certPath}`) : undefined;
  if (tls && !/^(?:tcp|https):\/\//.test(value)) return parseDockerHost(value, undefined);
  return parseDockerHost(value, tls);
}

function fromContext(name: string, env: NodeJS.ProcessEnv, how: string): EngineEndpoint {
  // "default" is the CLI's name for "no context": DOCKER_HOST or the local socket.
  if (name === 'default') {
    return env.DOCKER_HOST ? fromDockerHost(env.DOCKER_HOST, env) : { socketPath: DEFAULT_SOCKET, display: `unix://${DEFAULT_SOCKET}`, context: 'default' };
  }
  const ctx = readContext(name, env, how);
  const endpoint = parseDockerHost(ctx.host, ctx.tls, `the docker context "${name}"'s host`);
  return { ...endpoint, context: name };
}
