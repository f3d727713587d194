/**
 * What ssh said when it would not connect, in the user's terms: a host key that is unknown or has
 * changed (with the fingerprint of the key the server offers), a refused login, or else its own
 * last words. The fingerprint comes from ssh's own warning when it gives one (a changed key), or
 * from ssh-keyscan and ssh-keygen -l at the host and port `ssh -G` resolves (the user's
 * ~/.ssh/config applies), never from trusting the key.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { EngineSshError, SshHostKeyError } from './errors.js';

// Made on first use: node:child_process loads only when a command reaches an ssh host (see scripts/build.mjs).
let runner: ((file: string, args: string[], opts: { timeout: number }) => Promise<{ stdout: string }>) | undefined;
const run = (file: string, args: string[], opts: { timeout: number }) => (runner ??= promisify(execFile))(file, args, opts);

/** `ssh -G`: where ssh would really connect for these arguments (HostName, Port from the config). */
async function resolved(args: string[]): Promise<{ host: string; port: number } | undefined> {
  try {
    const { stdout } = await run('ssh', ['-G', ...args], { timeout: 5000 });
    const get = (k: string) => new RegExp(`^${k} (.+)$`, 'm').exec(stdout)?.[1]?.trim();
    const host = get('hostname');
    return host ? { host, port: Number(get('port') ?? 22) } : undefined;
  } catch {
    return undefined;
  }
}

/** "ED25519 SHA256:…" for each key the server offers; undefined when it cannot be asked. */
async function offeredFingerprints(host: string, port: number): Promise<string | undefined> {
  try {
    const { stdout: keys } = await run('ssh-keyscan', ['-T', '5', '-p', String(port), host], { timeout: 10_000 });
    if (!keys.trim()) return undefined;
    const listed = await new Promise<string>((ok, ko) => {
      const child = spawn('ssh-keygen', ['-l', '-f', '-'], { stdio: ['pipe', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('error', ko);
      child.on('close', () => ok(out));
      child.stdin.end(keys);
    });
    // "256 SHA256:abc [127.0.0.1]:2222 (ED25519)"
    const prints = listed.split('\n').flatMap((l) => {
      const m = /^\d+ (\S+) .*\((\w+)\)$/.exec(l.trim());
      return m ? [`${m[2]} key ${m[1]}`] : [];
    });
    return prints.length ? prints.join(', ') : undefined;
  } catch {
    return undefined;
  }
}

const hostKeyProblem = /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key is known for|Host key for .* has changed/;

/** The error for ssh's failure to open the connection; `args` are the target arguments given to ssh. */
export async function sshFailure(where: string, args: string[], stderr: string, code: number | null): Promise<Error> {
  const said = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^@+$|^@/.test(l));
  if (hostKeyProblem.test(stderr)) {
    const changed = /CHANGED|has changed/.test(stderr);
    const target = await resolved(args);
    const name = target ? (target.port === 22 ? target.host : `[${target.host}]:${target.port}`) : args[args.length - 1]!;
    const given = /The fingerprint for the (\S+) key sent by the remote host is\s*\n?\s*(SHA256:\S+?)\.?\s*$/m.exec(stderr);
    const fingerprint = given ? `${given[1]} key ${given[2]}` : target ? await offeredFingerprints(target.host, target.port) : undefined;
    return new SshHostKeyError(where, name, fingerprint, changed);
  }
  if (/Permission denied/.test(stderr)) {
    return new EngineSshError(where, `the server refused moor's login (${said.at(-1)}). moor uses your ssh keys, agent and ~/.ssh/config, never a password (BatchMode=yes)`);
  }
  return new EngineSshError(where, said.length ? said.slice(-3).join(' / ') : `ssh exited with code ${code}`);
}
