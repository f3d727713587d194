/** Resource names for adopted objects: compose's own names (service, network and volume keys) where it left them in labels. */
import type { ContainerDetail, NetworkDetail, VolumeDetail } from './engine-types.js';

export const COMPOSE = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
} as const;

/** compose's bookkeeping labels: not the user's, and not carried over. */
export const isComposeLabel = (key: string) => key.startsWith('com.docker.compose.');

/** A valid moor resource name (`[a-z0-9][a-z0-9_-]{0,62}`) close to `raw`. */
export function resourceName(raw: string): string {
  const s = raw.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 63);
  return s || 'x';
}

/** A compose container's resource is its service (its replicas share it: map.ts); any other's, its name. */
export function containerResource(c: ContainerDetail): string {
  return resourceName(c.Config.Labels?.[COMPOSE.service] ?? c.Name.replace(/^\//, ''));
}

/** compose's number of a container of a scaled service (`shop_web_2` → 2); 1 when it has none. */
export function composeNumber(c: ContainerDetail): number {
  const n = Number(c.Config.Labels?.[COMPOSE.number]);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

export function networkResource(n: NetworkDetail): string {
  return resourceName(n.Labels?.[COMPOSE.network] ?? n.Name);
}

export function volumeResource(v: VolumeDetail): string {
  return resourceName(v.Labels?.[COMPOSE.volume] ?? v.Name);
}

/** Words a variable cannot be named (and moor's builder names): a handle named so gets its kind appended (`defaultNetwork`). */
const NOT_A_VARIABLE = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export', 'extends',
  'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super', 'switch', 'this',
  'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'let', 'static', 'implements', 'interface', 'package',
  'private', 'protected', 'public', 'await', 'arguments', 'eval', 'undefined',
  'image', 'network', 'volume', 'container', 'backup', 'stack', 'secret', 'local', 'tmpfs', 'bind', 'nfs', 'sshfs', 'device',
]);

/** The variable for a handle: its resource name, unless that cannot be a variable. */
export function handleVar(kind: 'network' | 'volume' | 'container', resource: string): string {
  return NOT_A_VARIABLE.has(resource) ? `${resource}${kind[0]!.toUpperCase()}${kind.slice(1)}` : resource;
}
