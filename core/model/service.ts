/**
 * The canonical desired state of a swarm service. Plain JSON in a stable shape and order: it is
 * also what moor keeps in the service's labels as "last applied" (services' labels can be
 * updated, unlike containers', so the label always describes the spec the swarm was last sent).
 */
import type { HealthcheckSpec, MountSpec, NetworkAttachmentSpec } from './spec.js';
import type { SecretRef } from './secret.js';

export interface ServicePortSpec {
  /** Port inside the tasks' containers. */
  target: number;
  /** Published port; null lets the swarm choose one (ingress mode only). */
  published: number | null;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** 'ingress': the routing mesh on every node; 'host': the node running the task. */
  mode: 'ingress' | 'host';
}

export interface UpdatePolicySpec {
  parallelism: number;
  delayNs: number;
  order: 'stop-first' | 'start-first';
  failureAction: 'pause' | 'continue' | 'rollback';
  monitorNs: number;
}

export interface ServiceResourcesSpec {
  limits: { nanoCpus: number | null; memoryBytes: number | null; pids: number | null };
  reservations: { nanoCpus: number | null; memoryBytes: number | null };
}

export interface ServiceRestartSpec {
  condition: 'none' | 'on-failure' | 'any';
  maxAttempts: number | null;
  delayNs: number | null;
}

export interface ServiceSpec {
  kind: 'service';
  name: string;
  /** Name of the image resource (the reference as the user wrote it for pulled images). */
  image: string;
  replicas: number;
  command: string[] | null;
  entrypoint: string[] | null;
  /** Plain values only: a service's secrets are files (`secrets`). */
  env: Record<string, string>;
  /** File name under /run/secrets → the secret's reference and keyed hash (never the value). */
  secrets: Record<string, SecretRef>;
  ports: ServicePortSpec[];
  networks: NetworkAttachmentSpec[];
  mounts: MountSpec[];
  healthcheck: HealthcheckSpec | null;
  user: string | null;
  workingDir: string | null;
  labels: Record<string, string>;
  stopSignal: string | null;
  /** Seconds between the stop signal and the kill. */
  stopTimeout: number | null;
  resources: ServiceResourcesSpec;
  restart: ServiceRestartSpec | null;
  update: UpdatePolicySpec | null;
  rollback: UpdatePolicySpec | null;
  placement: { constraints: string[]; preferences: string[] };
  endpointMode: 'vip' | 'dnsrr';
}
