/**
 * sshfs's command line, checked: which options go to ssh, which to sshfs, which to the kernel's
 * mount(2) when moor mounts /dev/fuse itself, and the ones moor forces or refuses. Pure.
 *
 * Three parsers read what is built here, each with its own quoting: libfuse splits `-o` on commas
 * (backslash escapes), sshfs splits its ssh_command on spaces, ssh splits config values on spaces
 * (quotes) and expands `%` tokens in paths.
 */
import path from 'node:path';
import { MS_NOATIME, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY } from './libc.js';

/** What sshfs is told: the remote, ssh's options, sshfs's and FUSE's. */
export interface SshfsOptions {
  /** `user@host:/path` (`host:/path` logs in as root). */
  source: string;
  /**
   * ssh options (`-o Key=Value`; only those sshfs passes to ssh, any case). `UserKnownHostsFile`
   * is required; StrictHostKeyChecking and BatchMode are always yes (see FORCED_SSH); `Port`
   * becomes sshfs's `-p`.
   */
  sshOptions: Readonly<Record<string, string | number>>;
  /**
   * sshfs and FUSE options: `reconnect`, `allow_other`, `ro`, `idmap=user`… The ones the kernel
   * applies (allow_other, default_permissions, ro, noexec, noatime) go into moor's mount(2) call.
   */
  fuseOptions: readonly string[];
  /**
   * ssh's log (ssh -E), appended to for the life of the mount: every reconnect's ssh writes its
   * errors there. Absolute, without spaces or backslashes (sshfs splits its ssh command on spaces).
   * Without it ssh's messages ("Host key verification failed.") would be lost: sshfs sends a
   * daemonizing ssh's stderr to /dev/null.
   */
  sshLogFile: string;
}

/** FUSE options the kernel takes as mount(2) data. A pre-mounted /dev/fd/N makes libfuse ignore them. */
const KERNEL_DATA = new Set(['allow_other', 'default_permissions']);
/** FUSE options that are mount(2) flags. nosuid and nodev are always set. */
const KERNEL_FLAGS: Readonly<Record<string, number>> = { ro: MS_RDONLY, noexec: MS_NOEXEC, noatime: MS_NOATIME, nosuid: 0, nodev: 0 };
/** sshfs options that replace ssh or its checks, or that moor sets itself. */
const REFUSED_FUSE = new Set(['ssh_command', 'ssh_protocol', 'directport', 'passive', 'slave', 'password_stdin', 'suid', 'dev', 'fd', 'rootmode', 'user_id', 'group_id', 'fsname', 'subtype', 'port']);
/**
 * ssh options moor forces: a key mismatch or a prompt is a failure, never a question, and the
 * UserKnownHostsFile is the only source of trusted keys (no global file, no SSHFP records in DNS,
 * no keys learnt from the server).
 */
const FORCED_SSH: Readonly<Record<string, string>> = {
  StrictHostKeyChecking: 'yes',
  BatchMode: 'yes',
  GlobalKnownHostsFile: '/dev/null',
  VerifyHostKeyDNS: 'no',
  UpdateHostKeys: 'no',
};
/**
 * The ssh options sshfs 3.7 passes on to ssh (its `ssh_opts`, matched case-insensitively). Any
 * other `-o` is sshfs's or FUSE's own: `directport` there would bypass ssh altogether.
 */
const SSH_OPTIONS = new Map(
  `AddressFamily BatchMode BindAddress BindInterface CertificateFile CheckHostIP Cipher Ciphers Compression
  CompressionLevel ConnectionAttempts ConnectTimeout ControlMaster ControlPath ControlPersist FingerprintHash
  GlobalKnownHostsFile GSSAPIAuthentication GSSAPIDelegateCredentials HostbasedAuthentication HostbasedKeyTypes
  HostKeyAlgorithms HostKeyAlias HostName IdentitiesOnly IdentityFile IdentityAgent IPQoS
  KbdInteractiveAuthentication KbdInteractiveDevices KexAlgorithms LogLevel MACs NumberOfPasswordPrompts
  PasswordAuthentication PermitLocalCommand PKCS11Provider PreferredAuthentications ProxyCommand ProxyJump
  ProxyUseFdpass PubkeyAcceptedKeyTypes PubkeyAuthentication RekeyLimit RevokedHostKeys RhostsRSAAuthentication
  ServerAliveCountMax ServerAliveInterval SmartcardDevice StrictHostKeyChecking TCPKeepAlive UpdateHostKeys
  UsePrivilegedPort UserKnownHostsFile VerifyHostKeyDNS VisualHostKey`
    .split(/\s+/)
    .map((name) => [name.toLowerCase(), name]),
);
/** ssh options holding a path: ssh expands `%x` tokens and `~` in them. */
const PATH_SSH = new Set(['IdentityFile', 'UserKnownHostsFile', 'GlobalKnownHostsFile', 'CertificateFile', 'ControlPath', 'IdentityAgent', 'RevokedHostKeys']);

