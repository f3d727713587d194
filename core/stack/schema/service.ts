/**
 * service(): a swarm service, close to container() so that moving a container to a service is a
 * small edit. Options that make no sense for a service (networkMode, volumesFrom, publishAll,
 * runOnce, dependsOn, a container restart policy) are not in the type; see SERVICE_REFUSED for the
 * messages a stack written in plain JavaScript gets.
 */
import { z } from 'zod';
import { byteSize, duration, imageHandle, labels, sizeToBytes } from './common.js';
import { healthcheckSchema, mountSchema, networkAttachmentSchema } from './container.js';
import { ignoreChanges, protect } from './lifecycle.js';
import { isSecret, type Secret } from '../secret.js';
import { isStopSignal, STOP_SIGNAL_MESSAGE } from '../validate/signals.js';

const secretValue = z.custom<Secret>((v) => isSecret(v), { message: "expected secret('NAME') or secret({ file })" });
const portNumber = z.number().int().min(1).max(65535);
const MIN_MEMORY = 6 * 1024 * 1024;
const memory = byteSize.refine((m) => !(sizeToBytes(m) < MIN_MEMORY), { message: 'the engine needs a memory limit of at least 6 MiB ("6m")' });

export const servicePortSchema = z.strictObject({
  /** Port inside the tasks' containers. */
  container: portNumber,
  /** Published port. Omitted: the swarm picks one (in host mode, each task gets its own). */
  host: portNumber.optional(),
  protocol: z.enum(['tcp', 'udp', 'sctp']).optional(),
  /** 'ingress' (default): the routing mesh answers on every node; 'host': only the node running a task. */
  mode: z.enum(['ingress', 'host']).optional(),
});

export const updatePolicySchema = z.strictObject({
  /** Tasks updated at once (0: all at once). Default 1. */
  parallelism: z.number().int().nonnegative().optional(),
  /** Pause between batches. */
  delay: duration.optional(),
  /** 'stop-first' (default) or 'start-first' (the new task starts before the old one stops). */
  order: z.enum(['start-first', 'stop-first']).optional(),
  /** What the swarm does when an updated task fails: 'pause' (default), 'rollback' or 'continue'. */
  failureAction: z.enum(['rollback', 'pause', 'continue']).optional(),
  /** How long an updated task is watched for failure. Default 5s. */
  monitor: duration.optional(),
});

export const serviceOptionsSchema = z.strictObject({
  /** An image handle, or an image reference (pulled when missing). Compared as written: the swarm's pinned digest is not a change. */
  image: z.union([imageHandle, z.string().min(1)]),
  /** Number of tasks. Default 1. */
  replicas: z.number().int().nonnegative().optional(),
  command: z.array(z.string()).optional(),
  entrypoint: z.array(z.string()).optional(),
  /** Plain values; secrets go in `secrets` (files under /run/secrets). */
  env: z.record(z.string().regex(/^[^=\0]+$/, { message: 'environment variable names cannot contain "="' }), z.string()).optional(),
  /** Swarm secrets mounted as files /run/secrets/NAME. A rotated value is a new swarm secret. */
  secrets: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, { message: 'a secret file name: letters, digits, "_", "." and "-"' }), secretValue).optional(),
  ports: z.array(servicePortSchema).optional(),
  /** Overlay networks (network(name, { driver: 'overlay' })). */
  networks: z.array(networkAttachmentSchema).optional(),
  mounts: z.array(mountSchema).optional(),
  healthcheck: healthcheckSchema.optional(),
  user: z.string().min(1).optional(),
  workingDir: z.string().startsWith('/', { message: 'expected an absolute path inside the container' }).optional(),
  labels: labels.optional(),
  stopSignal: z.string().refine(isStopSignal, { message: STOP_SIGNAL_MESSAGE }).optional(),
  /** Seconds (or a duration) to wait after the stop signal before killing. */
  stopTimeout: duration.optional(),
  resources: z.strictObject({
    limits: z.strictObject({ cpus: z.number().positive().max(1024).optional(), memory: memory.optional(), pids: z.number().int().positive().optional() }).optional(),
    reservations: z.strictObject({ cpus: z.number().positive().max(1024).optional(), memory: memory.optional() }).optional(),
  }).optional(),
  /** When the swarm restarts a task: condition 'any' (default), 'on-failure' or 'none'. */
  restart: z.strictObject({
    condition: z.enum(['none', 'on-failure', 'any']),
    maxAttempts: z.number().int().nonnegative().optional(),
    delay: duration.optional(),
  }).optional(),
  /** Rolling updates. */
  update: updatePolicySchema.optional(),
  /** How a failed update is rolled back. */
  rollback: updatePolicySchema.optional(),
  placement: z.strictObject({
    /** e.g. 'node.role == manager', 'node.labels.disk == ssd'. */
    constraints: z.array(z.string().min(1)).optional(),
    /** Spread descriptors, e.g. 'node.labels.zone'. */
    preferences: z.array(z.string().min(1)).optional(),
  }).optional(),
  /** 'vip' (default): one virtual IP for the service name; 'dnsrr': the name resolves to every task's IP. */
  endpointMode: z.enum(['vip', 'dnsrr']).optional(),
  /** Lifecycle: refuse to delete this service. */
  protect,
  /** Lifecycle: attribute paths whose changes are not planned, e.g. ['env.BUILD_ID', 'replicas']. */
  ignoreChanges,
});

export type ServiceOptions = z.input<typeof serviceOptionsSchema>;
export type ServiceOptionsParsed = z.output<typeof serviceOptionsSchema>;

/** Container options a service does not have, and what to use instead. */
export const SERVICE_REFUSED: Record<string, string> = {
  dependsOn: 'a swarm starts services in no order: make the service wait for what it needs (retry on connect), or keep both as containers',
  networkMode: 'services attach to overlay networks (networks: [...])',
  volumesFrom: 'services cannot share another container\'s volumes: mount the named volume itself',
  publishAll: 'publish each port in ports: [{ container, host }]',
  runOnce: 'a one-off job is a container with runOnce: true',
  hostname: 'a swarm names each task itself',
  replaceOrder: 'a service is updated in place by a rolling update: use update: { order: "start-first" }',
};
