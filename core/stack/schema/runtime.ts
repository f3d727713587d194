/**
 * The container() options that shape the process's runtime (compose parity, issue 14):
 * privileges, kernel limits, devices, name resolution, logging, terminal, platform, GPUs.
 * Every check that needs nothing but the value is made here, so a bad value is a diagnostic
 * with its stack file line before anything changes.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { byteSize, duration, durationToNanos } from './common.js';
import { CAPABILITIES, isCapability, PLATFORM, securityOptionProblem, sysctlProblem, ULIMITS } from '../validate/runtime-names.js';

const capability = z.string().refine(isCapability, {
  message: `expected a Linux capability like "NET_ADMIN" or "CAP_SYS_TIME", or "ALL" (known: ${CAPABILITIES.slice(0, 6).join(', ')}, …)`,
});

const ulimitValue = z.number().int().min(-1);
const ulimit = z.union([
  ulimitValue,
  z.strictObject({ soft: ulimitValue, hard: ulimitValue }).refine((u) => u.hard === -1 || (u.soft !== -1 && u.soft <= u.hard), {
    message: 'the soft limit cannot be above the hard limit', path: ['soft'],
  }),
]);

const permissions = z.string().regex(/^(?!.*(.).*\1)[rwm]{1,3}$/, { message: 'expected device permissions made of r, w and m, e.g. "rwm" or "r"' });
const devicePath = z.string().startsWith('/', { message: 'expected an absolute device path like "/dev/fuse"' });
/** '/dev/fuse', '/dev/sda:/dev/xvda', '/dev/sda:/dev/xvda:r'. */
const deviceString = z.string().superRefine((s, ctx) => {
  const parts = s.split(':');
  if (parts.length > 3 || !parts[0]!.startsWith('/')) {
    ctx.addIssue({ code: 'custom', message: 'expected "/dev/HOST", "/dev/HOST:/dev/CONTAINER" or "/dev/HOST:/dev/CONTAINER:rwm"' });
  } else if (parts.length >= 2 && !parts[1]!.startsWith('/') && !(parts.length === 2 && permissions.safeParse(parts[1]).success)) {
    ctx.addIssue({ code: 'custom', message: `"${parts[1]}" is not an absolute path in the container` });
  } else if (parts.length === 3 && !permissions.safeParse(parts[2]).success) {
    ctx.addIssue({ code: 'custom', message: `"${parts[2]}" is not device permissions (r, w and m, e.g. "rwm")` });
  }
});

const ip = z.string().refine((s) => isIP(s) !== 0, { message: 'expected an IPv4 or IPv6 address' });
const hostName = z.string().regex(/^[a-zA-Z0-9]([a-zA-Z0-9_.-]*[a-zA-Z0-9])?$/, { message: 'expected a host name' });

const gpuRequest = z.strictObject({
  /** Device driver, e.g. 'nvidia'; omitted: the engine picks the one with these capabilities. */
  driver: z.string().min(1).optional(),
  /** How many GPUs, or 'all' (the default when no deviceIds are given). */
  count: z.union([z.number().int().positive(), z.literal('all')]).optional(),
  deviceIds: z.array(z.string().min(1)).min(1).optional(),
  /** Driver capabilities, e.g. ['gpu', 'utility']; default ['gpu']. */
  capabilities: z.array(z.string().min(1)).min(1).optional(),
}).refine((g) => g.count === undefined || g.deviceIds === undefined, { message: 'use either count or deviceIds, not both' });

const exposedPort = z.union([
  z.number().int().min(1).max(65535),
  z.string().regex(/^\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/, { message: 'expected a port like "9000", "9000/udp" or a range "9000-9010"' }),
]);

/** The engine takes whole seconds. */
export const stopTimeoutSchema = z.union([
  z.number().int().nonnegative(),
  duration.refine((d) => typeof d !== 'string' || durationToNanos(d) % 1e9 === 0, { message: 'the engine takes whole seconds, e.g. "90s" or "1m30s"' }),
]);

