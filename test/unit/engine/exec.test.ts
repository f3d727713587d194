/** Demuxer / demux / OutputTail, and execInContainer against a fake engine on a unix socket. */
import type http from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EngineClient } from '../../../core/engine/client.js';
import { EngineError } from '../../../core/engine/errors.js';
import { Demuxer, demux, execInContainer, ExecTimeoutError, OUTPUT_LIMIT, OutputTail, type Frame } from '../../../core/engine/exec.js';
import { oneAtATime } from '../../../core/engine/exec-session.js';
import { frame, startFakeEngine } from '../../fixtures/fake-engine.js';

/** Frames merged per stream, as text. */
function byStream(frames: Frame[]): Record<string, string> {
  const out: Record<string, Buffer> = {};
  for (const f of frames) out[f.stream] = Buffer.concat([out[f.stream] ?? Buffer.alloc(0), f.data]);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.toString()]));
}

const demuxing = suite('demux');

demuxing('frames of each stream, in order', () => {
  const frames = demux(Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, 'out 2\n'), frame(0, ''), frame(3, 'boom')]));
  assert.equal(frames.map((f) => `${f.stream}:${f.data.toString()}`), ['stdout:out 1\n', 'stderr:err 1\n', 'stdout:out 2\n', 'system:boom']);
  assert.equal(demux(Buffer.alloc(0)), []);
});

demuxing('a buffer that ends inside a frame, or is not multiplexed, throws', () => {
  assert.throws(() => demux(frame(1, 'hello').subarray(0, 10)), /ended 3 bytes short of the end of a frame/);
  assert.throws(() => demux(frame(1, 'hello').subarray(0, 5)), /ended inside a frame header \(5 of 8 bytes\)/);
  // A TTY's raw output, read as if multiplexed.
  assert.throws(() => demux(Buffer.from('hello, world\n')), /not a multiplexed stream \(frame header 68656c6c6f2c2077\)/);
  assert.throws(() => demux(Buffer.from([4, 0, 0, 0, 0, 0, 0, 0])), /not a multiplexed stream/);
});

const streaming = suite('Demuxer');

streaming('frames split across chunks at every possible point', () => {
  const whole = Buffer.concat([frame(1, 'stdout line\n'), frame(2, 'stderr ✓\n'), frame(1, ''), frame(1, 'more')]);
  for (let a = 0; a <= whole.length; a++) {
    for (let b = a; b <= whole.length; b++) {
      const d = new Demuxer();
      const frames = [...d.push(whole.subarray(0, a)), ...d.push(whole.subarray(a, b)), ...d.push(whole.subarray(b))];
      d.end();
      assert.equal(byStream(frames), { stdout: 'stdout line\nmore', stderr: 'stderr ✓\n' }, `split at ${a}, ${b}`);
    }
  }
});

streaming('one byte at a time', () => {
  const whole = Buffer.concat([frame(2, 'a'), frame(1, 'bc'), frame(2, 'def')]);
  const d = new Demuxer();
  const frames = [...whole].flatMap((byte) => d.push(Buffer.from([byte])));
  d.end();
  assert.equal(byStream(frames), { stderr: 'adef', stdout: 'bc' });
});

streaming('a large frame comes out as it arrives, not once it is whole', () => {
  const d = new Demuxer();
  const big = frame(1, Buffer.alloc(100_000, 'x'));
  assert.is(d.push(big.subarray(0, 1000)).reduce((n, f) => n + f.data.length, 0), 992);
  assert.throws(() => d.end(), /99008 bytes short/);
});

const tail = suite('OutputTail');

tail('keeps the last `limit` bytes', () => {
  const t = new OutputTail(10);
  for (const s of ['hello ', 'world, ', 'and more']) t.push(Buffer.from(s));
  assert.is(t.text(), ', and more');
  assert.is(t.total, 21);
  const small = new OutputTail(10);
  small.push(Buffer.from('short'));
  assert.is(small.text(), 'short');
});

