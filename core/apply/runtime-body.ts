/**
 * The runtime options of a container spec (issue 14) as Engine API create fields: top-level
 * Config fields, HostConfig fields, and the create call's query. Fields at the engine default are
 * left out, as the docker CLI leaves them out. Pure.
 */
import type { RuntimeSpec } from '../model/spec.js';

export interface RuntimeBody {
  config: Record<string, unknown>;
  hostConfig: Record<string, unknown>;
  query: Record<string, string>;
}

export function runtimeBody(c: RuntimeSpec): RuntimeBody {
  const config: Record<string, unknown> = {};
  const host: Record<string, unknown> = {};
  if (c.capabilities?.add.length) host.CapAdd = c.capabilities.add;
  if (c.capabilities?.drop.length) host.CapDrop = c.capabilities.drop;
  if (c.privileged) host.Privileged = true;
  if (c.readOnlyRoot) host.ReadonlyRootfs = true;
  if (c.init) host.Init = true;
  if (c.securityOptions) host.SecurityOpt = c.securityOptions;
  if (c.sysctls) host.Sysctls = c.sysctls;
  if (c.ulimits) host.Ulimits = Object.entries(c.ulimits).map(([Name, u]) => ({ Name, Soft: u.soft, Hard: u.hard }));
  if (c.devices) host.Devices = c.devices.map((d) => ({ PathOnHost: d.host, PathInContainer: d.container, CgroupPermissions: d.permissions }));
  if (c.shmSize !== undefined) host.ShmSize = c.shmSize;
  if (c.extraHosts) host.ExtraHosts = Object.entries(c.extraHosts).map(([name, ip]) => `${name}:${ip}`);
  if (c.dns?.servers.length) host.Dns = c.dns.servers;
  if (c.dns?.search.length) host.DnsSearch = c.dns.search;
  if (c.dns?.options.length) host.DnsOptions = c.dns.options;
  if (c.logging) host.LogConfig = { Type: c.logging.driver, Config: c.logging.options };
  if (c.gpus) {
    host.DeviceRequests = c.gpus.map((g) => ({
      Driver: g.driver, Count: g.count, DeviceIDs: g.deviceIds.length ? g.deviceIds : null, Capabilities: [g.capabilities], Options: {},
    }));
  }
  if (c.groupAdd) host.GroupAdd = c.groupAdd;
  if (c.tty) config.Tty = true;
  if (c.stdinOpen) config.OpenStdin = true;
  return { config, hostConfig: host, query: c.platform ? { platform: c.platform } : {} };
}

/** ExposedPorts of a container: its published ports and the ones it only documents (expose). */
export function exposedPorts(published: string[], expose: string[] = []): Record<string, object> {
  return Object.fromEntries([...published, ...expose].map((p) => [p, {}]));
}
