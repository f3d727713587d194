/**
 * How bytes reach the engine. A transport opens connections that carry the Engine API's HTTP;
 * everything above it (the JSON calls, builds, archive streams, hijacked exec/attach streams) is
 * the same for all of them and lives in EngineClient. A new transport is one file implementing
 * `Transport`, chosen here from the endpoint.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { EngineEndpoint } from './endpoint.js';
import { socketTransport } from './transport-socket.js';
import { sshTransport } from './transport-ssh.js';
import { tlsTransport } from './transport-tls.js';

export type Dialed = (err: Error | null, socket?: Duplex) => void;

export interface Transport {
  /** Open a new connection to the engine's HTTP API (possibly later: `done` is called once). */
  dial(done: Dialed): void;
  /** The most connections open at once, pooled and streams together (Infinity: no limit). */
  readonly maxConnections: number;
  /** A connection error in the user's terms (unreachable, certificate refused…); others unchanged. */
  explain(e: NodeJS.ErrnoException): Error;
  /** Close everything the transport holds (an ssh control master); synchronous, idempotent. */
  close(): void;
  /** Connections asked for and not yet given (a transport with a connection limit): the agent gives idle ones back for them. */
  waiting?(): number;
}

export interface TransportHooks {
  /** Close idle pooled connections: a transport out of connections asks for some back. */
  reclaimIdle(): void;
}

export function openTransport(endpoint: EngineEndpoint, hooks: TransportHooks): Transport {
  if ('ssh' in endpoint) return sshTransport(endpoint, hooks);
  if ('tls' in endpoint && endpoint.tls) return tlsTransport({ ...endpoint, tls: endpoint.tls });
  return socketTransport(endpoint);
}

/** A keep-alive agent whose connections the transport opens, for streams (small requests: http1.ts). */
export interface TransportAgent extends http.Agent {
  /** Destroy the idle connections it keeps. */
  closeIdle(): void;
}

/** Made when a command first streams: node:http is loaded then (scripts/build.mjs makes it lazy), not by every command. */
export function transportAgent(transport: Transport, options: http.AgentOptions): TransportAgent {
  class Agent extends http.Agent implements TransportAgent {
    constructor() {
      super(options);
      // A burst of requests asks for a connection each before any is made (the agent counts only
      // connections already made): some wait for the transport's limit, while the ones made go idle
      // in the pool once their response is read. Give those back, or the waiting ones wait for ever.
      this.on('free', () => {
        if ((transport.waiting?.() ?? 0) > 0) this.closeIdle();
      });
    }

    override createConnection(_options: unknown, done: Dialed): undefined {
      transport.dial(done);
      return undefined;
    }

    closeIdle(): void {
      for (const list of Object.values(this.freeSockets)) for (const s of list ?? []) s.destroy();
    }
  }
  return new Agent();
}
