/**
 * The canonical desired state: what a stack means once validated and normalized.
 * Every value here is plain JSON with a stable shape and order, because it is also what moor
 * stores in its labels as "last applied" and compares attribute by attribute.
 */
import type { SourceLocation } from '../diagnostics.js';
import type { Lifecycle } from './lifecycle.js';
import type { EnvValue } from './secret.js';
import type { ServiceSpec } from './service.js';
export type { ServiceSpec } from './service.js';

export interface ImageSpec {
  kind: 'image';
  /** Resource name: the image reference for pulled images, the declared name for built ones. */
  name: string;
  /** Engine reference (`shop-tools` built → `shop-tools-shop:latest`… see engineNames). */
  ref: string;
  build?: {
    /** Absolute path of the context directory. */
    context: string;
    dockerfile: string;
    args: Record<string, string>;
    /** Multi-stage target and platform; present only when set (older labels lack them). */
    target?: string;
    platform?: string;
    /** Build secrets: id → reference ('env:NAME' or 'file:/abs'), never a value. Present only when set. */
    secrets?: Record<string, string>;
    /** Content hash of the context: the image is rebuilt when it changes. */
    contextHash: string;
  };
  labels: Record<string, string>;
  /** A container's pullPolicy 'always' or 'never' for this pulled image ('missing' is the default). */
  pull?: { policy: 'always' | 'never'; container: string };
}

export interface NetworkSpec {
  kind: 'network';
  name: string;
  driver: string;
  internal: boolean;
  attachable: boolean;
  subnet: string | null;
  gateway: string | null;
  labels: Record<string, string>;
}

export interface VolumeSpec {
  kind: 'volume';
  name: string;
  /** The provider that owns the data (local, tmpfs, …) and its validated options. */
  provider: { name: string; options: unknown };
  driver: string;
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
}

export interface PortSpec {
  /** '80/tcp' */
  containerPort: string;
  hostIp: string;
  /** '' lets the engine choose. */
  hostPort: string;
}

export type MountSpec =
  | { type: 'volume'; volume: string; target: string; readOnly: boolean }
  /** selinux: present only when set (older labels lack it). */
  | { type: 'bind'; source: string; target: string; readOnly: boolean; selinux?: 'z' | 'Z' }
  | { type: 'tmpfs'; target: string; sizeBytes: number | null; mode: number | null }
  /** An anonymous engine volume: the engine names it; a replacement carries it over. */
  | { type: 'anonymous'; target: string };

export interface NetworkAttachmentSpec {
  network: string;
  aliases: string[];
  /** A fixed address; present only when set (older labels lack it). */
  ipv4Address?: string;
  /** A network declared external: true, whose engine name is its name (not `<stack>-<name>`). Present only when true. */
  external?: true;
}

export type NetworkModeSpec =
  | { type: 'networks' }
  | { type: 'host' }
  | { type: 'none' }
  | { type: 'bridge' }
  | { type: 'container'; container: string };

export interface RestartSpec {
  policy: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  maxRetries: number;
}

export interface HealthcheckSpec {
  test: string[];
  intervalNs: number | null;
  timeoutNs: number | null;
  startPeriodNs: number | null;
  retries: number | null;
}

export interface ResourcesSpec {
  nanoCpus: number | null;
  memoryBytes: number | null;
  pids: number | null;
}

export interface DependsOnSpec {
  container: string;
  condition: 'started' | 'healthy' | 'completed';
}

export interface ContainerSpec extends RuntimeSpec {
  kind: 'container';
  name: string;
  /** Name of the image resource (its reference for pulled images). */
  image: string;
  command: string[] | null;
  entrypoint: string[] | null;
  /** Plain values, or references to secrets (never their values). */
  env: Record<string, EnvValue>;
  ports: PortSpec[];
  publishAll: boolean;
  networkMode: NetworkModeSpec;
  networks: NetworkAttachmentSpec[];
  mounts: MountSpec[];
  volumesFrom: { container: string; readOnly: boolean }[];
  restart: RestartSpec;
  healthcheck: HealthcheckSpec | null;
  user: string | null;
  workingDir: string | null;
  hostname: string | null;
  labels: Record<string, string>;
  stopSignal: string | null;
  stopTimeout: number | null;
  resources: ResourcesSpec;
  /** Ordering only: no engine attribute, never a change by itself. */
  dependsOn: DependsOnSpec[];
  /** Runs to completion: exited 0 is its desired state. Present only when true (older labels lack it). */
  runOnce?: true;
  /**
   * Replicas on one engine: engine names `<stack>-<name>-1..N`, each with the resource name as a
   * network alias. Present only when more than 1 (older labels lack it: 1, named `<stack>-<name>`).
   */
  replicas?: number;
}

