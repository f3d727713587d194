/** Container checks across fields that the engine makes at create time. */
import path from 'node:path';
import { error, type Diagnostic } from '../../diagnostics.js';
import type { DesiredStack } from '../../model/spec.js';

/** Two mounts whose targets are the same directory once cleaned ('/data' and '/data/'): "Duplicate mount point". */
export function checkMountTargets(stack: DesiredStack, diags: Diagnostic[]): void {
  for (const c of stack.containers) {
    const id = `container.${c.name}`;
    const seen = new Map<string, string>();
    for (const m of c.mounts) {
      const clean = path.posix.normalize(m.target).replace(/(.)\/$/, '$1');
      const before = seen.get(clean);
      // Identical strings are reported by normalize already.
      if (before !== undefined && before !== m.target) {
        diags.push(error(`mount targets ${before} and ${m.target} are the same directory: the engine refuses a duplicate mount point`, {
          resource: id, field: 'mounts', location: stack.locations[id],
        }));
      }
      seen.set(clean, m.target);
    }
  }
}

/** Two containers of the stack publishing one host port: the second could not start. */
export function checkSharedHostPorts(stack: DesiredStack, diags: Diagnostic[]): void {
  const owners = new Map<string, string>();
  for (const c of stack.containers) {
    const id = `container.${c.name}`;
    for (const p of c.ports) {
      if (p.hostPort === '') continue;
      const key = `${p.hostIp}:${p.hostPort}/${p.containerPort.split('/')[1]}`;
      const owner = owners.get(key);
      if (owner !== undefined && owner !== c.name) {
        diags.push(error(`host port ${p.hostIp || '*'}:${p.hostPort} is published by container "${owner}" too: only one of them could start`, {
          resource: id, field: 'ports', location: stack.locations[id],
        }));
      }
      owners.set(key, owner ?? c.name);
    }
  }
}
