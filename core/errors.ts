/**
 * One base class for every error that is the user's or the environment's fault (a bad stack, an
 * engine that answered with an error, a lock held too long, a refused plan…). The CLI maps them to
 * exit codes in one place (cli/main.ts); anything else that reaches it is a bug in moor and is
 * reported as one, with its stack.
 */
export class MoorError extends Error {
  /** The process exit code this error ends a command with. */
  readonly exitCode: number = 1;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function isMoorError(e: unknown): e is MoorError {
  return e instanceof MoorError;
}
