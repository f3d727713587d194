/**
 * One read shared between two threads (core/backup/shared-chunks.ts), both sides driven from this
 * thread: chunks come in order, from the same memory the producer read into; the producer waits
 * (a promise) while the consumer still holds the slot it would read into; the end and a failure
 * reach the other side. The two-thread use is local-extract.test.ts's.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChunkConsumer, ChunkProducer, failShared, SharedReadStopped, sharedChunks, SLOT, SLOTS } from '../../../core/backup/shared-chunks.js';

const test = suite('shared chunks');

/** A reader of `total` chunks of `size` bytes, chunk i filled with the byte i. */
function source(total: number, size = 1000) {
  let i = 0;
  return (buf: Buffer) => {
    if (i === total) return 0;
    buf.fill(i % 256, 0, size);
    i++;
    return size;
  };
}

test('in order, the same memory, the producer held back by a full ring until the consumer releases', async () => {
  const ring = sharedChunks();
  const producer = new ChunkProducer(ring);
  const consumer = new ChunkConsumer(ring);
  const read = source(SLOTS + 3);
  assert.is(consumer.poll(), undefined, 'nothing yet');
  const made: Buffer[] = [];
  for (let i = 0; i < SLOTS; i++) made.push(producer.fill(read) as Buffer);
  // The ring is full: the next fill waits for the consumer.
  const waiting = producer.fill(read);
  assert.instance(waiting, Promise);
  const first = consumer.poll()!;
  assert.is(first[0], 0);
  assert.is(first.length, 1000);
  assert.is(first.buffer, made[0]!.buffer, 'the producer\'s own memory, not a copy');
  // Still held: the slot is not read into yet.
  await new Promise((r) => setTimeout(r, 60));
  assert.is(first[0], 0);
  const second = consumer.poll()!;
  assert.is(second[0], 1, 'the first released by the next poll');
  const seventeenth = (await waiting) as Buffer;
  assert.is(seventeenth[0], SLOTS);
  assert.is(seventeenth.byteOffset, 0, 'into the first slot again');
  for (let i = 2; i <= SLOTS; i++) assert.is(consumer.poll()![0], i);
  assert.is(consumer.poll(), undefined);
  for (let i = SLOTS + 1; i < SLOTS + 3; i++) assert.is((await producer.fill(read))![0], i);
  assert.is(await producer.fill(read), null, 'the end');
  assert.is(consumer.poll()![0], SLOTS + 1);
  assert.is(consumer.poll()![0], SLOTS + 2);
  assert.is(consumer.poll(), null);
  assert.is(consumer.take(), null);
  assert.ok(SLOT >= 1000);
});

test('a failure reaches both sides, a waiting producer too; an ended read stays ended', async () => {
  const ring = sharedChunks();
  const producer = new ChunkProducer(ring);
  const consumer = new ChunkConsumer(ring);
  const read = source(100);
  for (let i = 0; i < SLOTS; i++) producer.fill(read);
  const waiting = producer.fill(read) as Promise<Buffer | null>;
  failShared(ring);
  assert.instance(await waiting.then(() => null, (e: Error) => e), SharedReadStopped);
  assert.throws(() => producer.fill(read), (e: Error) => e instanceof SharedReadStopped);
  assert.throws(() => consumer.poll(), (e: Error) => e instanceof SharedReadStopped);

  const done = sharedChunks();
  const p = new ChunkProducer(done);
  const c = new ChunkConsumer(done);
  const one = source(1);
  p.fill(one);
  assert.is(p.fill(one), null);
  failShared(done);
  assert.is(c.poll()![0], 0, 'what was published is still read');
  assert.is(c.poll(), null);
});

test.run();
