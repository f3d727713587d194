/**
 * sshfs mounts on this host, for the sshfs volume provider: mount a remote directory, tell whether
 * a mount is there and answering, take it down.
 *
 * Mounting. moor opens /dev/fuse, mounts it itself with mount(2) (through native/libc.ts), and
 * hands the open device to sshfs as its fd 3, named `/dev/fd/3` where the mountpoint goes (libfuse
 * ≥ 3.3 then serves that fd instead of mounting). So moor sets the mount's flags (always nosuid,
 * nodev) and kernel options itself, and a failed sshfs leaves a mount moor made and removes at
 * once. sshfs without -f connects, checks the remote directory, then daemonizes: its exit code
 * says whether host key, login and path were right. When moor may not mount (not root: /dev/fuse
 * or mount(2) refused; or no ffi-rs), sshfs mounts by itself, through the setuid fusermount3.
 *
 * Security: ssh always runs with StrictHostKeyChecking=yes and BatchMode=yes, trusting only the
 * UserKnownHostsFile the caller writes (the pinned key): no global known_hosts, no SSHFP records,
 * no keys learnt from the server, and `-F /dev/null` so no ssh_config of this host takes part.
 * Only the ssh options sshfs passes to ssh are accepted as such; sshfs options that would replace
 * ssh (ssh_command, directport, passive…) are refused.
 *
 * Nothing here touches a path that may be a hung FUSE mount from Node's thread pool: a blocked
 * stat there would hold a libuv worker, and the process, forever. Mount state comes from
 * /proc/self/mountinfo; the "does it answer" probe is a child process killed on timeout.
 */
import { MoorError } from '../core/errors.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rmdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MNT_DETACH, NativeCallError, NativeUnavailableError, UMOUNT_NOFOLLOW, mount, umount2 } from './libc.js';
import { mountAt, parseMountinfo, type MountEntry } from './mountinfo.js';
import { sshfsInvocation, type SshfsOptions } from './sshfs-args.js';

export type { SshfsOptions } from './sshfs-args.js';

export interface SshfsMount extends SshfsOptions {
  /** Absolute path of the directory to mount on; created if missing; nothing may be mounted there. */
  mountpoint: string;
  /** How long sshfs may take to connect and log in before it is killed and the mount removed. */
  timeoutMs: number;
  /** 'native' (the default): moor mounts, sshfs serves; 'sshfs': sshfs mounts by itself. */
  method?: 'native' | 'sshfs';
}

/** sshfs did not mount: its exit status and what it and ssh wrote to stderr. */
export class SshfsMountError extends MoorError {
  constructor(
    readonly source: string,
    readonly mountpoint: string,
    /** The exit code, or a reason when there is none ("killed after 30000 ms", "not installed"). */
    readonly exit: number | string,
    /** What ssh logged, then sshfs's stderr: "…Host key verification failed.\nread: Connection reset by peer" */
    readonly stderr: string,
  ) {
    super(`sshfs ${source} on ${mountpoint} failed (${typeof exit === 'number' ? `exit code ${exit}` : exit})${stderr ? `: ${stderr}` : ''}`);
    this.name = 'SshfsMountError';
  }
}

export type MountState =
  | { state: 'mounted'; fstype: string; source: string }
  | { state: 'absent' }
  | { state: 'broken'; reason: string };

// ---------------------------------------------------------------------------------------------
// Mount

/**
 * Mounts `source` on `mountpoint` with sshfs and resolves once sshfs is connected and serving.
 * Refuses (Error) when something is already mounted there. On any failure nothing stays mounted
 * and the error is an SshfsMountError carrying ssh's and sshfs's stderr.
 */
export async function mountSshfs(o: SshfsMount): Promise<void> {
  if (!path.isAbsolute(o.mountpoint)) throw new TypeError(`mountpoint ${o.mountpoint} is not an absolute path`);
  if (!(o.timeoutMs > 0)) throw new TypeError(`timeoutMs ${o.timeoutMs} is not a positive number`);
  sshfsInvocation(o, true); // validate before touching anything
  await mkdir(path.dirname(o.mountpoint), { recursive: true });
  const target = await canonical(o.mountpoint);
  const there = mountAt(await readMounts(), target);
  if (there) throw new Error(`cannot mount sshfs on ${target}: ${there.fstype} ${there.source} is already mounted there`);
  await mkdir(target).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  if (o.method !== 'sshfs' && (await mountNative(o, target))) return;
  try {
    await runSshfs(o, target, [o.source, target, ...sshfsInvocation(o, false).args]);
  } catch (e) {
    // Killed on timeout after mounting: take the mount down again.
    if (mountAt(await readMounts(), target)) await unmount(target, { lazy: true });
    throw e;
  }
}

