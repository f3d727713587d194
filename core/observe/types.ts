/** The observed state: everything the planner knows about the engine, read in one place. */
import type { EngineInfo } from '../engine/client.js';
import type { ProviderHealth } from '../../providers/types.js';
import type { Ledger, LiveRecord } from '../model/ledger.js';
import type { AdoptionRecord } from '../model/adoption.js';
import type { ObservedMigration } from '../model/migration.js';
import type { ObservedInterrupted } from './intents.js';
import type { ObservedService, ObservedSwarm, ObservedSwarmSecret } from './services.js';
import type { ObservedExternalNetwork } from './external-networks.js';
import type { BackupSpec, ContainerSpec, NetworkSpec, ResourcesSpec, RestartSpec, VolumeSpec } from '../model/spec.js';

/** Who owns an engine object whose name or labels put it in this stack's way. */
export type Ownership = 'stack' | 'foreign';

export interface ObservedBase {
  id: string;
  /** Engine name (`shop-db`). */
  name: string;
  labels: Record<string, string>;
  /** 'stack' when labelled with this stack; 'foreign' when it only collides by name. */
  owner: Ownership;
  /** Resource name from moor.name when owned. */
  resource?: string;
  /** Owned through the stack's adoption record (no moor labels): its name is kept until it is replaced. */
  adopted?: true;
}

/** Attributes the engine can change live; read by inspect when the labels cannot be trusted for them. */
export interface LiveContainerState {
  restart: RestartSpec;
  resources: ResourcesSpec;
  /** Aliases per attached network (engine network name → aliases, engine-added ones removed). */
  aliases: Record<string, string[]>;
}

export interface ObservedContainer extends ObservedBase {
  spec?: ContainerSpec;
  /** Adopted as this replica of its resource (its name, compose's, does not say which). */
  adoptedReplica?: number;
  /** A replacement left under its temporary name by an interrupted apply. */
  next: boolean;
  state: string;
  /** Exit code of an exited container, from its status text ("Exited (0) 2 minutes ago"). */
  exitCode: number | null;
  health: 'healthy' | 'unhealthy' | 'starting' | null;
  imageId: string;
  /** Published ports as docker ps shows them (`127.0.0.1:8080->80/tcp`), for moor ps. */
  ports?: string[];
  /** Engine names of attached networks. */
  networks: string[];
  /** Engine volumes it mounts (named and anonymous), from the container list: what a replacement carries over. */
  volumeMounts?: { name: string; target: string }[];
  /** What moor last applied live (restart, limits, aliases), from the ledger; labels hold the rest. */
  recorded?: LiveRecord;
  /** What the engine reports for live attributes, when observe inspected the container. */
  live?: LiveContainerState;
}

export interface ObservedNetwork extends ObservedBase {
  spec?: NetworkSpec;
}

export interface ObservedVolume extends ObservedBase {
  spec?: VolumeSpec;
  driver: string;
  /** Driver options as the engine reports them. */
  options: Record<string, string>;
  /** Path on the engine's host. */
  mountpoint: string;
  /** Host-side state its provider reports (mounts, directories), when the provider observes any. */
  health?: ProviderHealth;
}

/** A backup job as applied: the record volume and the spec in its labels. */
export interface ObservedBackup {
  /** Engine name of the record volume. */
  name: string;
  resource: string;
  spec?: BackupSpec;
}

export interface ObservedImage {
  id: string;
  refs: string[];
  labels: Record<string, string>;
  /** Resource name when the image was built by this stack. */
  resource?: string;
}

export interface ObservedState {
  /** Images the plan would pull that their registry says cannot be: reference → the registry's answer. */
  unpullable?: Record<string, string>;
  /** Digests registries serve now for images with pullPolicy 'always' (reference → digest). */
  registryDigests?: Record<string, string>;
  stack: string;
  engine: EngineInfo;
  containers: ObservedContainer[];
  networks: ObservedNetwork[];
  volumes: ObservedVolume[];
  images: ObservedImage[];
  backups: ObservedBackup[];
  /** The record of live updates (see model/ledger.ts). */
  ledger: Ledger;
  /** Objects adopted without recreating them (model/adoption.ts); absent when the stack has none. */
  adoption?: AdoptionRecord;
  /** True when every managed container was inspected (deep drift check). */
  refreshed: boolean;
  /** Interrupted or running volume migrations, by volume resource name. */
  migrations: Record<string, ObservedMigration>;
  /** The stack's secret-hash key (base64) and the volume holding it, when one exists. */
  secretKey: { volume: string; key: string | null } | null;
  /** What volumes hold, by engine name: measured only for volumes a first plan would delete or replace. */
  volumeUsage: Record<string, VolumeUsage>;
  /** Records of operations moor began outside a plan, and backup workers of commands that are gone (observe/intents.ts). */
  interrupted?: ObservedInterrupted;
  /** Networks the stack declares external: true, read by name: null when the engine has none. */
  externalNetworks?: Record<string, ObservedExternalNetwork | null>;
  /** Every network on the engine with its subnets, for the subnet overlaps the engine refuses. */
  engineNetworks?: EngineNetwork[];
  /** Host ports running containers publish, for the ports a new container could not bind. */
  publishedPorts?: PublishedPort[];
  /** CPUs of the engine's host (read only when the stack sets a CPU limit). */
  engineCpus?: number;
  /** Whether the engine is a swarm manager (absent: not read, as in older fixtures). */
  swarm?: ObservedSwarm;
  /** The stack's swarm services, and what collides with their names. */
  services?: ObservedService[];
  /** Swarm secrets moor made for the stack's services. */
  swarmSecrets?: ObservedSwarmSecret[];
  /** Network drivers the engine has (`/info` Plugins.Network), read only when the stack uses another than bridge/host/null. */
  networkDrivers?: string[];
}

export interface EngineNetwork {
  name: string;
  driver: string;
  /** The moor stack it belongs to, when it has one. */
  stack?: string;
  subnets: string[];
}

export interface PublishedPort {
  /** Engine name of the container publishing it. */
  container: string;
  stack?: string;
  /** '0.0.0.0' or '::' for every address. */
  hostIp: string;
  hostPort: number;
  protocol: string;
}

export interface VolumeUsage {
  bytes: number;
  /** null when only the size could be measured. */
  files: number | null;
  /** False when the measurement stopped at its time budget: the volume holds at least this much. */
  complete: boolean;
}
