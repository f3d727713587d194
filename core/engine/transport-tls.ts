/**
 * tcp:// with TLS (DOCKER_TLS_VERIFY / DOCKER_TLS and DOCKER_CERT_PATH, or a context's TLS
 * material): HTTPS with the client certificate, the server checked against ca.pem when verifying.
 * Such an engine is never spoken to in plain text: there is no fallback.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type tlsModule from 'node:tls';
import type { TcpEndpoint, TlsFiles } from './endpoint.js';
import { EngineTlsError } from './errors.js';
import type { Transport } from './transport.js';
import { unreachable } from './transport-socket.js';

interface Material {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

function readMaterial(where: string, files: TlsFiles): Material {
  if (!!files.cert !== !!files.key) {
    throw new EngineTlsError(where, `${files.source} has ${files.cert ? 'cert.pem but no key.pem' : 'key.pem but no cert.pem'}: a client certificate needs both`);
  }
  const read = (f: string | undefined) => {
    if (!f) return undefined;
    try {
      return readFileSync(f);
    } catch (e) {
      throw new EngineTlsError(where, `cannot read ${f}: ${(e as Error).message}`);
    }
  };
  return { ca: read(files.ca), cert: read(files.cert), key: read(files.key) };
}

/** Why a handshake failed, in words; undefined for errors that are not TLS's. */
function tlsReason(e: NodeJS.ErrnoException, files: TlsFiles): string | undefined {
  const code = e.code ?? '';
  const noCert = files.cert ? '' : ` (moor sent no client certificate: ${files.source} has no cert.pem and key.pem)`;
  if (/CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|BAD_CERTIFICATE|UNKNOWN_CA|ALERT/.test(code)) {
    return `the engine refused moor's client certificate${noCert} [${e.message.trim()}]`;
  }
  if (/^(UNABLE_TO_VERIFY|SELF_SIGNED|DEPTH_ZERO|CERT_|ERR_TLS_CERT)/.test(code)) {
    return `the engine's certificate is not trusted${files.ca ? ` by ${files.ca}` : ' (no ca.pem: checked against the system\'s roots)'}: ${e.message}`;
  }
  if (/^ERR_SSL/.test(code)) return `${e.message.trim()}${noCert}`;
  if (code === 'ECONNRESET' && !files.cert) return `the engine closed the connection${noCert}`;
  return undefined;
}

export function tlsTransport(endpoint: TcpEndpoint & { tls: TlsFiles }): Transport {
  const files = endpoint.tls;
  const material = readMaterial(endpoint.display, files);
  return {
    maxConnections: Infinity,
    dial(done) {
      // node:tls is loaded only when a TLS engine is dialled: it costs every other command start-up time.
      const tls = process.getBuiltinModule('node:tls') as typeof tlsModule;
      done(null, tls.connect({
        host: endpoint.host,
        port: endpoint.port,
        // SNI takes names only.
        ...(net.isIP(endpoint.host) ? {} : { servername: endpoint.host }),
        ...material,
        rejectUnauthorized: files.verify,
      }));
    },
    explain(e) {
      const reason = tlsReason(e, files);
      return reason ? new EngineTlsError(endpoint.display, reason) : unreachable(endpoint.display, e);
    },
    close() {},
  };
}
