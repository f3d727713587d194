/**
 * ssh://[user@]host[:port][/engine.sock]: the Engine API over SSH, with the
 * system's OpenSSH client (the user's keys, agent and ~/.ssh/config apply).
 *
 * One SSH connection per moor process: a control master owned by moor (`ssh -M -N`, its
 * ControlPath in a private temp dir, ControlPersist=no), started at the first request and closed
 * when the client closes or moor exits (also on errors and signals). Every Engine API connection is
 * a new channel over it: to the engine's unix socket on the server, forwarded by the master to a
 * socket in the private dir (ssh-forward.ts: no process per connection), or, when the server's
 * engine is not a unix socket or the server refuses the forward (or MOOR_SSH_DIAL_STDIO=1), a
 * channel running `docker system dial-stdio` on the engine's host; there are at most
 * MAX_CHANNELS at once (below OpenSSH's default MaxSessions of 10): a request beyond that waits,
 * idle pooled connections being closed to make room. Host keys are checked (BatchMode=yes: ssh never
 * prompts, and an unknown or changed key is an error naming the host and the key's fingerprint).
 *
 * MOOR_SSH_OPTIONS adds options to every ssh command (split at spaces, e.g. "-F /path/config").
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CommandConn } from './command-conn.js';
import { EndpointError, type SshEndpoint } from './endpoint.js';
import { EngineSshError } from './errors.js';
import { answersPing, forwardEngineSocket } from './ssh-forward.js';
import { sshFailure } from './ssh-host-key.js';
import type { Dialed, Transport, TransportHooks } from './transport.js';

export const MAX_CHANNELS = 8;

/** The extra options of MOOR_SSH_OPTIONS; turning host key checks off is refused. */
export function extraSshOptions(env: NodeJS.ProcessEnv = process.env): string[] {
  const opts = (env.MOOR_SSH_OPTIONS ?? '').split(/\s+/).filter(Boolean);
  if (opts.some((o) => /StrictHostKeyChecking\s*=?\s*(no|off)$/i.test(o))) {
    throw new EndpointError('MOOR_SSH_OPTIONS turns host key checks off (StrictHostKeyChecking=no): moor always checks host keys');
  }
  return opts;
}

/** ssh's arguments naming the target: [-l user] [-p port] [options…] host. */
export function targetArgs(endpoint: SshEndpoint, extra: string[]): string[] {
  const { user, host, port } = endpoint.ssh;
  return [...(user ? ['-l', user] : []), ...(port ? ['-p', String(port)] : []), ...extra, '--', host];
}

