/** What adoption reads back from the engine: the inspect answers it maps (the fields it looks at). */

export interface HealthConfig {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

export interface ImageConfig {
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, object> | null;
  Healthcheck?: HealthConfig | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Volumes?: Record<string, object> | null;
}

export interface ContainerDetail {
  Id: string;
  Name: string;
  /** Image id (`sha256:…`). */
  Image: string;
  State: { Status: string; ExitCode?: number };
  Config: ImageConfig & {
    Image: string;
    Hostname?: string;
    Domainname?: string;
    Tty?: boolean;
    OpenStdin?: boolean;
    StopTimeout?: number | null;
    MacAddress?: string;
  };
  HostConfig: Record<string, unknown> & {
    NetworkMode?: string;
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
    RestartPolicy?: { Name: string; MaximumRetryCount: number };
    VolumesFrom?: string[] | null;
    NanoCpus?: number;
    Memory?: number;
    MemorySwap?: number;
    PidsLimit?: number | null;
    PublishAllPorts?: boolean;
    Tmpfs?: Record<string, string> | null;
    LogConfig?: { Type: string; Config?: Record<string, string> | null };
  };
  Mounts: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean; Driver?: string }[];
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null; NetworkID: string; IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null }> | null };
}

export interface NetworkDetail {
  Id: string;
  Name: string;
  Driver: string;
  Internal: boolean;
  Attachable: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Options?: Record<string, string> | null; Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[] | null };
  Options?: Record<string, string> | null;
  Labels: Record<string, string> | null;
}

export interface VolumeDetail {
  Name: string;
  Driver: string;
  Options: Record<string, string> | null;
  Labels: Record<string, string> | null;
}

/** Everything one adoption maps, read in one place (adopt/read.ts). */
export interface EngineSnapshot {
  containers: ContainerDetail[];
  /** Image config by image id, for the defaults a container inherits. */
  images: Record<string, ImageConfig>;
  networks: NetworkDetail[];
  volumes: VolumeDetail[];
  /** Image id each image reference the containers were created from points to now. */
  refs?: Record<string, string>;
  /** The engine's default log driver (`/info` LoggingDriver). */
  loggingDriver: string;
}
