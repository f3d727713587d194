/**
 * The few error classes the CLI maps to exit codes, in one place.
 *   0  success; for `plan --detailed-exitcode`: no changes
 *   1  error: invalid stack, engine unreachable, refused or failed apply
 *   2  `plan --detailed-exitcode` only: the plan has changes
 *   130 interrupted (SIGINT)
 */
import { MoorError } from '../errors.js';
export const EXIT = { ok: 0, error: 1, changes: 2, interrupted: 130 } as const;

/** A usage mistake: wrong arguments. */
export class UsageError extends MoorError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** moor refused to go on (data loss without consent, no confirmation possible…); nothing changed. */
export class RefusedError extends MoorError {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}
