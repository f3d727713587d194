/**
 * SSH host keys for pinning: parse an OpenSSH public key line, compute its fingerprint the way
 * `ssh-keygen -l` shows it (SHA256:<base64 without padding>), and ask a server which keys it has.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';

export interface HostKey {
  type: string;
  /** The key blob, base64 as in known_hosts. */
  base64: string;
}

const TYPES = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)$/;

/** 'ssh-ed25519 AAAA… [comment]' → the key, or why it is not one. */
export function parseHostKey(line: string): HostKey | string {
  const [type, base64] = line.trim().split(/\s+/);
  if (!type || !base64) return 'expected the server\'s public host key as "<type> <base64>", e.g. the contents of /etc/ssh/ssh_host_ed25519_key.pub';
  if (!TYPES.test(type)) return `"${type}" is not an SSH host key type (expected ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa…)`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return 'the key is not valid base64';
  const fields = sshStrings(Buffer.from(base64, 'base64'));
  // The blob is a list of SSH strings: its own type first, then the key material, nothing else.
  if (!fields || fields[0]?.toString('latin1') !== type) return `the key data is not a ${type} key`;
  if (fields.length < 2 || fields.slice(1).some((f) => f.length === 0)) return `the ${type} key is incomplete (cut off when it was copied?)`;
  if (type === 'ssh-ed25519' && (fields.length !== 2 || fields[1]!.length !== 32)) return 'the ssh-ed25519 key is incomplete (cut off when it was copied?)';
  return { type, base64 };
}

/** A blob of SSH strings (uint32 length + bytes each), or null when the lengths do not add up. */
function sshStrings(blob: Buffer): Buffer[] | null {
  const out: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) return null;
    const len = blob.readUInt32BE(at);
    if (at + 4 + len > blob.length) return null;
    out.push(blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

export function fingerprint(key: HostKey): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(key.base64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

export function sameKey(a: HostKey, b: HostKey): boolean {
  return a.type === b.type && Buffer.from(a.base64, 'base64').equals(Buffer.from(b.base64, 'base64'));
}

/**
 * The host keys a server offers, with ssh-keyscan (no login, nothing trusted). Empty when nothing
 * answered; throws only when ssh-keyscan itself is missing.
 */
export function scanHostKeys(host: string, port: number, timeoutSec = 5): Promise<HostKey[]> {
  return new Promise((resolve, reject) => {
    execFile('ssh-keyscan', ['-T', String(timeoutSec), '-p', String(port), host], { timeout: (timeoutSec + 5) * 1000 }, (err, stdout) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error('ssh-keyscan is not installed on this host (Debian: apt-get install openssh-client)'));
      const keys: HostKey[] = [];
      for (const line of String(stdout ?? '').split('\n')) {
        if (!line || line.startsWith('#')) continue;
        const parsed = parseHostKey(line.split(/\s+/).slice(1).join(' '));
        if (typeof parsed !== 'string') keys.push(parsed);
      }
      resolve(keys);
    });
  });
}
