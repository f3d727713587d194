/**
 * Streaming Engine API requests for a volume's archive: a response read as it arrives, a request
 * body written as it is produced. Both go through EngineClient.open (the client's one streaming
 * primitive, whatever the transport), each on a connection of its own: a long transfer never holds
 * a connection of the client's pool.
 */
import type http from 'node:http';
import type { EngineClient, EngineStream, Query } from '../engine/client.js';

export { readBody } from '../engine/client.js';
export type { Query };

/** A request whose body the caller writes; `response` settles once the engine answered. */
export type OpenRequest = Pick<EngineStream, 'body' | 'response' | 'abort'>;

/** Open a request to the engine; nothing is sent until the caller writes or ends the body. */
export function openRequest(client: EngineClient, method: string, path: string, query: Query = {}, headers: Record<string, string> = {}, okStatuses: number[] = []): Promise<OpenRequest> {
  return client.open(method, path, { query, headers, okStatuses, dedicated: true });
}

/** GET (or another body-less request) whose response body is read as a stream. */
export async function streamResponse(client: EngineClient, method: string, path: string, query: Query = {}, okStatuses: number[] = []): Promise<http.IncomingMessage> {
  const req = await openRequest(client, method, path, query, {}, okStatuses);
  req.body.end();
  return req.response;
}
