/**
 * Keeps one reader from running ahead of another: a backup reads the volumes for their manifest
 * while tar archives them, and reading them as fast as the engine can would take CPU from gzip
 * (the step everything waits for) in one burst at the start. Paced, the manifest read follows the
 * archive's progress, `lead` bytes ahead at most, and its cost spreads over the run.
 */
export class Pacer {
  private allowed: number;
  private waiters: { upTo: number; resolve: () => void }[] = [];

  constructor(lead: number) {
    this.allowed = lead;
  }

  /** The reader being followed has read `n` more bytes. */
  advance(n: number): void {
    this.allowed += n;
    this.wake();
  }

  /** It finished (or failed): no more waiting. */
  release(): void {
    this.allowed = Infinity;
    this.wake();
  }

  /** Resolves once reading up to byte `upTo` is allowed. */
  until(upTo: number): Promise<void> {
    if (upTo <= this.allowed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ upTo, resolve }));
  }

  /** `source`, read no further ahead than allowed. */
  async *paced<T extends { length: number }>(source: AsyncIterable<T>): AsyncGenerator<T> {
    for await (const chunk of source) {
      this.consumed += chunk.length;
      await this.until(this.consumed);
      yield chunk;
    }
  }

  /** Bytes taken through paced(), by every reader sharing this pacer. */
  private consumed = 0;

  private wake(): void {
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.upTo <= this.allowed) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}
