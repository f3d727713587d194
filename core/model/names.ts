/** How resources are named on the engine. One place, so observe, plan and apply agree. */

export function engineName(stack: string, name: string): string {
  return `${stack}-${name}`;
}

/** The engine network a container attachment joins: an external network by its own name. */
export function attachedNetworkName(stack: string, a: { network: string; external?: true }): string {
  return a.external ? a.network : engineName(stack, a.network);
}

/** Reference a built image is tagged with. */
export function builtImageRef(stack: string, name: string): string {
  return `${stack}-${name}:latest`;
}

/** Name a replacement container is created under before the old one is removed. */
export function nextContainerName(stack: string, name: string): string {
  return `${engineName(stack, name)}.moor-next`;
}

export const NEXT_SUFFIX = '.moor-next';

/** Name the old container is set aside under while its replacement starts (brought back if it cannot). */
export function oldContainerName(stack: string, name: string): string {
  return `${engineName(stack, name)}.moor-old`;
}

/** Normalize an image reference the way the engine reports it ('busybox' → 'busybox:latest'). */
export function normalizeImageRef(ref: string): string {
  // The engine lists Docker Hub images in their familiar form: 'nginx:1.27', 'library' and registry dropped.
  const familiar = ref.replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\/(?=[^/]+$)/, '');
  if (familiar.includes('@')) return familiar;
  const lastSlash = familiar.lastIndexOf('/');
  return familiar.slice(lastSlash + 1).includes(':') ? familiar : `${familiar}:latest`;
}

/**
 * The resource name a replica's engine name is made from: `worker-2` (engine `<stack>-worker-2`)
 * when the container has replicas, else the resource's own (`<stack>-worker`, as before replicas).
 */
export function replicaBase(name: string, index: number, replicas: number): string {
  return replicas > 1 ? `${name}-${index}` : name;
}

/** The replica index an engine name stands for (`<stack>-worker-3` → 3); the unsuffixed name is replica 1. */
export function replicaIndex(stack: string, name: string, engine: string): number | null {
  const base = engineName(stack, name);
  if (engine === base) return 1;
  const m = engine.startsWith(`${base}-`) ? /^(\d+)$/.exec(engine.slice(base.length + 1)) : null;
  return m ? Number(m[1]) : null;
}

/** A replica's host port: its own port of a host range (`8080-8082`, replica 2 → 8081); a single port as it is. */
export function replicaHostPort(hostPort: string, index: number): string {
  const m = /^(\d+)-(\d+)$/.exec(hostPort);
  return m ? String(Number(m[1]) + Math.max(1, index) - 1) : hostPort;
}
