/** Pacer: one reader kept at most `lead` bytes ahead of another. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Pacer } from '../../../core/backup/pacer.js';

const test = suite('Pacer');

async function* chunks(n: number, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < n; i++) yield Buffer.alloc(size);
}

/** Whether `p` settles within a few turns of the event loop. */
async function settles(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
}

test('a paced reader stops at the lead and goes on as the other advances', async () => {
  const pacer = new Pacer(100);
  const got: number[] = [];
  const reading = (async () => {
    for await (const c of pacer.paced(chunks(10, 40))) got.push(c.length);
  })();
  assert.not.ok(await settles(reading));
  assert.is(got.length, 2, 'two chunks of 40 fit in a lead of 100, the third does not');
  pacer.advance(40);
  assert.not.ok(await settles(reading));
  assert.is(got.length, 3, '140 allowed: three chunks');
  pacer.advance(1000);
  assert.ok(await settles(reading));
  assert.is(got.length, 10);
});

test('release lets every waiting reader finish, and readers sharing a pacer share the budget', async () => {
  const pacer = new Pacer(50);
  const a: number[] = [];
  const b: number[] = [];
  const ra = (async () => { for await (const c of pacer.paced(chunks(5, 20))) a.push(c.length); })();
  const rb = (async () => { for await (const c of pacer.paced(chunks(5, 20))) b.push(c.length); })();
  assert.not.ok(await settles(Promise.all([ra, rb])));
  assert.is(a.length + b.length, 2, 'a lead of 50 lets 40 bytes through in all, not per reader');
  pacer.release();
  assert.ok(await settles(Promise.all([ra, rb])));
  assert.is(a.length + b.length, 10);
});

test('until() resolves at once within the allowance', async () => {
  const pacer = new Pacer(10);
  assert.ok(await settles(pacer.until(10)));
  assert.not.ok(await settles(pacer.until(11)));
});

test.run();
