/**
 * A container that cannot start because a host port it publishes is taken gets the engine's raw
 * text ("driver failed programming external connectivity on endpoint shop-web (…): Bind for
 * 127.0.0.1:8080 failed: port is already allocated"). This names the container, the port and
 * who holds it: another container (asked from the engine's list) or a process outside the engine.
 */
import type { EngineClient } from '../engine/client.js';
import type { ContainerSummary } from '../engine/api-types.js';
import { EngineError } from '../engine/errors.js';
import { engineName } from '../model/names.js';
import type { ContainerSpec, DesiredStack } from '../model/spec.js';
import { showBinding } from '../plan/engine-conflicts.js';
import { ApplyError } from './failure.js';

/** A host port taken: a re-run fails the same way until the port is freed or changed. */
export class PortInUseError extends ApplyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, false, options);
  }

  /** The same error, saying the container just created for it was removed again. */
  removed(): PortInUseError {
    return new PortInUseError(this.message.replace('\n', ' It was removed again: the engine is as it was before.\n'), { cause: this.cause });
  }
}

/** `Bind for 127.0.0.1:8080 failed: port is already allocated` (another container), `listen tcp4 127.0.0.1:8080: bind: address already in use` (a process). */
const ALLOCATED = /Bind for (\S+):(\d+) failed: port is already allocated/;
const IN_USE = /listen (?:tcp|udp|sctp)[46]? (\S+):(\d+): bind: address already in use/;

export function takenPort(message: string): { ip: string; port: string; byContainer: boolean } | undefined {
  const a = ALLOCATED.exec(message);
  if (a) return { ip: a[1]!.replace(/^\[|\]$/g, ''), port: a[2]!, byContainer: true };
  const b = IN_USE.exec(message);
  if (b) return { ip: b[1]!.replace(/^\[|\]$/g, ''), port: b[2]!, byContainer: false };
  return undefined;
}

export async function explainPortError(client: EngineClient, e: unknown, stack: DesiredStack, c: ContainerSpec): Promise<unknown> {
  if (!(e instanceof EngineError)) return e;
  const taken = takenPort(e.engineMessage);
  if (!taken) return e;
  const name = engineName(stack.name, c.name);
  let holder = 'a process outside the engine';
  if (taken.byContainer) {
    holder = 'another container';
    try {
      const running = await client.request<ContainerSummary[]>('GET', '/containers/json');
      const other = running.find((r) => (r.Ports ?? []).some((p) => String(p.PublicPort) === taken.port && (p.IP === taken.ip || p.IP === '0.0.0.0' || p.IP === '::' || taken.ip === '0.0.0.0' || taken.ip === '::')));
      if (other) holder = `container ${(other.Names[0] ?? other.Id).replace(/^\//, '')}`;
    } catch { /* the holder stays unnamed; the port is still named */ }
  }
  const wanted = c.ports.find((p) => p.hostPort === taken.port);
  return new PortInUseError(
    `container.${c.name} › ports: container ${name} could not start: host port ${showBinding(taken.ip, taken.port)}` +
      `${wanted ? ` (for ${wanted.containerPort})` : ''} is already in use by ${holder}.` +
      `\n  Fix: publish another host port in the stack, or stop what holds ${taken.port} first.\n  The engine said: ${e.engineMessage}`,
    { cause: e },
  );
}
