/** Errors from talking to the engine. The engine's own message always reaches the user. */
import { MoorError } from '../errors.js';

export class EngineUnreachableError extends MoorError {
  constructor(readonly where: string, reason: unknown) {
    super(
      `cannot reach the Docker engine at ${where}: ${(reason as Error)?.message ?? String(reason)}\n` +
        'Is dockerd running? moor looks at DOCKER_HOST, or /var/run/docker.sock when it is unset.',
    );
    this.name = 'EngineUnreachableError';
  }
}

export class EngineError extends MoorError {
  constructor(
    readonly status: number,
    readonly engineMessage: string,
    readonly request: string,
  ) {
    super(`${request}: engine answered ${status}: ${engineMessage}`);
    this.name = 'EngineError';
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof EngineError && e.status === 404;
}
