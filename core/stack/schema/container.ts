import path from 'node:path';
import { z } from 'zod';
import { byteSize, containerHandle, duration, durationToNanos, imageHandle, labels, networkHandle, sizeToBytes, volumeHandle } from './common.js';
import { ignoreChanges, protect, replaceOrder } from './lifecycle.js';
import { isSecret, type Secret } from '../secret.js';
import { isStopSignal, STOP_SIGNAL_MESSAGE } from '../validate/signals.js';
import { runtimeOptionsShape, stopTimeoutSchema } from './runtime.js';

/** A value from secret('NAME') or secret({ file }). */
const secretValue = z.custom<Secret>((v) => isSecret(v), { message: "expected a string or secret('NAME')" });

const portNumber = z.number().int().min(1).max(65535);
const portRange = z.string().superRefine((r, ctx) => {
  if (!/^\d{1,5}-\d{1,5}$/.test(r)) ctx.addIssue({ code: 'custom', message: 'expected a port number or a range like "8000-8010"' });
  else if (!r.split('-').every((p) => Number(p) >= 1 && Number(p) <= 65535)) ctx.addIssue({ code: 'custom', message: 'ports go from 1 to 65535' });
});
const absolutePath = z.string().startsWith('/', { message: 'expected an absolute path inside the container' });
/** The engine refuses to mount over the container's root ("destination can't be '/'"). */
const mountTarget = absolutePath.refine((t) => path.posix.normalize(t) !== '/', { message: "a mount cannot target the container's root /" });
/** The engine refuses health check durations under 1ms (0 means the default). */
const healthDuration = duration.refine((d) => { const ns = durationToNanos(d); return ns === 0 || ns >= 1e6; }, {
  message: 'the engine needs at least 1ms (or 0 for its default)',
});
/** The engine's smallest memory limit: 6 MiB. */
const MIN_MEMORY = 6 * 1024 * 1024;

export const portSchema = z.strictObject({
  /** Port (or range "8000-8010") inside the container. */
  container: z.union([portNumber, portRange]),
  /** Host port (or range of the same length). Omitted: the engine picks a free port. */
  host: z.union([portNumber, portRange]).optional(),
  /** Host address to bind, e.g. '127.0.0.1'. Omitted: all addresses. */
  hostIp: z.union([z.ipv4(), z.ipv6()]).optional(),
  protocol: z.enum(['tcp', 'udp', 'sctp']).optional(),
});

export const mountSchema = z.union([
  z.strictObject({ volume: volumeHandle, target: mountTarget, readOnly: z.boolean().optional() }),
  z.strictObject({
    /** Host path; a relative path is resolved against the stack file's directory. */
    bind: z.string().min(1),
    target: mountTarget,
    readOnly: z.boolean().optional(),
    /** SELinux relabelling of the host path: 'z' shared between containers, 'Z' private to this one (ignored where SELinux is off). */
    selinux: z.enum(['z', 'Z']).optional(),
  }),
  /**
   * Only a target: an anonymous engine volume (compose's `volumes: ['/data']`). A replacement of the
   * container carries it over to the new one, so its data is kept.
   */
  z.strictObject({ target: mountTarget }),
  z.strictObject({
    tmpfs: z.union([
      z.literal(true),
      z.strictObject({ size: byteSize.optional(), mode: z.number().int().min(0).max(0o7777).optional() }),
    ]),
    target: mountTarget,
  }),
]);

export const networkAttachmentSchema = z.union([
  networkHandle,
  z.strictObject({
    network: networkHandle,
    aliases: z.array(z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, { message: 'expected a DNS name' })).optional(),
    /** A fixed address in the network's declared subnet (compose `ipv4_address`). */
    ipv4Address: z.ipv4({ message: 'expected an IPv4 address like "10.77.0.10"' }).optional(),
  }),
]);

export const restartSchema = z.union([
  z.enum(['no', 'always', 'unless-stopped', 'on-failure']),
  z.strictObject({ policy: z.literal('on-failure'), maxRetries: z.number().int().positive() }),
]);