export function sshTransport(endpoint: SshEndpoint, hooks: TransportHooks): Transport {
  const where = endpoint.display;
  const target = targetArgs(endpoint, extraSshOptions());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moor-ssh-'));
  const control = path.join(dir, 'ctl');
  const common = ['-o', `ControlPath=${control}`, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30'];
  const children = new Set<ChildProcess>();
  let master: ChildProcess | undefined;
  let ready: Promise<void> | undefined;
  /** The forwarded engine socket, once the master holds the forward (else dial-stdio channels). */
  let forwarded: string | undefined;
  let masterStderr = '';
  let closed = false;
  let open = 0;
  const waiting: Dialed[] = [];

  const cleanup = () => {
    if (closed) return;
    closed = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    // The master last: closing it ends every channel too.
    if (master && master.exitCode === null && master.signalCode === null) master.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    process.off('exit', cleanup);
    for (const s of SIGNALS) process.off(s, onSignal);
  };
  // A signal nobody else handles would end moor without 'exit': clean up, then die of it as before.
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return;
    cleanup();
    process.kill(process.pid, signal);
  };
  process.on('exit', cleanup);
  for (const s of SIGNALS) process.on(s, onSignal);

  /** The engine socket on the server, when the URL names it: the master forwards it from its start. */
  const known = endpoint.ssh.socket;
  const dialStdio = process.env.MOOR_SSH_DIAL_STDIO === '1';
  const local = path.join(dir, 'engine.sock');
  const startMaster = (): Promise<void> => new Promise((resolve, reject) => {
    const forward = known && !dialStdio ? ['-L', `${local}:${known}`] : [];
    // Detached: a Ctrl-C at the terminal is moor's to handle (it lets steps in flight finish), not ssh's.
    const m = spawn('ssh', ['-M', '-N', '-o', 'ControlPersist=no', ...common, '-o', 'ServerAliveInterval=30', ...forward, ...target], {
      stdio: ['ignore', 'ignore', 'pipe'], detached: true,
    });
    master = m;
    let stderr = '';
    m.stderr!.on('data', (c: Buffer) => (stderr = masterStderr = (stderr + c.toString()).slice(-8000)));
    let settled = false;
    const poll = setInterval(() => {
      if (settled || !existsSync(control)) return;
      settled = true;
      clearInterval(poll);
      m.unref();
      (m.stderr as unknown as { unref(): void }).unref();
      resolve();
    }, 20);
    m.on('error', (e) => {
      settled = true;
      clearInterval(poll);
      reject(new EngineSshError(where, `cannot run ssh (${e.message}): moor needs the OpenSSH client for ssh:// engines`));
    });
    m.on('exit', (code) => {
      clearInterval(poll);
      if (settled) return;
      settled = true;
      sshFailure(where, target, stderr, code).then(reject, reject);
    });
  });

  const release = () => {
    open--;
    const next = waiting.shift();
    if (next) dialNow(next);
  };

  const dialNow = (done: Dialed) => {
    open++;
    ready!.then(() => {
      if (closed) throw new EngineSshError(where, 'the connection was closed');
      if (master!.exitCode !== null || master!.signalCode !== null) throw new EngineSshError(where, 'the SSH connection closed');
      if (forwarded) {
        const conn = net.connect(forwarded);
        conn.once('close', release);
        done(null, conn);
        return;
      }
      const host = known ? [`--host=unix://${shellQuote(known)}`] : [];
      const child = spawn('ssh', ['-o', 'ControlMaster=no', ...common, '-T', ...target, 'docker', ...host, 'system', 'dial-stdio'], {
        stdio: ['pipe', 'pipe', 'pipe'], detached: true,
      }) as ChildProcessWithoutNullStreams;
      children.add(child);
      const conn = new CommandConn(child, (code, stderr) => channelFailure(where, code, stderr));
      conn.once('close', () => {
        children.delete(child);
        release();
      });
      done(null, conn);
    }).catch((e: Error) => {
      release();
      done(e);
    });
  };

  return {
    maxConnections: MAX_CHANNELS,
    waiting: () => waiting.length,
    dial(done) {
      if (closed) return done(new EngineSshError(where, 'the connection was closed'));
      ready ??= startMaster().then(async () => {
        if (dialStdio) return;
        // A named socket is forwarded already; a server refusing the forward leaves dial-stdio channels.
        if (known) forwarded = (await answersPing(local)) ? local : undefined;
        else forwarded = await forwardEngineSocket(['-o', 'ControlMaster=no', ...common], target, local);
      });
      if (open < MAX_CHANNELS) return dialNow(done);
      waiting.push(done);
      hooks.reclaimIdle();
    },
    // A forwarded channel the server could not open (its engine stopped…) closes at once: ssh said why.
    explain: (e) => (forwarded && /socket hang up|ECONNRESET/.test(`${e.code} ${e.message}`) && /open failed/.test(masterStderr)
      ? new EngineSshError(where, `the server could not connect to its engine: ${masterStderr.trim().split('\n').filter((l) => /open failed/.test(l)).at(-1)}`)
      : e),
    close: cleanup,
  };
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** One argument for the server's POSIX shell (ssh joins the command's words with spaces). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function channelFailure(where: string, code: number | null, stderr: string): Error {
  const said = stderr.trim().split('\n').slice(-3).join(' / ');
  if (code === 127 || /docker: (command )?not found|No such file or directory/.test(stderr)) {
    return new EngineSshError(where, `the docker CLI is needed on the engine's host for "docker system dial-stdio" (${said})`);
  }
  return new EngineSshError(where, `the channel running "docker system dial-stdio" failed (exit ${code})${said ? `: ${said}` : ''}`);
}
