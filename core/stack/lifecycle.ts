/** Lifecycle rules from a resource's validated options, with their paths checked. */
import { error, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import { NO_RULES, type Lifecycle, type ReplaceOrder } from '../model/lifecycle.js';
import type { ResourceKind } from './handles.js';

/** Attribute paths a container plan can change; ignoreChanges entries must start with one of them. */
const CONTAINER_ATTRIBUTES = [
  'image', 'command', 'entrypoint', 'env', 'ports', 'publishAll', 'networkMode', 'networks', 'mounts', 'volumesFrom',
  'healthcheck', 'user', 'workingDir', 'hostname', 'labels', 'stopSignal', 'stopTimeout', 'restart', 'resources',
  'capabilities', 'privileged', 'readOnlyRoot', 'init', 'securityOptions', 'sysctls', 'ulimits', 'devices', 'shmSize',
  'extraHosts', 'dns', 'logging', 'tty', 'stdinOpen', 'platform', 'gpus', 'expose', 'groupAdd',
];
const RESOURCES = ['cpus', 'memory', 'pids'];
/** Attribute paths a service plan can change (see plan/service.ts). */
const SERVICE_ATTRIBUTES = [
  'image', 'replicas', 'command', 'entrypoint', 'env', 'secrets', 'ports', 'networks', 'mounts', 'healthcheck', 'user', 'workingDir',
  'labels', 'stopSignal', 'stopTimeout', 'resources', 'restart', 'update', 'rollback', 'placement', 'endpointMode',
];

interface LifecycleOptions {
  protect?: boolean;
  ignoreChanges?: string[];
  replaceOrder?: ReplaceOrder;
  migrate?: boolean;
  allowDataLoss?: boolean;
}

export function lifecycleOf(
  kind: ResourceKind,
  o: LifecycleOptions,
  where: { resource: string; location: SourceLocation },
  diags: Diagnostic[],
): Lifecycle | undefined {
  const ignore = o.ignoreChanges ?? [];
  ignore.forEach((p, i) => {
    const [head, ...rest] = p.split('.');
    const known = kind === 'service'
      ? SERVICE_ATTRIBUTES.includes(head!) && (rest.length === 0 || ['env', 'labels', 'secrets'].includes(head!))
      : kind === 'container' && CONTAINER_ATTRIBUTES.includes(head!) &&
        (head !== 'resources' || rest.length === 0 || (rest.length === 1 && RESOURCES.includes(rest[0]!))) &&
        (rest.length === 0 || ['env', 'labels', 'resources', 'networks'].includes(head!));
    if (!known) {
      diags.push(error(`ignoreChanges: unknown attribute path ${JSON.stringify(p)}`, {
        ...where, field: `ignoreChanges[${i}]`,
        detail: kind === 'service' ? `Paths start with one of: ${SERVICE_ATTRIBUTES.join(', ')}; keys go after a dot for env, labels and secrets.` : `Paths start with one of: ${CONTAINER_ATTRIBUTES.join(', ')}; keys go after a dot for env, labels, networks and resources (e.g. "env.BUILD_ID", "resources.memory").`,
      }));
    }
  });
  const rules: Lifecycle = {
    protect: o.protect ?? false,
    ignoreChanges: [...new Set(ignore)].sort(),
    replaceOrder: o.replaceOrder ?? null,
    migrate: o.migrate ?? false,
    allowDataLoss: o.allowDataLoss ?? false,
  };
  if (rules.migrate && rules.allowDataLoss) {
    diags.push(error('use either migrate (copy the data across) or allowDataLoss (let it go), not both', { ...where, field: 'migrate' }));
  }
  const any = (Object.keys(rules) as (keyof Lifecycle)[]).some((k) => JSON.stringify(rules[k]) !== JSON.stringify(NO_RULES[k]));
  return any ? rules : undefined;
}
