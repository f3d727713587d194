/** attachContainer against a fake engine on a unix socket that switches to the raw streams (101 UPGRADED). */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { attachContainer } from '../../../core/engine/attach.js';
import type { EngineClient } from '../../../core/engine/client.js';
import { EngineError } from '../../../core/engine/errors.js';
import { frame, startFakeEngine } from '../../fixtures/fake-engine.js';

const UPGRADED = 'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n';

/** Switch to the raw streams, with `first` in the same write (it reaches the client as the upgrade's head). */
function upgrade(socket: Socket, first: Buffer = Buffer.alloc(0)): void {
  socket.write(Buffer.concat([Buffer.from(UPGRADED), first]));
}

/** A deterministic PRNG (mulberry32), for chunk sizes that are arbitrary but the same on every run. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stream read whole, as its sha256 and length. */
async function digest(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const c of stream) {
    h.update(c as Buffer);
    bytes += (c as Buffer).length;
  }
  return { sha256: h.digest('hex'), bytes };
}

/** `p`, or a failure if it has not settled in `ms`: a test that would hang fails instead (and cleans up). */
async function within<T>(p: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000}s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** How a promise settles: its rejection, or a failure if it resolves (or has not settled in 20 s). */
async function rejection(p: Promise<unknown>, what = 'the rejection'): Promise<Error> {
  return within(p, what).then(
    () => assert.unreachable('expected a rejection') as never,
    (e: unknown) => e as Error,
  );
}

// --- the fake engine ---

type OnAttach = (socket: Socket, req: http.IncomingMessage, head: Buffer) => void;

interface Attach {
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The client hung up: its end of the connection reached the server (as an end of file, or a close). */
  hungUp: Promise<void>;
  /** The server's side of the connection has closed. */
  closed: Promise<void>;
  socket: Socket;
}

interface FakeEngine {
  client: EngineClient;
  attaches: Attach[];
  close(): Promise<void>;
}

/** The shared fake engine (test/fixtures/fake-engine.ts), every attach handed to `onAttach`. */
async function fakeEngine(onAttach: OnAttach): Promise<FakeEngine> {
  const engine = await startFakeEngine();
  const attaches: Attach[] = [];
  engine.onUpgrade((socket, req, head) => {
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    // http.Server sockets allow half-open connections: a client's close is first an 'end' here.
    const hungUp = Promise.race([closed, new Promise<void>((r) => socket.once('end', () => r()))]);
    attaches.push({ url: req.url!, headers: req.headers, hungUp, closed, socket });
    onAttach(socket, req, head);
  });
  return { client: engine.client, attaches, close: () => engine.close() };
}

/**
 * Write `chunks` as a program would, waiting for 'drain' whenever write() says the socket is full,
 * then end the socket. `state` says how far it got and whether it is waiting.
 */
interface WriteState {
  written: number;
  done: boolean;
  /** write() returned false at least once. */
  sawFull: boolean;
  /** When the writer started waiting for 'drain' (undefined when not waiting). */
  waitingSince?: number;
}

function writeAll(socket: Socket, chunks: Buffer[], state: WriteState, opts: { tick?: boolean } = {}): void {
  let i = 0;
  const next = (): void => {
    while (i < chunks.length) {
      if (socket.destroyed) return;
      const c = chunks[i++]!;
      state.written += c.length;
      if (!socket.write(c)) {
        state.sawFull = true;
        state.waitingSince = Date.now();
        socket.once('drain', () => {
          state.waitingSince = undefined;
          next();
        });
        return;
      }
      // A tick between writes, so that the chunks tend to arrive as separate reads.
      if (opts.tick) {
        setTimeout(next, 0);
        return;
      }
    }
    state.done = true;
    socket.end();
  };
  next();
}

const newState = (): WriteState => ({ written: 0, done: false, sawFull: false });

const attach = suite('attachContainer (fake engine)');

