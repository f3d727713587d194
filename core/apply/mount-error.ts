/**
 * A container that cannot start because a volume cannot be mounted gets the engine's raw text
 * ("failed to mount local volume: mount :/exports/share:/var/lib/docker/volumes/…/_data, data:
 * addr=…: no such device"). This names the volume, what it is, and the reason in plain words,
 * asking the volume's provider; the engine's text stays at the end for whoever needs it.
 */
import { MoorError } from '../errors.js';
import { getProvider } from '../../providers/index.js';
import { EngineError } from '../engine/errors.js';
import { engineName } from '../model/names.js';
import type { ContainerSpec, DesiredStack } from '../model/spec.js';
import { describeVolume } from '../plan/volume.js';

export class VolumeMountError extends MoorError {
  constructor(message: string) {
    super(message);
    this.name = 'VolumeMountError';
  }
}

export function explainStartError(e: unknown, stack: DesiredStack, c: ContainerSpec): unknown {
  if (!(e instanceof EngineError) || !/mount/i.test(e.engineMessage)) return e;
  for (const m of c.mounts) {
    if (m.type !== 'volume') continue;
    const name = engineName(stack.name, m.volume);
    if (!e.engineMessage.includes(`/volumes/${name}/_data`) && !e.engineMessage.includes(`'${name}'`)) continue;
    const volume = stack.volumes.find((v) => v.name === m.volume);
    if (!volume) continue;
    const reason = getProvider(volume.provider.name)?.explainMountError?.(volume.provider.options as never, e.engineMessage);
    return new VolumeMountError(
      `container ${engineName(stack.name, c.name)} could not start: volume ${name} (${describeVolume(volume)}) could not be mounted at ${m.target}: ` +
        `${reason ?? 'the engine refused the mount'}.\n  The engine said: ${e.engineMessage}`,
    );
  }
  return e;
}
