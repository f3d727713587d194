/**
 * The fast path of ssh:// engines: the engine's unix socket on the server, forwarded through
 * moor's control master to a socket in moor's private directory (`ssh -O forward -L local:remote`).
 * A connection to it is a new channel of the SSH connection the master already holds: no process
 * on either side (a `docker system dial-stdio` channel starts an ssh client here and the docker
 * CLI there, for every connection, which is what made remote plans slow).
 *
 * Which socket: the one the URL names (`ssh://host/run/user/1000/docker.sock`: forwarded by the
 * master from its start, nothing asked), else the one `docker system dial-stdio` would dial on the
 * server, asked once per command of the server's docker CLI (`docker context inspect`, which
 * follows the server's DOCKER_HOST and current context: one session, i.e. one run of the login
 * shell's startup files there). Only a unix socket is forwarded; anything else (a tcp:// engine behind the
 * server, an unknown answer, forwarding refused by the server's `AllowStreamLocalForwarding`)
 * leaves moor on dial-stdio channels, after a probe (`GET /_ping` through the forward) says so.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';

/** Run one ssh command over the master; its stdout, or undefined when it fails or takes longer than `ms`. */
function sshOutput(args: string[], ms: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), ms);
    child.on('error', () => { clearTimeout(timer); resolve(undefined); });
    child.on('close', (code) => { clearTimeout(timer); resolve(code === 0 ? out : undefined); });
  });
}

/** `unix:///var/run/docker.sock` → `/var/run/docker.sock`; undefined for anything else. */
export function remoteSocketOf(contextHost: string | undefined): string | undefined {
  const m = /^unix:\/\/(\/\S+)\s*$/.exec(contextHost?.trim() ?? '');
  return m?.[1];
}

/** Does an Engine API answer `GET /_ping` on this local socket? */
export function answersPing(socket: string, ms = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socket);
    let got = '';
    const done = (ok: boolean) => { clearTimeout(timer); s.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), ms);
    s.on('connect', () => s.write('GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n'));
    s.on('data', (c: Buffer) => { got += c.toString(); if (/^HTTP\/1\.\d 200/.test(got)) done(true); });
    s.on('error', () => done(false));
    s.on('close', () => done(/^HTTP\/1\.\d 200/.test(got)));
  });
}

/**
 * Set up the forward through the running master (`base`: ssh's options naming the ControlPath;
 * `target`: the destination arguments). The local socket's path when it answers, else undefined.
 */
export async function forwardEngineSocket(base: string[], target: string[], local: string): Promise<string | undefined> {
  const host = await sshOutput([...base, '-T', ...target, 'docker', 'context', 'inspect', '--format', "'{{.Endpoints.docker.Host}}'"], 15_000);
  const remote = remoteSocketOf(host);
  if (!remote) return undefined;
  const added = await sshOutput([...base, '-O', 'forward', '-L', `${local}:${remote}`, ...target], 10_000);
  if (added === undefined) return undefined;
  return (await answersPing(local)) ? local : undefined;
}
