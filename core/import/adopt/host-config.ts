/**
 * The container settings behind this round's container() options (capabilities, privileged,
 * logging…, see docs/import.md), and the HostConfig settings moor has no option for. A value the
 * engine sets by default is left out (no capabilities added, a 64 MiB /dev/shm, the engine's log
 * driver with no options…).
 */
import type { ContainerDetail } from './engine-types.js';

const DEFAULT_SHM = 64 * 1024 * 1024;
type HC = Record<string, unknown>;

const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
const nonEmpty = <T extends object>(o: T): T | undefined => (Object.keys(o).length ? o : undefined);

export function mapHostOptions(c: ContainerDetail, loggingDriver: string): Record<string, unknown> {
  const hc = c.HostConfig as HC;
  const o: Record<string, unknown> = {};
  const add = list(hc.CapAdd);
  const drop = list(hc.CapDrop);
  if (add.length || drop.length) o.capabilities = { ...(add.length ? { add } : {}), ...(drop.length ? { drop } : {}) };
  if (hc.Privileged) o.privileged = true;
  if (hc.ReadonlyRootfs) o.readOnlyRoot = true;
  if (hc.Init) o.init = true;
  if (list(hc.SecurityOpt).length) o.securityOptions = list(hc.SecurityOpt);
  if (hc.Sysctls && nonEmpty(hc.Sysctls as object)) o.sysctls = hc.Sysctls;
  const ulimits = (hc.Ulimits as { Name: string; Soft: number; Hard: number }[] | null) ?? [];
  if (ulimits.length) o.ulimits = Object.fromEntries(ulimits.map((u) => [u.Name, u.Soft === u.Hard ? u.Soft : { soft: u.Soft, hard: u.Hard }]));
  const devices = (hc.Devices as { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[] | null) ?? [];
  if (devices.length) {
    o.devices = devices.map((d) => (d.PathOnHost === d.PathInContainer && d.CgroupPermissions === 'rwm' ? d.PathOnHost
      : { host: d.PathOnHost, ...(d.PathInContainer !== d.PathOnHost ? { container: d.PathInContainer } : {}), ...(d.CgroupPermissions !== 'rwm' ? { permissions: d.CgroupPermissions } : {}) }));
  }
  if (typeof hc.ShmSize === 'number' && hc.ShmSize && hc.ShmSize !== DEFAULT_SHM) o.shmSize = hc.ShmSize;
  const hosts = list(hc.ExtraHosts);
  if (hosts.length) o.extraHosts = Object.fromEntries(hosts.map((h) => { const i = h.indexOf(':'); return [h.slice(0, i), h.slice(i + 1)]; }));
  const dns = { ...(list(hc.Dns).length ? { servers: list(hc.Dns) } : {}), ...(list(hc.DnsSearch).length ? { search: list(hc.DnsSearch) } : {}), ...(list(hc.DnsOptions).length ? { options: list(hc.DnsOptions) } : {}) };
  if (nonEmpty(dns)) o.dns = dns;
  const log = c.HostConfig.LogConfig;
  if (log && (log.Type !== loggingDriver || nonEmpty(log.Config ?? {}))) o.logging = { driver: log.Type, ...(nonEmpty(log.Config ?? {}) ? { options: log.Config } : {}) };
  if (list(hc.GroupAdd).length) o.groupAdd = list(hc.GroupAdd);
  if (c.Config.Tty) o.tty = true;
  if (c.Config.OpenStdin) o.stdinOpen = true;
  return o;
}

/** [setting, why] for every setting that differs from the engine's default and that no option expresses. */
export function hostConfigLeftovers(c: ContainerDetail): [string, string][] {
  const hc = c.HostConfig as HC;
  const out: [string, string][] = [];
  const none = 'no container() option sets it';
  const check = (field: string, isDefault: (v: unknown) => boolean, why = none) => { if (!isDefault(hc[field])) out.push([`HostConfig.${field}`, why]); };
  const empty = (v: unknown) => v === undefined || v === null || v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0);
  check('Links', empty, 'links are legacy: containers on a user network reach each other by name (use networks)');
  check('IpcMode', (v) => empty(v) || v === 'private' || v === 'shareable');
  check('PidMode', empty);
  check('UTSMode', empty);
  check('UsernsMode', empty);
  check('CgroupParent', empty);
  check('CpuShares', empty, 'moor sets CPUs as a limit (resources.cpus), not as shares');
  check('CpuPeriod', empty, 'moor sets CPUs as a limit (resources.cpus)');
  check('CpuQuota', empty, 'moor sets CPUs as a limit (resources.cpus)');
  check('CpusetCpus', empty);
  check('CpusetMems', empty);
  check('BlkioWeight', empty);
  check('MemoryReservation', empty, 'moor has a memory limit, not a reservation');
  check('MemorySwap', (v) => empty(v) || v === 2 * (c.HostConfig.Memory ?? 0), 'moor sets swap as the engine does by default (as much as the memory limit)');
  check('MemorySwappiness', (v) => empty(v) || v === -1);
  check('OomKillDisable', empty);
  check('OomScoreAdj', empty);
  check('Runtime', (v) => empty(v) || v === 'runc');
  check('AutoRemove', empty, 'a container moor manages is never removed by the engine on exit');
  check('VolumeDriver', empty);
  check('Isolation', (v) => empty(v) || v === 'default');
  check('DeviceCgroupRules', empty);
  check('DeviceRequests', empty, 'GPU requests map to the gpus option of this round: set it by hand');
  if (c.Config.Domainname) out.push(['Config.Domainname', none]);
  if (c.Config.MacAddress) out.push(['Config.MacAddress', none]);
  return out;
}
