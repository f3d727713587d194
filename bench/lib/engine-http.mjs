/**
 * The smallest Engine API client that is still fair: node:http over the unix socket with one
 * keep-alive agent, the API version negotiated once with GET /version. Shared by the raw floor
 * (bench/raw.mjs, which must stay plain JavaScript so its startup is only node's) and the harness.
 */
import http from 'node:http';

export function socketPath(dockerHost = process.env.DOCKER_HOST) {
  if (!dockerHost) return '/var/run/docker.sock';
  if (dockerHost.startsWith('unix://')) return dockerHost.slice('unix://'.length);
  throw new Error(`the benchmark talks to a local engine over a unix socket; DOCKER_HOST=${dockerHost} is not supported`);
}

export class EngineHttpError extends Error {
  constructor(status, message, request) {
    super(`${request}: ${status} ${message}`);
    this.status = status;
  }
}

export function createEngine({ maxSockets = 8, socket = socketPath() } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  let prefix;
  let requests = 0;

  function raw(method, path, { body, stream, headers = {}, ok = [] } = {}) {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(payload.length) });
    requests++;
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: socket, method, path, agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          if (status >= 400 && !ok.includes(status)) {
            let message = body.toString().trim();
            try { message = JSON.parse(message).message ?? message; } catch { /* plain text */ }
            reject(new EngineHttpError(status, message, `${method} ${path}`));
          } else resolve({ status, body, text: body.toString() });
        });
      });
      req.on('error', reject);
      if (stream) stream.pipe(req);
      else req.end(payload);
    });
  }

  async function version() {
    const { text } = await raw('GET', '/version');
    const v = JSON.parse(text);
    prefix = `/v${v.ApiVersion}`;
    return v;
  }

  /** A versioned request; the JSON answer, or undefined for an empty body. */
  async function request(method, path, opts = {}) {
    if (!prefix) await version();
    const { text } = await raw(method, prefix + path, opts);
    return text ? JSON.parse(text) : undefined;
  }

  /** The raw text of a versioned request (streams of JSON lines: build). */
  async function requestText(method, path, opts = {}) {
    if (!prefix) await version();
    return (await raw(method, prefix + path, opts)).text;
  }

  /** The raw bytes of a versioned request (archives). */
  async function requestBuffer(method, path, opts = {}) {
    if (!prefix) await version();
    return (await raw(method, prefix + path, opts)).body;
  }

  return {
    version,
    request,
    requestText,
    requestBuffer,
    get requests() { return requests; },
    close: () => agent.destroy(),
  };
}

/** Run `task` over `items`, at most `limit` at a time; the first error is thrown after all settle. */
export async function pool(items, limit, task) {
  let next = 0;
  let failure;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try { await task(item); } catch (e) { failure ??= e; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure;
}
