/** A unix socket (the engine on this host) or plain tcp:// (no TLS variables set). */
import net from 'node:net';
import type { TcpEndpoint, UnixEndpoint } from './endpoint.js';
import { EngineUnreachableError } from './errors.js';
import type { Transport } from './transport.js';

const UNREACHABLE = ['ENOENT', 'ECONNREFUSED', 'EACCES', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOTFOUND'];

/** Connection errors that mean the engine is not there. */
export function unreachable(where: string, e: NodeJS.ErrnoException): Error {
  return UNREACHABLE.includes(e.code ?? '') ? new EngineUnreachableError(where, e) : e;
}

export function socketTransport(endpoint: UnixEndpoint | TcpEndpoint): Transport {
  return {
    maxConnections: Infinity,
    dial(done) {
      done(null, endpoint.socketPath !== undefined ? net.connect(endpoint.socketPath) : net.connect(endpoint.port, endpoint.host));
    },
    explain: (e) => unreachable(endpoint.context ? `${endpoint.display} (docker context "${endpoint.context}")` : endpoint.display, e),
    close() {},
  };
}
