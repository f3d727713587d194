/**
 * http1.ts, the small requests' HTTP/1.1, against a raw server on a unix socket that answers byte
 * for byte what each test says: framings (length, chunked in pieces, to the end), reuse, the
 * engine closing a kept connection, cut answers, garbage, the connection limit.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SmallRequests } from '../../../core/engine/http1.js';
import type { Transport } from '../../../core/engine/transport.js';

interface Server {
  socket: string;
  /** Requests seen, in order, with the connection (1, 2, …) each came on. */
  seen: { line: string; conn: number; body: string }[];
  connections: number;
  /** Most connections open at once. */
  peak: number;
  close(): Promise<void>;
}

type Reply = (req: { line: string; body: string; conn: number; socket: net.Socket }) => void;

async function serve(reply: Reply): Promise<Server> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moor-http1-'));
  const socket = path.join(dir, 's.sock');
  const state: Server = { socket, seen: [], connections: 0, peak: 0, close: async () => undefined };
  let open = 0;
  const srv = net.createServer((c) => {
    const conn = ++state.connections;
    state.peak = Math.max(state.peak, ++open);
    c.on('close', () => open--);
    let buf = Buffer.alloc(0);
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const body = buf.subarray(end + 4, end + 4 + length).toString();
        buf = buf.subarray(end + 4 + length);
        const line = head.split('\r\n')[0]!;
        state.seen.push({ line, conn, body });
        reply({ line, body, conn, socket: c });
      }
    });
  });
  await new Promise<void>((r) => srv.listen(socket, r));
  state.close = () => new Promise<void>((r) => {
    srv.close(() => r());
    for (const s of sockets) s.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const sockets = new Set<net.Socket>();
  srv.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return state;
}

function transport(socket: string, explained: string[] = []): Transport {
  return {
    maxConnections: Infinity,
    dial: (done) => done(null, net.connect(socket)),
    explain: (e) => {
      explained.push(`${(e as NodeJS.ErrnoException).code}: ${e.message}`);
      return e;
    },
    close: () => undefined,
  };
}

const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

const http1 = suite('http1: small requests');

http1('a Content-Length answer, then the connection is reused for the next request', async () => {
  const s = await serve(({ socket, line }) => socket.write(ok(JSON.stringify({ line }), 'Api-Version: 1.41\r\nX-Twice: a\r\nX-Twice: b\r\n')));
  const pool = new SmallRequests(transport(s.socket), 4);
  try {
    const a = await pool.request('GET', '/v1.41/containers/json?all=1');
    assert.is(a.status, 200);
    assert.equal(JSON.parse(a.body.toString()), { line: 'GET /v1.41/containers/json?all=1 HTTP/1.1' });
    assert.is(a.headers['api-version'], '1.41');
    assert.is(a.headers['x-twice'], 'a, b');
    const b = await pool.request('POST', '/v1.41/containers/x/start', { 'Content-Type': 'application/json' }, Buffer.from('{"a":1}'));
    assert.is(b.status, 200);
    assert.equal(s.seen.map((r) => [r.line, r.conn, r.body]), [
      ['GET /v1.41/containers/json?all=1 HTTP/1.1', 1, ''],
      ['POST /v1.41/containers/x/start HTTP/1.1', 1, '{"a":1}'],
    ]);
  } finally {
    pool.destroy();
    await s.close();
  }
});

http1('a chunked answer arriving a few bytes at a time, with an extension and trailers', async () => {
  const body = JSON.stringify({ Id: 'x'.repeat(3000), Name: '/web' });
  const wire = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${(1000).toString(16)};ext=1\r\n${body.slice(0, 1000)}\r\n${(body.length - 1000).toString(16)}\r\n${body.slice(1000)}\r\n0\r\nX-Trailer: t\r\n\r\n`;
  const s = await serve(({ socket }) => {
    let i = 0;
    const step = () => {
      if (i >= wire.length) return;
      socket.write(wire.slice(i, i + 7));
      i += 7;
      setImmediate(step);
    };
    step();
  });
  const pool = new SmallRequests(transport(s.socket), 4);
  try {
    const a = await pool.request('GET', '/containers/web/json');
    assert.is(a.body.toString(), body);
    // The connection is clean after it: the next request reuses it.
    await pool.request('GET', '/containers/web/json');
    assert.equal(s.seen.map((r) => r.conn), [1, 1]);
  } finally {
    pool.destroy();
    await s.close();
  }
});

http1('an answer without length ends with the connection, which is not reused; Connection: close is honoured', async () => {
  const s = await serve(({ socket, line }) => {
    if (line.includes('/old')) socket.end('HTTP/1.0 200 OK\r\n\r\nall of it');
    else socket.write(ok('{}', 'Connection: close\r\n'));
  });
  const pool = new SmallRequests(transport(s.socket), 4);
  try {
    assert.is((await pool.request('GET', '/old')).body.toString(), 'all of it');
    assert.is((await pool.request('GET', '/new')).body.toString(), '{}');
    assert.is((await pool.request('GET', '/new')).body.toString(), '{}');
    assert.equal(s.seen.map((r) => r.conn), [1, 2, 3]);
  } finally {
    pool.destroy();
    await s.close();
  }
});

http1('100 Continue is skipped; 204 and 304 have no body', async () => {
  const s = await serve(({ socket, line }) => {
    if (line.includes('/continue')) socket.write(`HTTP/1.1 100 Continue\r\n\r\n${ok('"done"')}`);
    else socket.write(`HTTP/1.1 ${line.includes('/204') ? '204 No Content' : '304 Not Modified'}\r\n\r\n`);
  });
  const pool = new SmallRequests(transport(s.socket), 4);
  try {
    assert.is((await pool.request('POST', '/continue')).body.toString(), '"done"');
    const a = await pool.request('POST', '/204');
    assert.is(a.status, 204);
    assert.is(a.body.length, 0);
    assert.is((await pool.request('POST', '/304')).status, 304);
    assert.equal(s.seen.map((r) => r.conn), [1, 1, 1]);
  } finally {
    pool.destroy();
    await s.close();
  }
});

http1('a kept connection the engine closed meanwhile: a GET is sent again on a new one, a POST fails', async () => {
  const s = await serve(({ socket, line }) => {
    socket.write(ok('{}'));
    // Closes the kept connection right after answering, as an engine with an idle timeout would.
    if (line.includes('/once')) setTimeout(() => socket.destroy(), 5);
  });
  const explained: string[] = [];
  const pool = new SmallRequests(transport(s.socket, explained), 1);
  try {
    await pool.request('GET', '/once');
    await new Promise((r) => setTimeout(r, 30));
    // The pool may or may not have seen the close yet: either way the GET is answered.
    assert.is((await pool.request('GET', '/again')).status, 200);
    await pool.request('GET', '/once');
    await new Promise((r) => setTimeout(r, 30));
    const post = await pool.request('POST', '/after').then(() => 'answered', (e: NodeJS.ErrnoException) => e.code);
    // Answered when the pool saw the close before sending (a new connection), never sent twice.
    assert.ok(post === 'answered' || post === 'ECONNRESET', post);
    assert.is(s.seen.filter((r) => r.line.startsWith('POST')).length, post === 'answered' ? 1 : 0);
  } finally {
    pool.destroy();
    await s.close();
  }
});

http1('a GET on a reused connection that drops before any byte of its answer is sent again; one cut mid-answer fails', async () => {
  let n = 0;
  const s = await serve(({ socket, line }) => {
    n++;
    if (line.includes('/drop') && n === 2) return socket.destroy(); // the request arrived, the engine went away
    if (line.includes('/cut')) return socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this');
    socket.write(ok('{"n":' + n + '}'));
  });
  const explained: string[] = [];
  const pool = new SmallRequests(transport(s.socket, explained), 1);
  try {
    await pool.request('GET', '/first');
    assert.equal(JSON.parse((await pool.request('GET', '/drop')).body.toString()), { n: 3 });
    assert.equal(s.seen.map((r) => [r.line.split(' ')[1], r.conn]), [['/first', 1], ['/drop', 1], ['/drop', 2]]);
    const cut = await pool.request('GET', '/cut').then(() => null, (e: NodeJS.ErrnoException) => e);
    assert.ok(cut, 'a cut answer is an error');
    assert.is(cut!.code, 'ECONNRESET');
    assert.match(cut!.message, /cut short/);
    assert.ok(explained.some((x) => /cut short/.test(x)), 'the transport explains it');
  } finally {
    pool.destroy();
    await s.close();
  }
});

http1('garbage instead of HTTP is node:http\'s HPE_INVALID_CONSTANT, for the transport to explain (a TLS engine)', async () => {
  const s = await serve(({ socket }) => socket.write('\x15\x03\x01\x00\x02\x02\x46'));
  const explained: string[] = [];
  const pool = new SmallRequests(transport(s.socket, explained), 1);
  try {
    const e = await pool.request('GET', '/_ping').then(() => null, (x: NodeJS.ErrnoException) => x);
    assert.is(e?.code, 'HPE_INVALID_CONSTANT');
    assert.ok(explained.some((x) => x.startsWith('HPE_INVALID_CONSTANT')));
  } finally {
    pool.destroy();
    await s.close();
  }
});

http1('no more connections than maxSockets; every queued request is answered, in any order', async () => {
  const s = await serve(({ socket, line }) => setTimeout(() => socket.write(ok(JSON.stringify(line))), 5));
  const pool = new SmallRequests(transport(s.socket), 2);
  try {
    const answers = await Promise.all(Array.from({ length: 7 }, (_, i) => pool.request('GET', `/r${i}`)));
    assert.equal(answers.map((a) => JSON.parse(a.body.toString())), Array.from({ length: 7 }, (_, i) => `GET /r${i} HTTP/1.1`));
    assert.is(s.peak, 2);
  } finally {
    pool.destroy();
    await s.close();
  }
});

http1('an engine that is not there: the dial error, explained; destroy fails what waits', async () => {
  const explained: string[] = [];
  const pool = new SmallRequests(transport(path.join(os.tmpdir(), 'moor-no-such.sock'), explained), 1);
  const e = await pool.request('GET', '/_ping').then(() => null, (x: NodeJS.ErrnoException) => x);
  assert.is(e?.code, 'ENOENT');
  assert.ok(explained.some((x) => x.startsWith('ENOENT')));
  const s = await serve(() => undefined); // never answers
  const slow = new SmallRequests(transport(s.socket), 1);
  try {
    const first = slow.request('GET', '/a').then(() => 'answered', (x: Error) => x.message);
    const second = slow.request('GET', '/b').then(() => 'answered', (x: Error) => x.message);
    await new Promise((r) => setTimeout(r, 20));
    slow.destroy();
    assert.match(await first, /socket hang up/);
    assert.match(await second, /the client was closed/);
  } finally {
    await s.close();
  }
});

http1('a transport that dials later (ssh): one connection per waiting request, not one per turn of the queue', async () => {
  const s = await serve(({ socket, line }) => socket.write(ok(JSON.stringify(line))));
  let dials = 0;
  const later: Transport = { ...transport(s.socket), dial: (done) => { dials++; setTimeout(() => done(null, net.connect(s.socket)), 10); } };
  const pool = new SmallRequests(later, 8);
  try {
    await pool.request('GET', '/_ping');
    assert.is(dials, 1);
    await Promise.all([pool.request('GET', '/a'), pool.request('GET', '/b'), pool.request('GET', '/c')]);
    // The kept connection takes one; two more are made for the others.
    assert.is(dials, 3);
  } finally {
    pool.destroy();
    await s.close();
  }
});

http1.run();