attach('stdout comes out byte-exact across arbitrary chunk boundaries, stderr in the tail, ended resolves at the end', async () => {
  const rand = prng(20240611);
  // ~3 MiB of stdout in frames of random sizes, stderr and an engine message frame in between.
  const out = randomBytes(3 * 1024 * 1024 + 12345);
  const frames: Buffer[] = [];
  const stderrParts = ['warning: a\n', 'warning: ünïcødé ✓\n', 'tar: removing leading /\n'];
  let at = 0;
  let k = 0;
  while (at < out.length) {
    const n = Math.min(out.length - at, 1 + rand(200_000));
    frames.push(frame(1, out.subarray(at, at + n)));
    at += n;
    if (k < stderrParts.length && rand(3) === 0) frames.push(frame(2, stderrParts[k++]!));
  }
  while (k < stderrParts.length) frames.push(frame(2, stderrParts[k++]!));
  frames.push(frame(3, 'engine: done\n'));
  const whole = Buffer.concat(frames);
  // The first 3 bytes of the first header arrive with the 101 (the upgrade's head), then the rest
  // of that header alone, then chunks cut anywhere: 1 to 13 bytes (inside headers), or up to 256 KiB
  // (several frames at once).
  const chunks: Buffer[] = [whole.subarray(3, 6)];
  at = 6;
  while (at < whole.length) {
    const n = rand(4) === 0 ? 1 + rand(13) : 1 + rand(256 * 1024);
    chunks.push(whole.subarray(at, at + n));
    at += n;
  }
  const state = newState();
  const engine = await fakeEngine((socket) => {
    upgrade(socket, whole.subarray(0, 3));
    writeAll(socket, chunks, state, { tick: true });
  });
  try {
    const attached = await within(attachContainer(engine.client, 'shop-db'), 'the attach');
    assert.is(attached.stdin, undefined);
    const got = await within(digest(attached.stdout), 'stdout');
    await within(attached.ended, 'ended');
    assert.is(got.bytes, out.length);
    assert.is(got.sha256, sha256(out));
    assert.is(attached.stderr.text(), stderrParts.join('') + 'engine: done\n');
    assert.ok(state.done);
    assert.equal(
      engine.attaches.map((a) => [a.url, a.headers.connection, a.headers.upgrade]),
      [['/v1.41/containers/shop-db/attach?stream=1&stdout=1&stderr=1', 'Upgrade', 'tcp']],
    );
    attached.close();
  } finally {
    await engine.close();
  }
});

attach('a slow reader slows the container down: the engine waits, nothing is lost', async () => {
  const total = 32 * 1024 * 1024;
  const out = randomBytes(total);
  const chunks: Buffer[] = [];
  for (let at = 0; at < total; at += 64 * 1024) chunks.push(frame(1, out.subarray(at, at + 64 * 1024)));
  const state = newState();
  const engine = await fakeEngine((socket) => {
    upgrade(socket);
    writeAll(socket, chunks, state);
  });
  try {
    const attached = await within(attachContainer(engine.client, 'backup-worker'), 'the attach');
    let broke: Error | undefined;
    attached.stdout.on('error', (e) => (broke = e));
    try {
      // Nobody reads stdout: the engine must end up waiting for the connection to drain, for good.
      // (If the output were buffered without limit, it would write all 32 MiB instead.)
      const deadline = Date.now() + 15_000;
      while (!broke && !state.done && Date.now() < deadline && !(state.waitingSince !== undefined && Date.now() - state.waitingSince >= 300)) await sleep(20);
      assert.is(broke, undefined);
      assert.not.ok(state.done, 'the engine wrote all 32 MiB while nobody read stdout: no backpressure');
      assert.ok(state.waitingSince !== undefined, 'the engine never got stuck waiting for the connection to drain');
      assert.ok(state.sawFull);
      assert.ok(state.written < total);
      const buffered = attached.stdout.readableLength + attached.stdout.writableLength;
      assert.ok(buffered < 4 * 1024 * 1024, `stdout buffers ${buffered} bytes while nobody reads it`);
      // Now read it all, slowly at first.
      const h = createHash('sha256');
      let bytes = 0;
      await within(
        (async () => {
          let slow = 0;
          for await (const c of attached.stdout) {
            h.update(c as Buffer);
            bytes += (c as Buffer).length;
            if (slow++ < 10) await sleep(5);
          }
        })(),
        'stdout',
      );
      await within(attached.ended, 'ended');
      assert.is(bytes, total);
      assert.is(h.digest('hex'), sha256(out));
      assert.ok(state.done);
    } finally {
      attached.close();
    }
  } finally {
    await engine.close();
  }
});

attach("stdin reaches the container, ending it half-closes, and the container's answer still comes back", async () => {
  const input = randomBytes(4 * 1024 * 1024 + 7);
  const seen = { bytes: 0, ended: false };
  const engine = await fakeEngine((socket, _req, head) => {
    upgrade(socket);
    const h = createHash('sha256').update(head);
    seen.bytes += head.length;
    socket.on('data', (c: Buffer) => {
      h.update(c);
      seen.bytes += c.length;
    });
    socket.on('end', () => {
      seen.ended = true;
      // Like `tar` once its stdin has ended: it answers, then exits.
      const digest = h.digest('hex');
      setTimeout(() => {
        socket.write(frame(1, digest));
        socket.write(frame(2, `read ${seen.bytes} bytes\n`));
        socket.end();
      }, 20);
    });
  });
  try {
    const attached = await within(attachContainer(engine.client, 'restore-worker', { stdin: true }), 'the attach');
    try {
      assert.ok(attached.stdin);
      const stdout = (async () => {
        const parts: Buffer[] = [];
        for await (const c of attached.stdout) parts.push(c as Buffer);
        return Buffer.concat(parts).toString();
      })();
      const stdin = attached.stdin!;
      for (let at = 0; at < input.length; at += 100_000) {
        if (!stdin.write(input.subarray(at, at + 100_000))) await within(once(stdin, 'drain'), 'drain');
      }
      stdin.end();
      assert.is(await within(stdout, 'stdout'), sha256(input));
      await within(attached.ended, 'ended');
      assert.ok(seen.ended);
      assert.is(seen.bytes, input.length);
      assert.is(attached.stderr.text(), `read ${input.length} bytes\n`);
      assert.equal(engine.attaches.map((a) => a.url), ['/v1.41/containers/restore-worker/attach?stream=1&stdout=1&stderr=1&stdin=1']);
    } finally {
      attached.close();
    }
  } finally {
    await engine.close();
  }
});