/**
 * moor mounts /dev/fuse on `target`, sshfs serves it. False, with nothing changed, when moor may
 * not: /dev/fuse is root's (EACCES), mount(2) needs CAP_SYS_ADMIN (EPERM), or no ffi-rs.
 */
async function mountNative(o: SshfsMount, target: string): Promise<boolean> {
  let fuse: number;
  try {
    fuse = openSync('/dev/fuse', 'r+');
  } catch (e) {
    if (['EACCES', 'EPERM'].includes((e as NodeJS.ErrnoException).code!)) return false;
    throw new Error(`cannot open /dev/fuse, which sshfs needs: ${(e as Error).message}`);
  }
  let mounted = false;
  try {
    const inv = sshfsInvocation(o, true);
    const data = [`fd=${fuse}`, 'rootmode=40000', `user_id=${process.getuid!()}`, `group_id=${process.getgid!()}`, ...inv.kernelOptions];
    try {
      mount(o.source, target, 'fuse.sshfs', inv.flags, data.join(','));
      mounted = true;
    } catch (e) {
      if (e instanceof NativeUnavailableError || (e instanceof NativeCallError && e.code === 'EPERM')) return false;
      throw e;
    }
    await runSshfs(o, target, [o.source, '/dev/fd/3', ...inv.args], fuse);
    return true;
  } catch (e) {
    // sshfs is dead or never started: the mount has no server. Detach it, then close the device.
    if (mounted) detach(target);
    throw e;
  } finally {
    // sshfs holds its own copy of the device; moor's must not keep the connection alive.
    closeSync(fuse);
  }
}

function detach(target: string): void {
  try {
    umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW);
  } catch (e) {
    if (!(e instanceof NativeCallError && e.code === 'EINVAL')) throw e;
  }
}

/**
 * Runs sshfs until its first process exits (after connecting it daemonizes: exit 0), with `fuse`
 * as its fd 3 when given. It runs in a session of its own (detached), so a Ctrl-C at moor's
 * terminal does not reach the daemon or the ssh it keeps running (without it, that ssh stayed in
 * moor's process group). sshfs's stderr goes to an unlinked temp file, read once it exited; ssh's
 * goes to `sshLogFile`, of which the part this attempt appended is quoted.
 */
async function runSshfs(o: SshfsMount, target: string, args: string[], fuse?: number): Promise<void> {
  await mkdir(path.dirname(o.sshLogFile), { recursive: true });
  const log = openSync(o.sshLogFile, 'a+', 0o600);
  const logStart = fstatSync(log).size;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'moor-sshfs-'));
  const errFile = path.join(dir, 'stderr');
  const err = openSync(errFile, 'w+', 0o600);
  unlinkSync(errFile);
  await rmdir(dir);
  try {
    const child = spawn('sshfs', args, { stdio: ['ignore', 'ignore', err, ...(fuse === undefined ? [] : [fuse])], detached: true, cwd: '/' });
    const exit = await waitExit(child, o.timeoutMs);
    if (exit !== 0) {
      // ssh ends its lines with \r\n (it expects a terminal).
      const text = (readFrom(log, logStart) + readFrom(err, 0)).replace(/\r\n/g, '\n').trim();
      throw new SshfsMountError(o.source, target, exit, text);
    }
  } finally {
    closeSync(err);
    closeSync(log);
  }
}

/** The child's exit code; on timeout its process group is killed and the reason returned instead. */
function waitExit(child: ChildProcess, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL'); // sshfs and the ssh it started
      } catch {
        // already gone
      }
      resolve(`killed after ${timeoutMs} ms without connecting`);
    }, timeoutMs);
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code === 'ENOENT' ? 'sshfs is not installed (Debian/Ubuntu: apt-get install sshfs)' : `sshfs could not be started: ${e.message}`);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? `killed by ${signal}`);
    });
  });
}

/** A file's content from `start`, whatever the shared offset is (a child wrote through it). At most 1 MiB. */
function readFrom(fd: number, start: number): string {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(16384);
  for (let pos = start; pos < start + (1 << 20); ) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (!n) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    pos += n;
  }
  return Buffer.concat(chunks).toString('utf8');
}

// ---------------------------------------------------------------------------------------------
// Unmount

/**
 * Unmounts `mountpoint` (lazy: detaches it even while containers use it; their open files keep
 * working until closed). Not mounted is success. umount2 through native; when moor may not
 * (EPERM) or native is unavailable, fusermount3 (or fusermount) -u, which can unmount the
 * caller's own FUSE mounts.
 */