tail('a cut never starts inside a UTF-8 character', () => {
  const cut = (limit: number) => {
    const t = new OutputTail(limit);
    t.push(Buffer.from('aé✓')); // 1 + 2 + 3 bytes
    return t.text();
  };
  assert.is(cut(5), 'é✓');
  assert.is(cut(4), '✓'); // the last 4 start inside "é"
  assert.is(cut(2), ''); // inside "✓"
  assert.is(cut(3), '✓');
});

tail('the default limit is 64 KiB', () => {
  const t = new OutputTail();
  for (let i = 0; i < 100; i++) t.push(Buffer.alloc(4096, String(i % 10)));
  assert.is(OUTPUT_LIMIT, 65536);
  assert.is(t.text().length, 65536);
  assert.is(t.text().slice(-1), '9');
});

// --- execInContainer, against a fake engine ---

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

interface FakeEngine {
  client: EngineClient;
  /** `METHOD /path?query` of every request but the version negotiation. */
  readonly requests: string[];
  /** The JSON bodies sent, in order. */
  readonly bodies: unknown[];
  closedStarts: number;
  close(): Promise<void>;
}

/** The shared fake engine (test/fixtures/fake-engine.ts) answering `handle`'s routes with raw responses. */
async function fakeEngine(handle: Record<string, Handler>): Promise<FakeEngine> {
  const engine = await startFakeEngine();
  const fake: FakeEngine = {
    client: engine.client,
    get requests() { return engine.calls(); },
    get bodies() { return engine.requests.filter((r) => r.body !== undefined).map((r) => r.body); },
    closedStarts: 0,
    close: () => engine.close(),
  };
  engine.handle((r) => r.line in handle || r.path.endsWith('/start'), (r, req, res) => {
    if (r.path.endsWith('/start')) res.on('close', () => fake.closedStarts++);
    const h = handle[r.line];
    if (h) h(req, r.body === undefined ? '' : JSON.stringify(r.body), res);
    else res.writeHead(404).end(JSON.stringify({ message: `no route ${r.line}` }));
  });
  return fake;
}

const json = (status: number, value: unknown): Handler => (_req, _body, res) => {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(value));
};

