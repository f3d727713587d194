/**
 * bind: a directory of the engine's host, used as a named volume (the local driver's
 * `type=none, o=bind`). The data is the directory's: deleting the volume leaves it where it is.
 * A relative path is resolved against the stack file, so a stack and its data can sit side by
 * side in one checkout; the plan shows the resolved path.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { HostContext, ProviderFinding, VolumeProvider } from './types.js';
import type { Options } from './schemas/bind.js';

async function kindOf(p: string): Promise<'dir' | 'other' | 'missing'> {
  try {
    return (await stat(p)).isDirectory() ? 'dir' : 'other';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
}

export const bindProvider: VolumeProvider<Options> = {
  name: 'bind',
  data: 'external',
  resolve: (o, ctx) => ({ ...o, path: path.resolve(path.dirname(ctx.stackFile), o.path) }),
  toEngine: (o) => ({ driver: 'local', driverOpts: { type: 'none', o: 'bind', device: o.path } }),
  describe: (o) => `host directory ${o.path}`,
  async check(o, _ctx, host: HostContext): Promise<ProviderFinding[]> {
    if (o.path === '/') return [{ severity: 'error', field: 'path', summary: 'the host\'s root directory cannot be a volume' }];
    if (!host.localEngine) {
      return o.create
        ? [{ severity: 'error', field: 'create', summary: `create: true needs the engine on this host; the engine is at ${host.engine}`, detail: `Create ${o.path} on the engine's host and drop create.` }]
        : [{ severity: 'warning', field: 'path', summary: `the engine is at ${host.engine}: moor cannot check that ${o.path} exists on its host` }];
    }
    const kind = await kindOf(o.path);
    if (kind === 'other') return [{ severity: 'error', field: 'path', summary: `${o.path} exists and is not a directory` }];
    if (kind === 'missing' && !o.create) {
      return [{ severity: 'error', field: 'path', summary: `${o.path} does not exist`, detail: 'Create it, or set create: true to let moor create it.' }];
    }
    return [];
  },
  async prepare(o, _ctx, host) {
    if (!host.localEngine || (await kindOf(o.path)) === 'dir') return;
    if (!o.create) throw new Error(`the host directory ${o.path} does not exist (create: true lets moor create it)`);
    await mkdir(o.path, { recursive: true });
  },
  async health(o, _ctx, host) {
    if (!host.localEngine) return { ok: true };
    const kind = await kindOf(o.path);
    return kind === 'dir' ? { ok: true } : { ok: false, reason: kind === 'missing' ? `the host directory ${o.path} is gone` : `${o.path} is no longer a directory` };
  },
  explainMountError: (o, msg) => (/no such file or directory/i.test(msg) ? `the host directory ${o.path} does not exist` : undefined),
};

export type BindOptions = Options;

export { bind } from './api.js';
