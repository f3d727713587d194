/**
 * One read of a file shared between threads, chunk by chunk, in shared memory: a restore's
 * extracting thread reads the archive (the producer) into a ring of SLOTS chunks, parses each and
 * writes its entries, while a hashing thread (the consumer) parses the same chunk, from the same
 * memory, and hashes every file (local-extract.ts, extractPlain). The bytes written and the bytes
 * hashed are the same bytes: neither thread copies them, and no slot is read into again before
 * the consumer released it.
 *
 * The producer publishes chunk i (its length in its slot, then the count of published chunks)
 * only once the consumer released chunk i - SLOTS, which used the same slot; it is done with a
 * chunk itself before it reads the next. The consumer holds at most one chunk: the one its last
 * poll returned, until its next poll (or release). Whoever stops early marks the read failed
 * (failShared), which ends every wait of the other side. Waits are on shared memory (Atomics),
 * with a timeout as a safety net: the state is looked at again after each.
 */

/** Chunks in the ring, and the size of each. */
export const SLOTS = 16;
export const SLOT = 1 << 20;

// The control cells (Int32): chunks published; the state; the consumer's next chunk; each slot's length.
const PUBLISHED = 0;
const STATE = 1;
const CONSUMED = 2;
const LENGTH = 3;
const CELLS = LENGTH + SLOTS;
const READING = 0;
const ENDED = 1;
const FAILED = 2;
const WAIT_MS = 25;

/** The shared memory of one ring: given to both threads. */
export interface SharedChunks {
  data: SharedArrayBuffer;
  ctrl: SharedArrayBuffer;
}

export function sharedChunks(): SharedChunks {
  return { data: new SharedArrayBuffer(SLOTS * SLOT), ctrl: new SharedArrayBuffer(CELLS * 4) };
}

/** The other side stopped, or the read failed (its own error says why). */
export class SharedReadStopped extends Error {
  constructor() {
    super('the other thread of the shared read stopped');
    this.name = 'SharedReadStopped';
  }
}

/** Mark the read failed (unless it ended): every wait of both sides ends, and their next step throws SharedReadStopped. */
export function failShared(ring: SharedChunks): void {
  const ctrl = new Int32Array(ring.ctrl);
  Atomics.compareExchange(ctrl, STATE, READING, FAILED);
  Atomics.notify(ctrl, PUBLISHED);
  Atomics.notify(ctrl, CONSUMED);
}

/** The producer's side: reads each chunk into the ring, for itself and the consumer. */
export class ChunkProducer {
  private readonly ctrl: Int32Array;
  private readonly views: Buffer[] = [];
  private next = 0;

  constructor(ring: SharedChunks) {
    this.ctrl = new Int32Array(ring.ctrl);
    for (let s = 0; s < SLOTS; s++) this.views.push(Buffer.from(ring.data, s * SLOT, SLOT));
  }

  /**
   * The next chunk, `read` filling it (it returns how many bytes it put there; 0: the end),
   * published for the consumer once read; the producer may use it until its next call. Null at
   * the end (then published as the end). While the consumer still holds the slot, a promise:
   * the wait lets this thread's event loop run (what tells that the consumer's thread died comes
   * through it, see failShared). Throws SharedReadStopped when the read was marked failed.
   */
  fill(read: (buf: Buffer) => number): Buffer | null | Promise<Buffer | null> {
    if (Atomics.load(this.ctrl, STATE) === FAILED) throw new SharedReadStopped();
    const consumed = Atomics.load(this.ctrl, CONSUMED);
    if (this.next - consumed >= SLOTS) {
      const w = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, ms: number): { async: boolean; value: Promise<string> | string } }).waitAsync(this.ctrl, CONSUMED, consumed, WAIT_MS);
      return (w.async ? (w.value as Promise<string>) : Promise.resolve()).then(() => this.fill(read));
    }
    const slot = this.next % SLOTS;
    const n = read(this.views[slot]!);
    if (n === 0) {
      Atomics.compareExchange(this.ctrl, STATE, READING, ENDED);
      Atomics.notify(this.ctrl, PUBLISHED);
      return null;
    }
    Atomics.store(this.ctrl, LENGTH + slot, n);
    Atomics.store(this.ctrl, PUBLISHED, ++this.next);
    Atomics.notify(this.ctrl, PUBLISHED);
    return this.views[slot]!.subarray(0, n);
  }
}

/** The consumer's side. */
export class ChunkConsumer {
  private readonly ctrl: Int32Array;
  private next = 0;
  private holding = false;
  private seen = 0;

  constructor(private readonly ring: SharedChunks) {
    this.ctrl = new Int32Array(ring.ctrl);
  }

  /**
   * The next chunk: a view of shared memory, valid until the next poll (or release); null once
   * the end was published; undefined while the next chunk is not there yet. Throws
   * SharedReadStopped when the read was marked failed.
   */
  poll(): Buffer | null | undefined {
    this.release();
    for (;;) {
      // A failed read stops here, whatever was published before.
      const state = Atomics.load(this.ctrl, STATE);
      if (state === FAILED) throw new SharedReadStopped();
      this.seen = Atomics.load(this.ctrl, PUBLISHED);
      if (this.next < this.seen) {
        const slot = this.next % SLOTS;
        this.holding = true;
        return Buffer.from(this.ring.data, slot * SLOT, Atomics.load(this.ctrl, LENGTH + slot));
      }
      if (state !== ENDED) return undefined;
      // The end is set after the last chunk was published: looked at once more.
      if (this.next >= Atomics.load(this.ctrl, PUBLISHED)) return null;
    }
  }

  /** The next chunk, waiting (blocking this thread) while there is none yet; null at the end. */
  take(): Buffer | null {
    for (;;) {
      const c = this.poll();
      if (c !== undefined) return c;
      Atomics.wait(this.ctrl, PUBLISHED, this.seen, WAIT_MS);
    }
  }

  /** Give the chunk held back to the producer. */
  release(): void {
    if (!this.holding) return;
    this.holding = false;
    Atomics.store(this.ctrl, CONSUMED, ++this.next);
    Atomics.notify(this.ctrl, CONSUMED);
  }
}
