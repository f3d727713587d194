/** The subset of Engine API responses moor reads. */

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Labels: Record<string, string> | null;
  State: string;
  Status: string;
  HostConfig?: { NetworkMode?: string };
  /** Published ports (PublicPort set) and exposed ones. */
  Ports?: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] | null;
  NetworkSettings?: { Networks?: Record<string, { NetworkID?: string; Aliases?: string[] | null }> | null };
  Mounts?: { Type: string; Name?: string; Destination: string }[] | null;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Config: { Labels: Record<string, string> | null; Healthcheck?: { Interval?: number } | null };
  State: { Status: string; Running: boolean; ExitCode: number; StartedAt?: string; Health?: { Status: string; Log?: { Output: string; ExitCode: number; End?: string }[] } };
  HostConfig: {
    RestartPolicy?: { Name: string; MaximumRetryCount: number };
    NanoCpus?: number;
    Memory?: number;
    PidsLimit?: number | null;
  };
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null; NetworkID: string }> | null };
}

export interface NetworkSummary {
  Id: string;
  Name: string;
  Driver: string;
  Labels: Record<string, string> | null;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null } | null;
}

export interface VolumeSummary {
  Name: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  Mountpoint: string;
}

export interface ImageSummary {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests?: string[] | null;
  Labels: Record<string, string> | null;
}
