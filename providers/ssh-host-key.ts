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
  const blob = Buffer.from(base64, 'base64');
  // The blob starts with its own type as an SSH string (uint32 length + bytes): it must agree.
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (len < 0 || blob.length < 4 + len || blob.subarray(4, 4 + len).toString('latin1') !== type) return `the key data is not a ${type} key`;
  return { type, base64 };
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