/**
 * Runtime options (issue 14), each present only when it differs from the engine's default, so
 * that a spec without them (and every label written before they existed) reads as the default.
 */
export interface RuntimeSpec {
  /** Canonical names: 'CAP_NET_ADMIN' or 'ALL', sorted, each list deduplicated. */
  capabilities?: { add: string[]; drop: string[] };
  privileged?: true;
  readOnlyRoot?: true;
  init?: true;
  /** Sorted. */
  securityOptions?: string[];
  /** name → value as text, sorted by name. */
  sysctls?: Record<string, string>;
  /** name → limits, sorted by name. */
  ulimits?: Record<string, { soft: number; hard: number }>;
  /** Sorted by the path in the container. */
  devices?: { host: string; container: string; permissions: string }[];
  /** Bytes; absent when it is the engine's 64 MiB. */
  shmSize?: number;
  /** host name → address (or 'host-gateway'), sorted. */
  extraHosts?: Record<string, string>;
  /** In the order given (resolv.conf's order matters); absent lists are empty. */
  dns?: { servers: string[]; search: string[]; options: string[] };
  logging?: { driver: string; options: Record<string, string> };
  tty?: true;
  stdinOpen?: true;
  platform?: string;
  /** Device requests; count -1 is 'all'. */
  gpus?: GpuRequestSpec[];
  /** '9000/tcp', sorted like ports; ranges expanded. */
  expose?: string[];
  /** Group names or ids as text, sorted. */
  groupAdd?: string[];
}

export interface GpuRequestSpec {
  driver: string;
  count: number;
  deviceIds: string[];
  capabilities: string[];
}

/** A command run in a running container around a backup. */
export interface BackupHookSpec {
  container: string;
  command: string[];
  timeoutSec: number;
}

/** A volume backup job; moor keeps it on the engine as the labels of a data-less volume. */
export interface BackupSpec {
  kind: 'backup';
  name: string;
  /** Volume resource names, as declared. */
  volumes: string[];
  target: { type: 'volume'; volume: string } | { type: 'hostPath'; path: string };
  schedule: { cron: string; timezone: string };
  keep: { last: number; daily: number; weekly: number; monthly: number };
  /** Container resource names to stop during the archive, in start (dependency) order. */
  stop: string[];
  hooks: { before: BackupHookSpec[]; after: BackupHookSpec[] };
  compression: 'gzip' | 'none';
  /** The helper image's reference (a built image's tag, or a pulled reference). */
  image: string;
}

export type ResourceSpec = ImageSpec | NetworkSpec | VolumeSpec | ContainerSpec | BackupSpec | ServiceSpec;

export interface DesiredStack {
  /** The stack's name on the engine: the stack() name, `-<env>` appended with --env. */
  name: string;
  /** The environment (`--env prod`) the stack was loaded for; absent without one. */
  env?: string;
  /** Absolute path of the stack file. */
  file: string;
  images: ImageSpec[];
  networks: NetworkSpec[];
  volumes: VolumeSpec[];
  containers: ContainerSpec[];
  backups: BackupSpec[];
  /** Swarm services (absent in stacks normalized before services existed: read as none). */
  services?: ServiceSpec[];
  /** Networks declared external: true (their engine names): joined, never created, changed or deleted. */
  externalNetworks?: string[];
  /** Where each resource was declared, by resource id (`container.db`). */
  locations: Record<string, SourceLocation>;
  /** Lifecycle rules by resource id, for resources that declare any. */
  lifecycle: Record<string, Lifecycle>;
}

/** A stack with no resources; destroy plans against it, keeping the rules (protect) of the stack file. */
export function emptyStack(name: string, file: string, keep: Partial<Pick<DesiredStack, 'lifecycle' | 'locations'>> = {}): DesiredStack {
  return { name, file, images: [], networks: [], volumes: [], containers: [], backups: [], locations: keep.locations ?? {}, lifecycle: keep.lifecycle ?? {} };
}

/** Containers a container needs before it can be created (dependsOn, volumesFrom, network namespace). */
export function containerDependencies(c: ContainerSpec): string[] {
  const deps = new Set<string>(c.dependsOn.map((d) => d.container));
  c.volumesFrom.forEach((v) => deps.add(v.container));
  if (c.networkMode.type === 'container') deps.add(c.networkMode.container);
  return [...deps];
}
