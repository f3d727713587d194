/** Errors from talking to the engine. The engine's own message always reaches the user. */
import { MoorError } from '../errors.js';

export class EngineUnreachableError extends MoorError {
  constructor(readonly where: string, reason: unknown) {
    super(
      `cannot reach the Docker engine at ${where}: ${(reason as Error)?.message ?? String(reason)}\n` +
        'Is dockerd running? moor looks at --context, DOCKER_HOST, DOCKER_CONTEXT and the docker CLI\'s current context, or /var/run/docker.sock without any (docs/remote.md).',
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

/** The TLS handshake with a tcp:// engine failed: a certificate missing, refused or not trusted. */
export class EngineTlsError extends MoorError {
  constructor(readonly where: string, message: string) {
    super(`cannot talk TLS to the Docker engine at ${where}: ${message}`);
    this.name = 'EngineTlsError';
  }
}

/** ssh could not reach the engine (authentication, the remote docker CLI, the connection). */
export class EngineSshError extends MoorError {
  constructor(readonly where: string, message: string) {
    super(`cannot reach the Docker engine at ${where} over ssh: ${message}`);
    this.name = 'EngineSshError';
  }
}

/** The SSH server's host key is not the one known for it (unknown, or changed): moor never connects then. */
export class SshHostKeyError extends EngineSshError {
  constructor(where: string, readonly host: string, readonly fingerprint: string | undefined, changed: boolean) {
    super(
      where,
      `${changed ? 'the host key of' : 'no host key is known for'} ${host} ${changed ? 'has CHANGED' : ''}`.trimEnd() +
        `${fingerprint ? ` (the server offers ${fingerprint})` : ''}. moor checks host keys and never accepts one by itself: ` +
        (changed
          ? 'if the change is expected, remove the old key (ssh-keygen -R HOST) and add the new one after checking its fingerprint.'
          : 'check the fingerprint with the server\'s administrator, then add the key to ~/.ssh/known_hosts (e.g. connect once with ssh).'),
    );
    this.name = 'SshHostKeyError';
  }
}
