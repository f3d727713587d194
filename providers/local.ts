/** The default provider: a plain named volume of the engine's `local` driver, on the host's disk. */
import type { VolumeProvider } from './types.js';
import type { Options } from './schemas/local.js';


export const localProvider: VolumeProvider<Options> = {
  name: 'local',
  data: 'engine',
  toEngine: () => ({ driver: 'local', driverOpts: {} }),
  describe: () => 'local disk',
};

export { local } from './api.js';
