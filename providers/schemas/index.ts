/** The option schemas of the storage providers, by provider name: what normalize validates with. */
import type { z } from 'zod';
import { schema as local } from './local.js';
import { schema as tmpfs } from './tmpfs.js';
import { schema as bind } from './bind.js';
import { schema as nfs } from './nfs.js';
import { schema as sshfs } from './sshfs.js';
import { schema as device } from './device.js';

const schemas = new Map<string, z.ZodType>([['local', local], ['tmpfs', tmpfs], ['bind', bind], ['nfs', nfs], ['sshfs', sshfs], ['device', device]]);

export function providerSchema(name: string): z.ZodType | undefined {
  return schemas.get(name);
}
