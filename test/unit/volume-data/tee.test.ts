/** pumpInto: backpressure from the slowest sink, and a consumer's failure stops the pump. */
import { Writable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pumpInto } from '../../../core/volume-data/tee.js';

const tick = (ms = 0) => new Promise<void>((r) => setTimeout(r, ms));

/** A writable that accepts one chunk at a time, slowly; records what it got. */
function slowSink(delayMs: number): { sink: Writable; got: Buffer[] } {
  const got: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, cb) {
      got.push(chunk);
      setTimeout(cb, delayMs);
    },
  });
  return { sink, got };
}

const pump = suite('pumpInto');

pump('every chunk reaches every sink, in order; the source waits for the slowest', async () => {
  let produced = 0;
  const fast = slowSink(0);
  const slow = slowSink(5);
  let maxAhead = 0;
  async function* source(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < 20; i++) {
      maxAhead = Math.max(maxAhead, produced - slow.got.length);
      produced++;
      yield Buffer.from([i]);
    }
  }
  await pumpInto(source(), [fast.sink, slow.sink]);
  await tick(20);
  const expected = Array.from({ length: 20 }, (_, i) => i);
  assert.equal(fast.got.map((b) => b[0]), expected);
  assert.equal(slow.got.map((b) => b[0]), expected);
  assert.ok(maxAhead <= 2, `the source ran ${maxAhead} chunks ahead of the slow sink`);
  assert.ok(fast.sink.writableEnded && slow.sink.writableEnded, 'the sinks are ended');
});

pump('a watched failure stops the pump with its own error, even while waiting for a drain', async () => {
  // Never accepts a second chunk, and holds no timer: a pending 1000 s timer kept the test process alive for 16 minutes.
  const sink = new Writable({ highWaterMark: 1, write() { /* never calls back */ } });
  let fail!: (e: Error) => void;
  const consumer = new Promise<never>((_, reject) => { fail = reject; });
  async function* endless(): AsyncGenerator<Uint8Array> {
    for (;;) yield Buffer.alloc(1024);
  }
  setTimeout(() => fail(new Error('engine answered 500: no space left on device')), 10);
  try {
    await pumpInto(endless(), [sink], consumer);
    assert.unreachable('no error');
  } catch (e) {
    assert.is((e as Error).message, 'engine answered 500: no space left on device');
  }
  sink.destroy();
});

pump('a sink that errors stops the pump', async () => {
  const sink = new Writable({ highWaterMark: 1, write(_c, _e, cb) { setTimeout(() => cb(new Error('EPIPE')), 1); } });
  sink.on('error', () => undefined);
  async function* endless(): AsyncGenerator<Uint8Array> {
    for (;;) yield Buffer.alloc(1024);
  }
  try {
    await pumpInto(endless(), [sink]);
    assert.unreachable('no error');
  } catch (e) {
    assert.is((e as Error).message, 'EPIPE');
  }
});

pump.run();