/** The start response: `parts` written one by one, a tick apart, then the end (unless `hang`). */
const stream = (parts: Buffer[], hang = false): Handler => (_req, _body, res) => {
  res.writeHead(200, { 'content-type': 'application/vnd.docker.raw-stream' });
  let i = 0;
  const next = () => {
    if (i < parts.length) {
      res.write(parts[i++]);
      setTimeout(next, 1);
    } else if (!hang) res.end();
  };
  next();
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const exec = suite('execInContainer (fake engine)');

exec('creates, starts attached, demultiplexes and reads the exit code', async () => {
  const out = Buffer.concat([frame(1, 'dumped 3 tables\n'), frame(2, 'warning: x\n'), frame(1, 'done\n')]);
  const engine = await fakeEngine({
    'POST /containers/shop-db/exec': json(201, { Id: 'e1' }),
    // Split mid-header and mid-payload.
    'POST /exec/e1/start': stream([out.subarray(0, 5), out.subarray(5, 20), out.subarray(20)]),
    'GET /exec/e1/json': json(200, { Running: false, ExitCode: 0 }),
  });
  try {
    const r = await execInContainer(engine.client, 'shop-db', ['sh', '-c', 'dump > /data/dump.sql'], { timeoutMs: 5000, user: 'postgres', env: ['A=1'] });
    assert.equal(r, { exitCode: 0, stdout: 'dumped 3 tables\ndone\n', stderr: 'warning: x\n' });
    assert.equal(engine.requests, ['POST /containers/shop-db/exec', 'POST /exec/e1/start', 'GET /exec/e1/json']);
    assert.equal(engine.bodies, [
      { AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, Cmd: ['sh', '-c', 'dump > /data/dump.sql'], User: 'postgres', Env: ['A=1'] },
      { Detach: false, Tty: false },
    ]);
  } finally {
    await engine.close();
  }
});

exec('a non-zero exit code resolves, with the output', async () => {
  const engine = await fakeEngine({
    'POST /containers/db/exec': json(201, { Id: 'e2' }),
    'POST /exec/e2/start': stream([frame(2, 'pg_dump: connection refused\n')]),
    'GET /exec/e2/json': json(200, { Running: false, ExitCode: 3 }),
  });
  try {
    const r = await execInContainer(engine.client, 'db', ['pg_dump'], { timeoutMs: 5000 });
    assert.equal(r, { exitCode: 3, stdout: '', stderr: 'pg_dump: connection refused\n' });
    assert.equal(engine.bodies[0], { AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, Cmd: ['pg_dump'] });
  } finally {
    await engine.close();
  }
});

exec('waits until the engine reports the exec finished', async () => {
  let asked = 0;
  const engine = await fakeEngine({
    'POST /containers/db/exec': json(201, { Id: 'e3' }),
    'POST /exec/e3/start': stream([frame(1, 'ok')]),
    'GET /exec/e3/json': (req, body, res) => json(200, ++asked < 3 ? { Running: true, ExitCode: null } : { Running: false, ExitCode: 7 })(req, body, res),
  });
  try {
    const r = await execInContainer(engine.client, 'db', ['true'], { timeoutMs: 5000 });
    assert.is(r.exitCode, 7);
    assert.is(asked, 3);
  } finally {
    await engine.close();
  }
});

exec("engine errors reject with the engine's message", async () => {
  const engine = await fakeEngine({
    'POST /containers/gone/exec': json(404, { message: 'No such container: gone' }),
    'POST /containers/stopped/exec': json(409, { message: 'Container 4f2a is not running' }),
    'POST /containers/paused/exec': json(201, { Id: 'e4' }),
    'POST /exec/e4/start': json(409, { message: 'Container 4f2a is paused, unpause the container before exec' }),
  });
  try {
    const fail = async (container: string) => {
      try {
        await execInContainer(engine.client, container, ['true'], { timeoutMs: 5000 });
      } catch (e) {
        assert.instance(e, EngineError);
        return (e as Error).message;
      }
      throw new Error('expected a rejection');
    };
    assert.is(await fail('gone'), 'POST /containers/gone/exec: engine answered 404: No such container: gone');
    assert.is(await fail('stopped'), 'POST /containers/stopped/exec: engine answered 409: Container 4f2a is not running');
    assert.is(await fail('paused'), 'POST /exec/e4/start: engine answered 409: Container 4f2a is paused, unpause the container before exec');
  } finally {
    await engine.close();
  }
});

exec('an error frame from the engine rejects', async () => {
  const engine = await fakeEngine({
    'POST /containers/db/exec': json(201, { Id: 'e5' }),
    'POST /exec/e5/start': stream([frame(1, 'partial'), frame(3, 'error copying output\n')]),
    'GET /exec/e5/json': json(200, { Running: false, ExitCode: 0 }),
  });
  try {
    await execInContainer(engine.client, 'db', ['cat', 'x'], { timeoutMs: 5000 }).then(
      () => assert.unreachable('expected a rejection'),
      (e: Error) => assert.is(e.message, 'the engine reported an error while running ["cat","x"] in db: error copying output'),
    );
  } finally {
    await engine.close();
  }
});

exec('an output that ends inside a frame rejects', async () => {
  const engine = await fakeEngine({
    'POST /containers/db/exec': json(201, { Id: 'e6' }),
    'POST /exec/e6/start': stream([frame(1, 'cut short').subarray(0, 12)]),
  });
  try {
    await execInContainer(engine.client, 'db', ['x'], { timeoutMs: 5000 }).then(
      () => assert.unreachable('expected a rejection'),
      (e: Error) => assert.match(e.message, /ended 5 bytes short of the end of a frame/),
    );
  } finally {
    await engine.close();
  }
});

exec('an output cut off by the engine rejects', async () => {
  const engine = await fakeEngine({
    'POST /containers/db/exec': json(201, { Id: 'e9' }),
    'POST /exec/e9/start': (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.docker.raw-stream' });
      res.write(frame(1, 'half'));
      setTimeout(() => res.socket?.destroy(), 5);
    },
  });
  try {
    await execInContainer(engine.client, 'db', ['x'], { timeoutMs: 5000 }).then(
      () => assert.unreachable('expected a rejection'),
      (e: Error) => assert.match(e.message, /^POST \/exec\/e9\/start: the engine closed the output before the command finished/),
    );
  } finally {
    await engine.close();
  }
});

exec('keeps the last 64 KiB of each stream', async () => {
  const parts: Buffer[] = [];
  for (let i = 0; i < 50; i++) parts.push(frame(1, Buffer.alloc(4000, String.fromCharCode(97 + (i % 26)))));
  parts.push(frame(2, 'tail of stderr'));
  const engine = await fakeEngine({
    'POST /containers/db/exec': json(201, { Id: 'e7' }),
    'POST /exec/e7/start': stream([Buffer.concat(parts)]),
    'GET /exec/e7/json': json(200, { Running: false, ExitCode: 0 }),
  });
  try {
    const r = await execInContainer(engine.client, 'db', ['x'], { timeoutMs: 5000 });
    const all = parts.slice(0, 50).map((p) => p.subarray(8).toString()).join('');
    assert.is(r.stdout.length, 65536);
    assert.ok(r.stdout === all.slice(-65536));
    assert.is(r.stderr, 'tail of stderr');
  } finally {
    await engine.close();
  }
});

exec('a timeout rejects, says the command may still run, and closes the output connection', async () => {
  const engine = await fakeEngine({
    'POST /containers/db/exec': json(201, { Id: 'e8' }),
    'POST /exec/e8/start': stream([frame(1, 'working…\n'), frame(2, 'still working\n')], true),
  });
  try {
    const started = Date.now();
    const e = await execInContainer(engine.client, 'db', ['sleep', '3600'], { timeoutMs: 150 }).then(
      () => assert.unreachable('expected a timeout'),
      (err: unknown) => err,
    );
    assert.instance(e, ExecTimeoutError);
    const t = e as ExecTimeoutError;
    assert.is(
      t.message,
      '["sleep","3600"] in container db did not finish within 0.15s; moor stopped waiting, but the command may still be running in the container (the Engine API cannot stop it)',
    );
    assert.is(t.stdout, 'working…\n');
    assert.is(t.stderr, 'still working\n');
    assert.ok(Date.now() - started < 2000);
    await sleep(50);
    assert.is(engine.closedStarts, 1);
    assert.equal(engine.requests, ['POST /containers/db/exec', 'POST /exec/e8/start']);
  } finally {
    await engine.close();
  }
});

exec('an unreachable engine rejects with where it looked', async () => {
  const client = new EngineClient({ socketPath: '/nonexistent/moor-engine.sock', display: 'unix:///nonexistent/moor-engine.sock' });
  try {
    await execInContainer(client, 'db', ['x'], { timeoutMs: 5000 }).then(
      () => assert.unreachable('expected a rejection'),
      (e: Error) => assert.match(e.message, /cannot reach the Docker engine at unix:\/\/\/nonexistent\/moor-engine.sock/),
    );
  } finally {
    client.close();
  }
});

demuxing.run();
streaming.run();
tail.run();
exec.run();

const resizes = suite('oneAtATime (exec terminal resizes)');

resizes('never two in flight; changes made meanwhile are sent once, with the newest size, after the one in flight', async () => {
  let size = '40x100';
  const sent: string[] = [];
  let inFlight = 0;
  let most = 0;
  const pending: (() => void)[] = [];
  const resize = oneAtATime(() => {
    sent.push(size);
    inFlight++;
    most = Math.max(most, inFlight);
    return new Promise<void>((r) => pending.push(() => { inFlight--; r(); }));
  });
  resize();
  size = '21x100';
  resize();
  size = '21x61';
  resize();
  assert.equal(sent, ['40x100'], 'the others wait for the first');
  pending.shift()!();
  await new Promise((r) => setImmediate(r));
  assert.equal(sent, ['40x100', '21x61'], 'one more, with the newest size');
  pending.shift()!();
  await new Promise((r) => setImmediate(r));
  assert.equal(sent, ['40x100', '21x61']);
  assert.is(most, 1);
});

resizes.run();