export const runtimeOptionsShape = {
  /** Linux capabilities to add to or drop from the engine's default set ('NET_ADMIN' or 'CAP_NET_ADMIN', 'ALL'). */
  capabilities: z.strictObject({ add: z.array(capability).optional(), drop: z.array(capability).optional() }).optional(),
  /** Every capability and every host device: the container can do what root on the host can. */
  privileged: z.boolean().optional(),
  /** Mount the container's root file system read-only (compose `read_only`). */
  readOnlyRoot: z.boolean().optional(),
  /** Run an init process as PID 1 that reaps zombies and forwards signals. */
  init: z.boolean().optional(),
  /** e.g. 'no-new-privileges:true', 'seccomp=unconfined', 'apparmor=PROFILE', 'label=disable'. */
  securityOptions: z.array(z.string().superRefine((s, ctx) => {
    const problem = securityOptionProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })).optional(),
  /** Namespaced kernel parameters, e.g. { 'net.ipv4.ip_forward': 1 }. */
  sysctls: z.record(z.string().superRefine((k, ctx) => {
    const problem = sysctlProblem(k);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }), z.union([z.string(), z.number()])).optional(),
  /** Resource limits: { nofile: { soft: 1024, hard: 4096 }, nproc: 512 } (one number: soft = hard; -1: unlimited). */
  ulimits: z.record(z.string().refine((n) => ULIMITS.includes(n), { message: `expected a ulimit name: ${ULIMITS.join(', ')}` }), ulimit).optional(),
  /** Host devices: '/dev/fuse', '/dev/sda:/dev/xvda:r' or { host, container?, permissions? }. */
  devices: z.array(z.union([
    deviceString,
    z.strictObject({ host: devicePath, container: devicePath.optional(), permissions: permissions.optional() }),
  ])).optional(),
  /** Size of /dev/shm: bytes or '64m' (the engine's default is 64m). */
  shmSize: byteSize.optional(),
  /** Lines added to /etc/hosts: { 'db.local': '10.0.0.5', 'host.docker.internal': 'host-gateway' }. */
  extraHosts: z.record(hostName, z.string().refine((s) => s === 'host-gateway' || isIP(s) !== 0, { message: 'expected an IP address or "host-gateway"' })).optional(),
  /** /etc/resolv.conf: name servers (IP addresses), search domains, resolver options ('ndots:2'). */
  dns: z.strictObject({
    servers: z.array(ip).optional(),
    search: z.array(hostName).optional(),
    options: z.array(z.string().regex(/^[a-z0-9-]+(:\d+)?$/, { message: 'expected a resolver option like "ndots:2" or "rotate"' })).optional(),
  }).optional(),
  /** Log driver and its options, e.g. { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } }. */
  logging: z.strictObject({
    driver: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_./:-]*$/, { message: 'expected a log driver name like "json-file", "local" or "none"' }),
    options: z.record(z.string().min(1), z.string()).optional(),
  }).optional(),
  /** Allocate a terminal (compose `tty`). */
  tty: z.boolean().optional(),
  /** Keep stdin open (compose `stdin_open`). */
  stdinOpen: z.boolean().optional(),
  /** Platform of the image to run: 'linux/amd64', 'linux/arm64/v8'. */
  platform: z.string().regex(PLATFORM, { message: 'expected a platform like "linux/amd64" or "linux/arm64/v8"' }).optional(),
  /** GPU requests: 'all', a number of GPUs, or device requests. Needs the driver's runtime on the engine (e.g. nvidia). */
  gpus: z.union([z.literal('all'), z.number().int().positive(), z.array(gpuRequest).min(1)]).optional(),
  /** Ports the container listens on, for documentation and publishAll; not published. */
  expose: z.array(exposedPort).optional(),
  /** When to pull the image: 'missing' (default), 'always' (when the registry has a newer one), 'never', 'build' (a built image). */
  pullPolicy: z.enum(['always', 'missing', 'never', 'build']).optional(),
  /** Supplementary groups of the process, by name or id. */
  groupAdd: z.array(z.union([z.string().min(1).regex(/^[^:\s]+$/, { message: 'expected a group name or id' }), z.number().int().nonnegative()])).optional(),
};
