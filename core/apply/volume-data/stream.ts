/**
 * Streaming Engine API requests: a response read as it arrives, a request body written as it is
 * produced. EngineClient buffers whole bodies, which is right for JSON but not for a volume's
 * archive; these requests go to the same endpoint (DOCKER_HOST or the default socket) in the
 * API version the client negotiated, and an engine error carries the engine's own message.
 */
import http from 'node:http';
import { connectTo, EngineClient, engineMessage, queryString, transportError } from '../../engine/client.js';
import { EngineError } from '../../engine/errors.js';

export type Query = Record<string, string | number | boolean | undefined>;

/** A request whose body the caller writes; `response` settles once the engine answered. */
export interface OpenRequest {
  /** Write the body here, then end() it. */
  body: http.ClientRequest;
  /** The response when its status is a success; an EngineError (with the engine's message) otherwise. */
  response: Promise<http.IncomingMessage>;
  /** Abort the request and its response: nothing more is sent or read. */
  abort(reason?: Error): void;
}

/** Open a request to the engine; nothing is sent until the caller writes or ends the body. */
export async function openRequest(client: EngineClient, method: string, path: string, query: Query = {}, headers: Record<string, string> = {}): Promise<OpenRequest> {
  const { apiVersion } = await client.engineInfo();
  const qs = queryString(query);
  const what = `${method} ${path}`;
  const endpoint = client.endpoint;
  EngineClient.totalRequests++;
  const body = http.request({
    method,
    path: `/v${apiVersion}${path}${qs ? `?${qs}` : ''}`,
    headers,
    // One connection per stream: a long transfer never holds a socket of the client's pool.
    agent: false,
    ...connectTo(endpoint),
  });
  let current: http.IncomingMessage | undefined;
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    body.on('error', (e: NodeJS.ErrnoException) => reject(transportError(endpoint, e)));
    body.on('response', (res) => {
      current = res;
      const status = res.statusCode ?? 0;
      if (status < 400) {
        resolve(res);
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => reject(new EngineError(status, engineMessage(Buffer.concat(chunks)), what)));
    });
  });
  // Whoever awaits `response` sees its failure; a failure nobody awaited must not crash the process.
  response.catch(() => undefined);
  return {
    body,
    response,
    abort(reason) {
      current?.destroy(reason);
      body.destroy(reason);
    },
  };
}

/** GET (or another body-less request) whose response body is read as a stream. */
export async function streamResponse(client: EngineClient, method: string, path: string, query: Query = {}): Promise<http.IncomingMessage> {
  const req = await openRequest(client, method, path, query);
  req.body.end();
  return req.response;
}

/** Read a whole (small) response body after a success status; errors as for openRequest. */
export async function readBody(res: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