/** libfuse splits `-o` on commas and reads backslash escapes: `a\,b` is one value "a,b". */
function fuseEscape(s: string): string {
  return s.replace(/[\\,]/g, '\\$&');
}

/** ssh splits a config value on spaces and reads quotes; path options expand `%` tokens. */
function sshValue(key: string, value: string): string {
  const v = PATH_SSH.has(key) ? value.replace(/%/g, '%%') : value;
  return /[\s"'\\]/.test(v) ? `"${v.replace(/["\\]/g, '\\$&')}"` : v;
}

/** What to run: sshfs's arguments after source and mountpoint, and what moor's mount(2) takes. */
export interface SshfsInvocation {
  args: string[];
  /** mount(2) flags: always nosuid and nodev, plus ro/noexec/noatime when asked. */
  flags: number;
  /** Kernel options for mount(2)'s data, besides fd/rootmode/user_id/group_id. */
  kernelOptions: string[];
}

/**
 * Checks the options and splits them between sshfs and the kernel. With `native` false (sshfs
 * mounts by itself) every FUSE option goes to sshfs. Pure; throws a TypeError naming the option.
 */
export function sshfsInvocation(o: SshfsOptions, native: boolean): SshfsInvocation {
  // A source starting with '-' would be read as an option; a host part is required.
  if (!/^[^-\s][^\s]*:/.test(o.source)) throw new TypeError(`sshfs source ${JSON.stringify(o.source)} is not "user@host:/path"`);
  if (!path.isAbsolute(o.sshLogFile) || /[\s\\]/.test(o.sshLogFile)) throw new TypeError(`sshLogFile ${JSON.stringify(o.sshLogFile)} must be an absolute path without spaces or backslashes`);
  const args = ['-F', '/dev/null', '-o', `ssh_command=${fuseEscape(`ssh -E ${o.sshLogFile}`)}`];
  // Spelled as ssh_config(5) does, whatever the caller's case: "port" and "Port" are one option.
  const ssh: Record<string, string> = {};
  let port: string | undefined;
  for (const [given, raw] of Object.entries(o.sshOptions)) {
    const value = String(raw);
    if (given.toLowerCase() === 'port') {
      if (!/^\d+$/.test(value) || +value < 1 || +value > 65535) throw new TypeError(`ssh option Port=${value} is not a port number`);
      port = value;
      continue;
    }
    const key = SSH_OPTIONS.get(given.toLowerCase());
    if (!key) throw new TypeError(`${JSON.stringify(given)} is not an ssh option sshfs passes to ssh`);
    if (/[\0\n\r]/.test(value) || value === '') throw new TypeError(`ssh option ${key} has an empty value or a line break`);
    ssh[key] = value;
  }
  for (const [key, want] of Object.entries(FORCED_SSH)) {
    if (key in ssh && ssh[key]!.toLowerCase() !== want) throw new TypeError(`ssh option ${key}=${ssh[key]} is refused: moor always uses ${key}=${want}`);
    ssh[key] = want;
  }
  if (!ssh.UserKnownHostsFile) throw new TypeError('ssh option UserKnownHostsFile is required: the file holding the pinned host key');
  if (port) args.push('-p', port);
  for (const [key, value] of Object.entries(ssh)) {
    if (PATH_SSH.has(key) && value !== 'none' && !path.isAbsolute(value)) throw new TypeError(`ssh option ${key}=${value} must be an absolute path`);
    args.push('-o', `${key}=${fuseEscape(sshValue(key, value))}`);
  }
  let flags = MS_NOSUID | MS_NODEV;
  const kernelOptions: string[] = [];
  for (const opt of o.fuseOptions) {
    const m = /^([a-z_]+)(?:=([^\0\n]*))?$/.exec(opt);
    if (!m) throw new TypeError(`FUSE option ${JSON.stringify(opt)} is not "name" or "name=value"`);
    const [, name, value] = m as unknown as [string, string, string | undefined];
    if (REFUSED_FUSE.has(name)) throw new TypeError(`sshfs option ${name} is refused: ${name === 'port' ? 'give Port in sshOptions' : 'moor sets it, or it would bypass ssh'}`);
    const option = value === undefined ? name : `${name}=${fuseEscape(value)}`;
    if (native && KERNEL_DATA.has(name) && value === undefined) kernelOptions.push(name);
    else if (native && name in KERNEL_FLAGS && value === undefined) flags |= KERNEL_FLAGS[name]!;
    else args.push('-o', option);
  }
  // sshfs mounting by itself sets these on its own mount(2).
  if (!native) args.push('-o', 'nosuid,nodev');
  return { args, flags, kernelOptions };
}