export const healthcheckSchema = z.strictObject({
  /** ['CMD', 'prog', 'arg'], ['CMD-SHELL', 'cmd'], ['NONE'], or a shell command string. */
  test: z.union([
    z.string().min(1),
    z
      .array(z.string())
      .min(1)
      .refine((t) => ['CMD', 'CMD-SHELL', 'NONE'].includes(t[0]!), {
        message: 'the first element must be "CMD", "CMD-SHELL" or "NONE"',
      }),
  ]),
  interval: healthDuration.optional(),
  timeout: healthDuration.optional(),
  startPeriod: healthDuration.optional(),
  retries: z.number().int().positive().optional(),
});

export const resourcesSchema = z.strictObject({
  /** CPUs as a fraction, e.g. 0.5. */
  cpus: z.number().positive().max(1024).optional(),
  /** Memory limit: bytes or '256m', '1g'. */
  memory: byteSize.refine((m) => !(sizeToBytes(m) < MIN_MEMORY), { message: 'the engine needs a memory limit of at least 6 MiB ("6m")' }).optional(),
  /** Maximum number of processes. */
  pids: z.number().int().positive().optional(),
});

export const dependsOnSchema = z.union([
  containerHandle,
  /**
   * 'started' (default), 'healthy' (its healthcheck passes), 'completed' (a runOnce container
   * exited 0). Dependents of a runOnce container wait for it to complete unless told otherwise.
   */
  z.strictObject({ container: containerHandle, condition: z.enum(['started', 'healthy', 'completed']).optional() }),
]);

export const containerOptionsSchema = z.strictObject({
  /** An image handle, or an image reference (pulled when missing). */
  image: z.union([imageHandle, z.string().min(1)]),
  command: z.array(z.string()).optional(),
  entrypoint: z.array(z.string()).optional(),
  env: z
    .record(z.string().regex(/^[^=\0]+$/, { message: 'environment variable names cannot contain "="' }), z.union([z.string(), secretValue]))
    .optional(),
  /**
   * Env files (compose's env_file), relative to the stack file: KEY=VALUE lines merged under `env`
   * (env wins; a later file wins over an earlier one). Their values are data of the stack.
   */
  envFile: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  ports: z.array(portSchema).optional(),
  /** Publish every port the image exposes on a random host port. */
  publishAll: z.boolean().optional(),
  networks: z.array(networkAttachmentSchema).optional(),
  /** 'host', 'none', 'bridge' (the engine's default network), or another container's namespace. */
  networkMode: z.union([z.enum(['host', 'none', 'bridge']), z.strictObject({ container: containerHandle })]).optional(),
  mounts: z.array(mountSchema).optional(),
  volumesFrom: z
    .array(z.union([containerHandle, z.strictObject({ container: containerHandle, readOnly: z.boolean().optional() })]))
    .optional(),
  restart: restartSchema.optional(),
  healthcheck: healthcheckSchema.optional(),
  user: z.string().min(1).optional(),
  workingDir: absolutePath.optional(),
  hostname: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]*$/, { message: 'expected a host name' }).optional(),
  labels: labels.optional(),
  stopSignal: z.string().refine(isStopSignal, { message: STOP_SIGNAL_MESSAGE }).optional(),
  /** Time to wait after the stop signal before killing: seconds, or a duration like '1m30s' (compose `stop_grace_period`). */
  stopTimeout: stopTimeoutSchema.optional(),
  resources: resourcesSchema.optional(),
  dependsOn: z.array(dependsOnSchema).optional(),
  ...runtimeOptionsShape,
  /**
   * A container that runs to completion (a migration, an init job): exited with code 0 is its
   * desired state, not drift; apply waits for it to finish and fails, showing its last log lines,
   * when it exits non-zero; a changed spec runs it again. Restart policy 'no' (or 'on-failure').
   */
  runOnce: z.boolean().optional(),
  /**
   * Containers run from this definition on this engine (compose's `scale`): `<stack>-<name>-1..N`,
   * all reachable under the resource name (the engine's DNS answers with every replica). Default 1:
   * one container named `<stack>-<name>`.
   */
  replicas: z.number().int().min(1).max(100).optional(),
  /** Lifecycle: refuse to delete or replace this container. */
  protect,
  /** Lifecycle: attribute paths whose changes are not planned, e.g. ['env.BUILD_ID']. */
  ignoreChanges,
  /** Lifecycle: 'create-before-destroy' (default) or 'delete-before-create' for containers that cannot run twice. */
  replaceOrder,
});

export type ContainerOptions = z.input<typeof containerOptionsSchema>;
export type ContainerOptionsParsed = z.output<typeof containerOptionsSchema>;
