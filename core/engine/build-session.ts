/**
 * A BuildKit session that serves build secrets (`RUN --mount=type=secret,id=npm`), so that a
 * secret reaches the build step that mounts it and nothing else: not the image, its history, the
 * build args, the plan.
 *
 * The protocol, as the docker CLI speaks it: `POST /session` with `Upgrade: h2c` and the
 * X-Docker-Expose-Session-* headers is answered `101`, and the connection turns around: the engine
 * is the HTTP/2 client and moor the gRPC server, answering `moby.buildkit.secrets.v1.Secrets/
 * GetSecret` (and the health checks BuildKit makes). A build names the session (`version=2`,
 * `session=<uuid>`). Messages are tiny protobufs, encoded here by hand:
 *   GetSecretRequest  { string ID = 1; map<string,string> annotations = 2; }
 *   GetSecretResponse { bytes data = 1; }
 *   HealthCheckResponse { ServingStatus status = 1; }   (SERVING = 1)
 */
import { randomUUID } from 'node:crypto';
import http2 from 'node:http2';
import type { EngineClient } from './client.js';

const GET_SECRET = '/moby.buildkit.secrets.v1.Secrets/GetSecret';
const HEALTH = '/grpc.health.v1.Health/Check';

/** gRPC status codes used here. */
const OK = 0;
const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;

export interface BuildSession {
  /** The session's id, for the build's `session` parameter. */
  id: string;
  /** The ids of the secrets the build asked for, in order (for tests and messages; never values). */
  asked: string[];
  close(): void;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return Buffer.from(out);
}

function readVarint(buf: Buffer, at: number): [number, number] {
  let n = 0;
  let mult = 1;
  for (let i = at; i < buf.length; i++) {
    n += (buf[i]! & 0x7f) * mult;
    if (!(buf[i]! & 0x80)) return [n, i + 1];
    mult *= 128;
  }
  throw new Error('truncated varint');
}

/** A gRPC message frame: uncompressed flag, 4-byte length, the message. */
export function grpcFrame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** The ID (field 1) of a GetSecretRequest carried in a gRPC frame; other fields are skipped. */
export function secretIdOf(frame: Buffer): string {
  const msg = frame.subarray(5, 5 + frame.readUInt32BE(1));
  let at = 0;
  while (at < msg.length) {
    const [tag, next] = readVarint(msg, at);
    const field = tag >> 3;
    const wire = tag & 7;
    if (wire === 2) {
      const [len, start] = readVarint(msg, next);
      if (field === 1) return msg.subarray(start, start + len).toString('utf8');
      at = start + len;
    } else if (wire === 0) {
      at = readVarint(msg, next)[1];
    } else {
      throw new Error(`unexpected protobuf wire type ${wire}`);
    }
  }
  return '';
}

/** GetSecretResponse { data = value }. */
export function secretResponse(value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x0a]), varint(value.length), value]);
}

/**
 * Open a session serving `secrets` (id → value). Values stay in this process's memory and go out
 * only on the session's connection, to the engine's BuildKit, when a build step mounts them.
 */
export async function openBuildSession(client: EngineClient, secrets: ReadonlyMap<string, string>): Promise<BuildSession> {
  const id = randomUUID();
  const req = await client.open('POST', '/session', {
    upgrade: true,
    headers: {
      Upgrade: 'h2c',
      'X-Docker-Expose-Session-Uuid': id,
      'X-Docker-Expose-Session-Name': 'moor',
      'X-Docker-Expose-Session-Sharedkey': id,
    },
  });
  req.body.setHeader('X-Docker-Expose-Session-Grpc-Method', [GET_SECRET, HEALTH]);
  req.body.end();
  const { socket, head } = await req.upgraded;
  if (head.length) socket.unshift(head);
  const asked: string[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => undefined);
    stream.on('end', () => {
      const path = headers[':path'];
      let status = OK;
      let message = '';
      let reply: Buffer = Buffer.alloc(0);
      if (path === HEALTH) reply = Buffer.from([0x08, 0x01]);
      else if (path === GET_SECRET) {
        const name = secretIdOf(Buffer.concat(chunks));
        asked.push(name);
        const value = secrets.get(name);
        if (value === undefined) { status = NOT_FOUND; message = `secret ${name} is not declared in the image's build.secrets`; } else reply = secretResponse(Buffer.from(value, 'utf8'));
      } else { status = UNIMPLEMENTED; message = `moor does not serve ${String(path)}`; }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(status), ...(message ? { 'grpc-message': encodeURIComponent(message) } : {}) }));
      stream.end(status === OK ? grpcFrame(reply) : undefined);
    });
  });
  server.on('sessionError', () => undefined);
  socket.on('error', () => undefined);
  server.emit('connection', socket);
  return {
    id,
    asked,
    close() {
      socket.destroy();
      server.close();
    },
  };
}