attach("an error answer instead of the upgrade rejects with the engine's message", async () => {
  const engine = await fakeEngine((socket) => {
    const body = JSON.stringify({ message: 'No such container: x' });
    socket.write(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
  try {
    const e = await rejection(attachContainer(engine.client, 'x'));
    assert.instance(e, EngineError);
    assert.is((e as EngineError).status, 404);
    assert.is(e.message, 'POST /containers/x/attach: engine answered 404: No such container: x');
    // The connection is not left open.
    await within(engine.attaches[0]!.hungUp, 'the hang-up');
  } finally {
    await engine.close();
  }
});

attach('an output that ends inside a frame rejects ended and errors stdout', async () => {
  const engine = await fakeEngine((socket) => {
    upgrade(socket);
    const header = Buffer.alloc(8);
    header[0] = 1;
    header.writeUInt32BE(100, 4);
    setTimeout(() => {
      socket.write(Buffer.concat([header, Buffer.alloc(10, 'x')]));
      socket.end();
    }, 10);
  });
  try {
    const attached = await within(attachContainer(engine.client, 'db'), 'the attach');
    try {
      const stdoutError = new Promise<Error>((resolve) => attached.stdout.once('error', resolve));
      attached.stdout.resume();
      const e = await rejection(attached.ended);
      assert.match(e.message, /ended 90 bytes short of the end of a frame/);
      assert.match((await within(stdoutError, 'the error on stdout')).message, /ended 90 bytes short of the end of a frame/);
      assert.not.ok(attached.stdout.readableEnded, 'stdout looked like it ended normally');
    } finally {
      attached.close();
    }
  } finally {
    await engine.close();
  }
});

attach('an invalid frame header rejects ended, errors stdout and closes the connection', async () => {
  const engine = await fakeEngine((socket) => {
    upgrade(socket, frame(1, 'fine so far'));
    setTimeout(() => socket.write(frame(9, 'not a frame')), 10);
  });
  try {
    const attached = await within(attachContainer(engine.client, 'db'), 'the attach');
    try {
      const stdoutError = new Promise<Error>((resolve) => attached.stdout.once('error', resolve));
      const e = await rejection(attached.ended);
      assert.match(e.message, /not a multiplexed stream \(frame header 09000000/);
      assert.is((await within(stdoutError, 'the error on stdout')).message, e.message);
      // The client hung up (the server never ended the connection).
      await within(engine.attaches[0]!.hungUp, 'the hang-up');
    } finally {
      attached.close();
    }
  } finally {
    await engine.close();
  }
});

attach('close() closes the connection and settles ended', async () => {
  const engine = await fakeEngine((socket) => {
    upgrade(socket, frame(1, 'working…\n'));
    // Then never ends, like a long-running container.
  });
  try {
    const attached = await within(attachContainer(engine.client, 'db', { stdin: true }), 'the attach');
    const first = await within(new Promise<Buffer>((resolve) => attached.stdout.once('data', resolve)), 'the first output');
    assert.is(first.toString(), 'working…\n');
    attached.close();
    await within(engine.attaches[0]!.hungUp, 'the hang-up');
    // Not a half-close: writing on it fails, the connection is gone.
    engine.attaches[0]!.socket.write(frame(1, 'still working…\n'));
    await within(engine.attaches[0]!.closed, 'the close');
    const e = await rejection(attached.ended);
    assert.match(e.message, /closed before its output ended/);
    assert.ok(attached.stdout.destroyed);
    assert.ok(attached.stdin!.destroyed);

    // With a reason: ended rejects with it.
    const again = await within(attachContainer(engine.client, 'db'), 'the attach');
    const reason = new Error('the backup was cancelled');
    const stdoutError = new Promise<Error>((resolve) => again.stdout.once('error', resolve));
    again.close(reason);
    await within(engine.attaches[1]!.hungUp, 'the hang-up');
    assert.is(await rejection(again.ended), reason);
    assert.is(await within(stdoutError, 'the error on stdout'), reason);
  } finally {
    await engine.close();
  }
});

attach.run();
