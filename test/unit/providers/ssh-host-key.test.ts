import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fingerprint, parseHostKey, sameKey, type HostKey } from '../../../providers/ssh-host-key.js';
import { commandExists } from '../../../providers/host-tools.js';

/** A fixed ed25519 public key and what `ssh-keygen -lf` prints for it. */
const FIXED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJoyO0ttJv8nWgRoYT7NKeEdn5K+zXTJUllqHTa5oO2B test@moor';
const FIXED_FINGERPRINT = 'SHA256:4TTdisv+WeK2j4O/JDsmZv24yy07V9nhnMF7nJLCYys';

/** A key blob of `type` (the SSH string encoding), base64: what known_hosts holds. */
/** An SSH key blob: the type and the key material as SSH strings (uint32 length + bytes). */
function blobOf(type: string, payload: Buffer = Buffer.alloc(32, 7)): string {
  const str = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  return Buffer.concat([str(Buffer.from(type, 'latin1')), str(payload)]).toString('base64');
}

const key = (line: string): HostKey => {
  const k = parseHostKey(line);
  if (typeof k === 'string') throw new Error(k);
  return k;
};

const parse = suite('parseHostKey');

parse('a public key line: its type and base64, the comment dropped', () => {
  assert.equal(parseHostKey(FIXED), { type: 'ssh-ed25519', base64: FIXED.split(' ')[1] });
  assert.equal(parseHostKey(`  ${FIXED.split(' ').slice(0, 2).join('\t')}\n`), { type: 'ssh-ed25519', base64: FIXED.split(' ')[1] });
});

parse('refused: no key, a type that is not a host key type, bad base64, a blob of another type', () => {
  assert.match(parseHostKey('ssh-ed25519') as string, /^expected the server's public host key as "<type> <base64>"/);
  assert.is(parseHostKey(`ssh-dss ${blobOf('ssh-dss')}`), '"ssh-dss" is not an SSH host key type (expected ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa…)');
  assert.is(parseHostKey('ssh-ed25519 AAAA$$$$'), 'the key is not valid base64');
  assert.is(parseHostKey(`ssh-ed25519 ${blobOf('ssh-rsa')}`), 'the key data is not a ssh-ed25519 key');
  assert.is(parseHostKey('ssh-ed25519 AAAA'), 'the key data is not a ssh-ed25519 key');
  // Cut off when copied: the type is there, the key material is not (or not all of it).
  assert.is(parseHostKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5'), 'the ssh-ed25519 key is incomplete (cut off when it was copied?)');
  assert.is(parseHostKey(`ssh-ed25519 ${blobOf('ssh-ed25519', Buffer.alloc(31, 7))}`), 'the ssh-ed25519 key is incomplete (cut off when it was copied?)');
  assert.is(parseHostKey(`ssh-ed25519 ${blobOf('ssh-ed25519').slice(0, -8)}`), 'the key data is not a ssh-ed25519 key');
});

parse.run();

const fp = suite('fingerprint and sameKey');

fp('the fingerprint is the one ssh-keygen -l shows', () => {
  assert.is(fingerprint(key(FIXED)), FIXED_FINGERPRINT);
});

fp('a freshly generated key: the same fingerprint as `ssh-keygen -lf`', async () => {
  if (!(await commandExists('ssh-keygen'))) return; // the fixed pair above covers hosts without OpenSSH
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moor-hostkey-test-'));
  try {
    const file = path.join(dir, 'key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-f', file, '-N', '', '-C', 'host@moor']);
    const printed = execFileSync('ssh-keygen', ['-lf', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1];
    assert.is(fingerprint(key(readFileSync(`${file}.pub`, 'utf8'))), printed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

fp('sameKey compares type and key data, not the spelling', () => {
  const a = key(FIXED);
  assert.ok(sameKey(a, key(FIXED.replace(' test@moor', ''))));
  assert.not.ok(sameKey(a, key(`ssh-ed25519 ${blobOf('ssh-ed25519')}`)));
  assert.not.ok(sameKey(a, { ...a, type: 'ssh-rsa' }));
});

fp.run();
