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

/** A tcp:// engine that hangs up on plain HTTP is most often one that speaks TLS. */
function explainTcp(where: string, e: NodeJS.ErrnoException): Error {
  if (e.code === 'ECONNRESET' || e.code === 'HPE_INVALID_CONSTANT' || /socket hang up/.test(e.message)) {
    return new EngineUnreachableError(where, new Error(`${e.message}: the engine closed the connection. If it expects TLS, set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (docs/remote.md)`));
  }
  return unreachable(where, e);
}

export function socketTransport(endpoint: UnixEndpoint | TcpEndpoint): Transport {
  return {
    maxConnections: Infinity,
    dial(done) {
      done(null, endpoint.socketPath !== undefined ? net.connect(endpoint.socketPath) : net.connect(endpoint.port, endpoint.host));
    },
    explain(e) {
      const where = endpoint.context ? `${endpoint.display} (docker context "${endpoint.context}")` : endpoint.display;
      return endpoint.socketPath === undefined ? explainTcp(where, e) : unreachable(where, e);
    },
    close() {},
  };
}
