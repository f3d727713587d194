/**
 * Which failures of an apply a re-run can fix, and which will repeat until someone changes
 * something. A re-run converges what is left after an engine that could not be reached, a
 * timeout, a transient server error or a held lock; it cannot fix a request the engine refused
 * (a bad value, a missing image, a taken port): those need the stack or the engine's state fixed.
 */
import { MoorError } from '../errors.js';
import { EngineError, EngineUnreachableError } from '../engine/errors.js';
import { WaitError } from './wait.js';

/** An error the engine answers with while it, or a registry behind it, is briefly unavailable. */
const TRANSIENT = /timeout|timed out|deadline exceeded|connection reset|connection refused|temporar|too many requests|toomanyrequests|service unavailable|try again|busy|EOF$/i;
const TRANSPORT = ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN'];

/** The error says itself whether a re-run can fix it. */
export class ApplyError extends MoorError {
  constructor(message: string, readonly retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isRetryable(e: unknown): boolean {
  if (e instanceof ApplyError) return e.retryable;
  // By name: the lock module loads native code this module has no need for.
  if (e instanceof EngineUnreachableError || (e as Error | undefined)?.name === 'LockTimeoutError') return true;
  if (e instanceof WaitError) return /^timed out/.test(e.message);
  if (e instanceof EngineError) return e.status === 502 || e.status === 503 || e.status === 504 || (e.status >= 500 && TRANSIENT.test(e.engineMessage));
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && TRANSPORT.includes(code);
}

/** Whether an engine message reads like a passing condition (a registry timing out, rate limits…). */
export function isTransientMessage(message: string): boolean {
  return TRANSIENT.test(message);
}
