/**
 * sshfs: a directory of another machine, over SSH. moor mounts it with this host's sshfs (FUSE)
 * under a directory it manages (`/var/lib/moor/mounts/<volume>`) and hands that mount to the
 * engine as a local-driver bind volume; the unmaintained vieux/sshfs plugin is not used.
 *
 * The server's host key is pinned in the stack: ssh runs with strict host-key checking against a
 * known_hosts file holding only that key, so an unknown or changed key is refused, at plan time
 * (ssh-keyscan, fingerprint shown) and again when mounting. The mount is observed: a mount that
 * vanished or stopped answering is drift, and apply mounts it again.
 */
import { access, chmod, constants, mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { mountSshfs, mountState, unmount } from '../native/fuse.js';
import { fingerprint, parseHostKey, sameKey, scanHostKeys, type HostKey } from './ssh-host-key.js';
import type { HostContext, ProviderContext, ProviderFinding, VolumeProvider } from './types.js';
import { commandExists } from './host-tools.js';
import type { Options } from './schemas/sshfs.js';

/** Where moor keeps host-side state (mounts, pinned keys). */
export function stateDir(): string {
  return process.env.MOOR_STATE_DIR || '/var/lib/moor';
}

export function mountpointOf(engineName: string): string {
  return path.join(stateDir(), 'mounts', engineName);
}

function knownHostsOf(engineName: string): string {
  return path.join(stateDir(), 'sshfs', `${engineName}.known_hosts`);
}

/** ssh's own log for this mount (its errors on every connect and reconnect). */
function sshLogOf(engineName: string): string {
  return path.join(stateDir(), 'sshfs', `${engineName}.ssh.log`);
}

const pinned = (o: Options) => parseHostKey(o.hostKey) as HostKey;
const target = (o: Options) => `${o.user}@${o.host}:${o.path}`;

/** The ssh options: strict host-key checking against the one pinned key, key login only. */
export function sshOptions(o: Options, engineName: string): Record<string, string | number> {
  return {
    Port: o.port,
    IdentityFile: o.identityFile,
    IdentitiesOnly: 'yes',
    BatchMode: 'yes',
    PasswordAuthentication: 'no',
    StrictHostKeyChecking: 'yes',
    // One alias per volume: the known_hosts file pins the key under it, whatever host or port.
    HostKeyAlias: `moor-${engineName}`,
    UserKnownHostsFile: knownHostsOf(engineName),
    GlobalKnownHostsFile: '/dev/null',
    CheckHostIP: 'no',
    ConnectTimeout: 10,
    ...(o.keepAlive ? { ServerAliveInterval: o.keepAlive, ServerAliveCountMax: 3 } : {}),
  };
}

/** The refusal when the server's keys are not the pinned one, with every fingerprint shown. */
export function hostKeyRefusal(o: Options, offered: HostKey[]): string {
  const want = pinned(o);
  const seen = offered.map((k) => `${fingerprint(k)} (${k.type})`).join(', ');
  return `the SSH server ${o.host}:${o.port} offers host key ${seen || '(none)'}; the stack pins ${fingerprint(want)} (${want.type}). moor refuses to connect: a changed key can mean the connection is intercepted. Check the server's key out of band (ssh-keygen -lf /etc/ssh/ssh_host_${want.type.replace(/^ssh-|-.*$/g, '')}_key.pub on it) before you change hostKey.`;
}

/**
 * The empty mountpoint is made immutable (chattr +i): a container the engine starts while nothing
 * is mounted there (after a reboot, before moor mounts again) then gets "Operation not permitted"
 * instead of silently writing to the local disk, where the remount would hide its files. Mounting
 * over it still works. Best effort: some filesystems (tmpfs, overlay) have no such attribute.
 */
function guardMountpoint(dir: string, on: boolean): Promise<void> {
  return new Promise((resolve) => execFile('chattr', [on ? '+i' : '-i', dir], () => resolve()));
}

async function readable(file: string): Promise<boolean> {
  return access(file, constants.R_OK).then(() => true, () => false);
}

export const sshfsProvider: VolumeProvider<Options> = {
  name: 'sshfs',
  data: 'external',
  resolve: (o, ctx) => ({ ...o, identityFile: path.resolve(path.dirname(ctx.stackFile), o.identityFile), hostKey: `${pinned(o).type} ${pinned(o).base64}` }),
  toEngine: (_o, ctx) => ({ driver: 'local', driverOpts: { type: 'none', o: 'bind', device: mountpointOf(ctx.engineName) } }),
  describe: (o) => `sshfs ${o.user}@${o.host}:${o.path}${o.port !== 22 ? ` port ${o.port}` : ''}${o.readOnly ? ', read-only' : ''}, host key ${fingerprint(pinned(o))}`,
  async check(o, _ctx, host: HostContext): Promise<ProviderFinding[]> {
    if (!host.localEngine) {
      return [{ severity: 'error', summary: `sshfs volumes need the engine on this host (moor mounts them with this host's sshfs); the engine is at ${host.engine}` }];
    }
    const findings: ProviderFinding[] = [];
    if (!(await commandExists('sshfs'))) findings.push({ severity: 'error', summary: 'sshfs is not installed on this host', detail: 'Debian/Ubuntu: apt-get install sshfs' });
    if (!(await readable('/dev/fuse'))) findings.push({ severity: 'error', summary: 'this host has no usable /dev/fuse (FUSE), which sshfs needs' });
    if (!(await readable(o.identityFile))) findings.push({ severity: 'error', field: 'identityFile', summary: `the identity file ${o.identityFile} cannot be read` });
    if (host.skipChecks) return findings;
    const offered = await scanHostKeys(o.host, o.port).catch((e: Error) => e);
    if (offered instanceof Error) findings.push({ severity: 'error', summary: offered.message });
    else if (!offered.length) findings.push({ severity: 'error', field: 'host', summary: `no SSH server answers on ${o.host}:${o.port}`, detail: '`moor plan --skip-checks` plans without contacting the server; the key is still checked when mounting.' });
    else if (!offered.some((k) => sameKey(k, pinned(o)))) findings.push({ severity: 'error', field: 'hostKey', summary: hostKeyRefusal(o, offered) });
    return findings;
  },
  async prepare(o, ctx: ProviderContext) {
    const mountpoint = mountpointOf(ctx.engineName);
    const state = await mountState(mountpoint, 3000);
    if (state.state === 'mounted') return;
    // A dead mount (sshfs gone: "transport endpoint is not connected") is detached before remounting.
    if (state.state === 'broken') await unmount(mountpoint, { lazy: true });
    await mkdir(path.dirname(knownHostsOf(ctx.engineName)), { recursive: true, mode: 0o700 });
    await writeFile(knownHostsOf(ctx.engineName), `moor-${ctx.engineName} ${pinned(o).type} ${pinned(o).base64}\n`, { mode: 0o600 });
    // allow_other lets any process that reaches the mount use it as the remote user: only root may
    // reach it on the host (containers get it through the engine's bind, not through this path).
    await mkdir(path.dirname(mountpoint), { recursive: true, mode: 0o700 });
    await chmod(path.dirname(mountpoint), 0o700);
    await mkdir(mountpoint, { recursive: true, mode: 0o755 });
    await guardMountpoint(mountpoint, true);
    try {
      await mountSshfs({
        source: target(o),
        mountpoint,
        sshOptions: sshOptions(o, ctx.engineName),
        fuseOptions: ['allow_other', ...(o.reconnect ? ['reconnect'] : []), ...(o.readOnly ? ['ro'] : [])],
        sshLogFile: sshLogOf(ctx.engineName),
        timeoutMs: 30_000,
      });
    } catch (e) {
      const message = (e as Error).message;
      if (/host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key .* differs/i.test(message)) {
        const offered = await scanHostKeys(o.host, o.port).catch(() => []);
        throw new Error(`sshfs ${target(o)} was not mounted: ${hostKeyRefusal(o, offered)}`);
      }
      throw new Error(`sshfs ${target(o)} could not be mounted at ${mountpoint}: ${message}`);
    }
  },
  async release(_o, ctx: ProviderContext) {
    const mountpoint = mountpointOf(ctx.engineName);
    const state = await mountState(mountpoint, 3000);
    if (state.state !== 'absent') await unmount(mountpoint, { lazy: state.state === 'broken' });
    // Only an empty directory is removed: never anything that could be the remote data.
    await guardMountpoint(mountpoint, false);
    await rmdir(mountpoint).catch(() => undefined);
    await rm(knownHostsOf(ctx.engineName), { force: true });
    await rm(sshLogOf(ctx.engineName), { force: true });
  },
  async health(_o, ctx: ProviderContext) {
    const mountpoint = mountpointOf(ctx.engineName);
    const state = await mountState(mountpoint, 3000);
    if (state.state === 'mounted') return { ok: true };
    return {
      ok: false,
      reason: state.state === 'absent' ? `the sshfs mount at ${mountpoint} is not there (unmounted, or the host restarted)` : `the sshfs mount at ${mountpoint} does not answer: ${state.reason}`,
    };
  },
  explainMountError: (o, msg) =>
    /transport endpoint is not connected|no such file or directory/i.test(msg) ? `the sshfs mount of ${target(o)} is not there or not answering (moor plan shows it; moor apply mounts it again)` : undefined,
};

export { sshfs } from './api.js';
