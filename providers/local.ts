/** The default provider: a plain named volume of the engine's `local` driver, on the host's disk. */
import { z } from 'zod';
import { providerSpec, type VolumeProvider } from './types.js';

const schema = z.strictObject({});

export const localProvider: VolumeProvider<typeof schema> = {
  name: 'local',
  schema,
  data: 'engine',
  toEngine: () => ({ driver: 'local', driverOpts: {} }),
  describe: () => 'local disk',
};

/** `volume('data', { provider: local() })` — the same as leaving the provider out. */
export function local() {
  return providerSpec('local', {} as z.input<typeof schema>);
}
