/** The subset of the Engine API's swarm objects (services, tasks, secrets) moor reads and writes. */

export interface SwarmContainerSpec {
  Image: string;
  Command?: string[];
  Args?: string[];
  Env?: string[];
  Labels?: Record<string, string>;
  User?: string;
  Dir?: string;
  StopSignal?: string;
  StopGracePeriod?: number;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
  Mounts?: {
    Type: string; Source?: string; Target: string; ReadOnly?: boolean;
    TmpfsOptions?: { SizeBytes?: number; Mode?: number };
    VolumeOptions?: { DriverConfig?: { Name: string; Options: Record<string, string> } };
    BindOptions?: Record<string, unknown>;
  }[];
  Secrets?: { File: { Name: string; UID: string; GID: string; Mode: number }; SecretID: string; SecretName: string }[];
}

export interface SwarmUpdateConfig {
  Parallelism?: number;
  Delay?: number;
  FailureAction?: string;
  Monitor?: number;
  Order?: string;
}

export interface SwarmServiceSpec {
  Name: string;
  Labels?: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: SwarmContainerSpec;
    Resources?: {
      Limits?: { NanoCPUs?: number; MemoryBytes?: number; Pids?: number };
      Reservations?: { NanoCPUs?: number; MemoryBytes?: number };
    };
    RestartPolicy?: { Condition?: string; Delay?: number; MaxAttempts?: number };
    Placement?: { Constraints?: string[]; Preferences?: { Spread: { SpreadDescriptor: string } }[] };
    Networks?: { Target: string; Aliases?: string[] }[];
    ForceUpdate?: number;
  };
  Mode?: { Replicated?: { Replicas?: number }; Global?: object };
  UpdateConfig?: SwarmUpdateConfig;
  RollbackConfig?: SwarmUpdateConfig;
  EndpointSpec?: { Mode?: string; Ports?: { TargetPort: number; PublishedPort?: number; Protocol?: string; PublishMode?: string }[] };
}

export interface SwarmService {
  ID: string;
  Version: { Index: number };
  Spec: SwarmServiceSpec;
  PreviousSpec?: SwarmServiceSpec;
  UpdateStatus?: { State?: string; Message?: string };
}

export interface SwarmTask {
  ID: string;
  ServiceID: string;
  Slot?: number;
  DesiredState: string;
  Status: { State: string; Err?: string; Message?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
  Spec?: { ContainerSpec?: SwarmContainerSpec };
  Version?: { Index: number };
  CreatedAt?: string;
}

export interface SwarmSecret {
  ID: string;
  Spec: { Name: string; Labels?: Record<string, string> };
}
