/**
 * Ctrl-C during apply: the first one lets the steps in flight finish (waits for other containers
 * give up at once, so this is bounded) and starts nothing new; the CLI then says what was done and
 * what was not, and exits 130. The second one exits at once. The state is process-wide: a
 * signal is.
 */
import { MoorError } from './errors.js';

let requested = false;

export function requestInterrupt(): void {
  requested = true;
}

export function interruptRequested(): boolean {
  return requested;
}

/** For tests. */
export function resetInterrupt(): void {
  requested = false;
}

export class InterruptedError extends MoorError {
  override readonly exitCode = 130;
}

/** Throw when an interrupt was requested: long waits call this between polls. */
export function stopIfInterrupted(what: string): void {
  if (requested) throw new InterruptedError(`interrupted while ${what}`);
}
