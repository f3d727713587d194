/**
 * Names the engine (or the kernel under it) accepts for a container's runtime options, checked
 * statically so that a typo is a plan diagnostic instead of a create or start failure half-way
 * through an apply: Linux capabilities, ulimit names (go-units' list, which the engine parses),
 * namespaced sysctls (runc refuses the others at start), security options, platforms.
 */

/** Linux capabilities (kernel 5.9+), without the CAP_ prefix. */
export const CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
];

/**
 * A capability as the docker CLI sends it (and the OCI spec names it): upper case with the CAP_
 * prefix, 'ALL' as is. The engine stores CapAdd/CapDrop exactly as sent, so moor sends this form
 * and keeps it in its spec: 'net_admin', 'NET_ADMIN' and 'CAP_NET_ADMIN' are one capability.
 */
export function canonicalCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

export function isCapability(name: string): boolean {
  const c = canonicalCapability(name);
  return c === 'ALL' || CAPABILITIES.includes(c.slice(4));
}

/** Resource limits the engine knows (docker/go-units ulimit names). */
export const ULIMITS = [
  'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio',
  'rttime', 'sigpending', 'stack',
];

/** Sysctls in a container's own kernel namespaces (runc's list): only these can be set per container. */
const IPC_SYSCTLS = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];

/** Why a sysctl cannot be set in a container; undefined when it can. */
export function sysctlProblem(name: string): string | undefined {
  if (!/^[a-z0-9_]+(\.[a-zA-Z0-9_-]+)+$/.test(name)) return `"${name}" is not a sysctl name (like "net.ipv4.ip_forward")`;
  if (IPC_SYSCTLS.includes(name) || name.startsWith('fs.mqueue.') || name.startsWith('net.')) return undefined;
  return `sysctl "${name}" is not in a container's own kernel namespace: only net.*, fs.mqueue.* and the IPC kernel.* ones (${IPC_SYSCTLS.join(', ')}) can be set per container`;
}

/** Keys of the engine's security options (daemon/create: label, apparmor, seccomp, no-new-privileges, …). */
const SECURITY_KEYS = ['label', 'apparmor', 'seccomp', 'no-new-privileges', 'systempaths', 'writable-cgroups'];

/** Why the engine would refuse a security option; undefined when it accepts it. */
export function securityOptionProblem(opt: string): string | undefined {
  if (opt === 'no-new-privileges') return undefined;
  const m = /^([a-z-]+)[=:](.*)$/.exec(opt);
  if (!m || !SECURITY_KEYS.includes(m[1]!)) {
    return `"${opt}" is not a security option: expected one of ${SECURITY_KEYS.map((k) => `${k}=…`).join(', ')} (e.g. "no-new-privileges:true", "seccomp=unconfined")`;
  }
  const [, key, value] = m as unknown as [string, string, string];
  if (!value) return `security option "${key}" needs a value`;
  if ((key === 'no-new-privileges' || key === 'writable-cgroups') && !['true', 'false'].includes(value)) return `${key} is "true" or "false"`;
  if (key === 'systempaths' && value !== 'unconfined') return 'systempaths only takes "unconfined"';
  if (key === 'seccomp' && value !== 'unconfined' && !value.trimStart().startsWith('{')) {
    return `seccomp takes "unconfined" or a profile's JSON text (the engine cannot read a file path: read the file in the stack, e.g. readFileSync('${value}', 'utf8'))`;
  }
  return undefined;
}

/** `os/arch[/variant]`, e.g. 'linux/amd64', 'linux/arm64/v8'. */
export const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;
