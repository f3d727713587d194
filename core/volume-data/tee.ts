/**
 * Pump a byte stream into one or more writables with backpressure: the source is read no faster
 * than the slowest sink accepts, so a copy holds a few chunks in memory at most. A failure on
 * either side stops the pump.
 */

/** What a sink needs: a Node writable (an HTTP request body) or a streamx one (a tar parser). */
export interface Sink {
  write(chunk: Uint8Array): boolean;
  /** Typed loosely: streamx declares end(data), Node end(cb?); the pump calls end(). */
  end(...args: never[]): unknown;
  on(event: 'drain' | 'error' | 'close', listener: (err?: unknown) => void): unknown;
  removeListener(event: 'drain' | 'error' | 'close', listener: (err?: unknown) => void): unknown;
}

/**
 * Resolves once `sink` takes more (drain); rejects when it errors or closes first. Each function
 * in `wakers` (while this waits, its resolver is in it) ends the wait early: the caller's consumer
 * failed, and the caller checks its own failure after.
 */
export function drained(sink: Sink, wakers?: Set<() => void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = () => { cleanup(); resolve(); };
    const failed = (e: unknown) => { cleanup(); reject(e); };
    const closed = () => failed(new Error('the stream closed before it accepted all the data'));
    const cleanup = () => {
      sink.removeListener('drain', done);
      sink.removeListener('error', failed);
      sink.removeListener('close', closed);
      wakers?.delete(done);
    };
    sink.on('drain', done);
    sink.on('error', failed);
    sink.on('close', closed);
    wakers?.add(done);
  });
}

/**
 * Write every chunk of `source` into each sink, then end them. `watch` are promises whose
 * rejection means a consumer failed (e.g. the engine answered an error, the tar did not parse):
 * the pump stops and rethrows it instead of waiting for a drain that will never come. The caller
 * destroys the streams on failure.
 */
export async function pumpInto(source: AsyncIterable<Uint8Array>, sinks: Sink[], ...watch: Promise<unknown>[]): Promise<void> {
  const state: { failure?: { error: unknown } } = {};
  const wakers = new Set<() => void>();
  for (const w of watch) {
    w.catch((error: unknown) => {
      state.failure ??= { error };
      for (const wake of wakers) wake();
    });
  }
  const rethrow = () => {
    if (state.failure) throw state.failure.error;
  };
  for await (const chunk of source) {
    rethrow();
    const full = sinks.filter((sink) => !sink.write(chunk));
    if (full.length) {
      try {
        await Promise.all(full.map((sink) => drained(sink, wakers)));
      } catch (e) {
        // A consumer that failed usually closes its stream first: let its own error arrive.
        await new Promise((r) => setImmediate(r));
        rethrow();
        throw e;
      }
    }
    rethrow();
  }
  for (const sink of sinks) sink.end();
}
