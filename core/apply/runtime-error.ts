/**
 * Runtime options the engine accepts at create but its host cannot honour at start, named in the
 * user's terms (the engine's text stays at the end):
 * - gpus without a device driver for them (the NVIDIA container toolkit registers one): the engine
 *   says only `could not select device driver "" with capabilities: [[gpu]]`;
 * - privileged, or capabilities.add, on an engine that itself lacks some capability (dockerd in a
 *   container or a restricted user namespace): runc says `unable to apply caps: operation not permitted`.
 */
import { MoorError } from '../errors.js';
import { EngineError } from '../engine/errors.js';
import { engineName } from '../model/names.js';
import type { ContainerSpec, DesiredStack } from '../model/spec.js';

export class RuntimeOptionError extends MoorError {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeOptionError';
  }
}

export function explainRuntimeError(e: unknown, stack: DesiredStack, c: ContainerSpec): unknown {
  if (!(e instanceof EngineError)) return e;
  if ((c.privileged || c.capabilities?.add.length) && /unable to apply caps: operation not permitted/.test(e.engineMessage)) {
    const asked = [...(c.privileged ? ['privileged'] : []), ...(c.capabilities?.add.length ? [`capabilities.add (${c.capabilities.add.join(', ')})`] : [])];
    return new RuntimeOptionError(
      `container ${engineName(stack.name, c.name)} could not start: it asks for ${asked.join(' and ')}, but the engine itself runs without some ` +
        `of those capabilities (e.g. dockerd inside a container or a restricted user namespace), so it cannot grant them: run the engine with them, ` +
        `or ask for fewer.\n  The engine said: ${e.engineMessage}`,
    );
  }
  if (!c.gpus || !/could not select device driver/.test(e.engineMessage)) return e;
  const drivers = [...new Set(c.gpus.map((g) => g.driver).filter((d) => d))];
  return new RuntimeOptionError(
    `container ${engineName(stack.name, c.name)} could not start: it requests GPUs (gpus), but the engine has no device driver ` +
      `${drivers.length ? `"${drivers.join('", "')}"` : 'for them'}: install the GPU vendor's container runtime on the engine's host ` +
      `(for NVIDIA GPUs, the NVIDIA Container Toolkit), or remove gpus from the container.\n  The engine said: ${e.engineMessage}`,
  );
}