export async function unmount(mountpoint: string, opts: { lazy?: boolean } = {}): Promise<void> {
  const target = await canonical(mountpoint);
  try {
    umount2(target, UMOUNT_NOFOLLOW | (opts.lazy ? MNT_DETACH : 0));
    return;
  } catch (e) {
    if (e instanceof NativeCallError && (e.code === 'EINVAL' || e.code === 'ENOENT')) return;
    if (e instanceof NativeCallError && e.code === 'EBUSY') throw new Error(`cannot unmount ${target}: it is in use (a container or a process has files open there); unmount it lazily to detach it anyway`);
    if (!(e instanceof NativeUnavailableError || (e instanceof NativeCallError && e.code === 'EPERM'))) throw e;
  }
  await fusermount(target, !!opts.lazy);
}

async function fusermount(target: string, lazy: boolean): Promise<void> {
  // Not mounted is success; fusermount3 would fail ("Invalid argument", "not found in /etc/mtab").
  if (!mountAt(await readMounts(), target)) return;
  let missing = '';
  for (const cmd of ['fusermount3', 'fusermount']) {
    const r = await run(cmd, ['-u', ...(lazy ? ['-z'] : []), '--', target], 10_000);
    if (r.exit === 'ENOENT') {
      missing = cmd;
      continue;
    }
    if (r.exit === 0) return;
    throw new Error(`cannot unmount ${target}: ${cmd} failed (${typeof r.exit === 'number' ? `exit code ${r.exit}` : r.exit}): ${r.stderr.trim()}`);
  }
  throw new Error(`cannot unmount ${target}: moor may not unmount it and ${missing} is not installed (Debian/Ubuntu: apt-get install fuse3)`);
}

// ---------------------------------------------------------------------------------------------
// State

/**
 * Whether an sshfs mount is at `mountpoint` and answers. 'broken': it is there but a statfs
 * through it fails ("Transport endpoint is not connected": sshfs is gone) or takes longer than
 * `timeoutMs` (sshfs or the server hangs), or something else than FUSE is mounted there.
 * statfs rather than stat: the kernel may answer a stat from its attribute cache, a statfs always
 * goes to sshfs and from there to the server.
 */
export async function mountState(mountpoint: string, timeoutMs: number): Promise<MountState> {
  const target = await canonical(mountpoint);
  const there = mountAt(await readMounts(), target);
  if (!there) return { state: 'absent' };
  if (there.fstype !== 'fuse.sshfs' && there.fstype !== 'fuse') {
    return { state: 'broken', reason: `${there.fstype} ${there.source} is mounted there instead of sshfs` };
  }
  const r = await run('stat', ['-f', '-c', '%b', '--', target], timeoutMs);
  if (r.exit === 0) return { state: 'mounted', fstype: there.fstype, source: there.source };
  if (r.exit === 'timeout') return { state: 'broken', reason: `it did not answer within ${timeoutMs} ms` };
  // "stat: cannot read file system information for '/x': Transport endpoint is not connected"
  const why = r.stderr.trim().split('\n').pop()!.replace(/^.*': /, '');
  return { state: 'broken', reason: why || `stat -f failed (${r.exit})` };
}

// ---------------------------------------------------------------------------------------------
// Helpers

function readMounts(): Promise<MountEntry[]> {
  return readFile('/proc/self/mountinfo', 'utf8').then(parseMountinfo);
}

/**
 * The path as /proc/self/mountinfo shows it: absolute, with the parent's symlinks resolved. Only
 * the parent is resolved: the last component may be a hung mount.
 */
async function canonical(p: string): Promise<string> {
  const abs = path.resolve(p);
  const parent = await realpath(path.dirname(abs)).catch(() => path.dirname(abs));
  return path.join(parent, path.basename(abs));
}

/**
 * Runs a command with a deadline, stdout ignored. `exit` is the code, 'ENOENT' when the command
 * is missing, or 'timeout': then the child is killed and left behind unreferenced, so a child
 * stuck in a hung FUSE call cannot keep moor alive.
 */
function run(cmd: string, args: string[], timeoutMs: number): Promise<{ exit: number | 'ENOENT' | 'timeout' | string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      child.unref();
      child.stderr!.destroy();
      resolve({ exit: 'timeout', stderr });
    }, timeoutMs);
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ exit: e.code === 'ENOENT' ? 'ENOENT' : e.message, stderr });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exit: code ?? `killed by ${signal}`, stderr });
    });
  });
}
