import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MS_NODEV, MS_NOSUID, MS_RDONLY } from '../../../native/libc.js';
import { sshfsInvocation, type SshfsOptions } from '../../../native/sshfs-args.js';

const BASE: SshfsOptions = {
  source: 'backup@files.example:/srv/data',
  sshOptions: { Port: 2222, IdentityFile: '/etc/moor/id_ed25519', IdentitiesOnly: 'yes', UserKnownHostsFile: '/var/lib/moor/sshfs/v.known_hosts' },
  fuseOptions: ['reconnect', 'allow_other'],
  sshLogFile: '/var/lib/moor/sshfs/v.log',
};

/** The TypeError message of an invocation that must be refused. */
function refusal(o: Partial<SshfsOptions>, native = true): string {
  try {
    sshfsInvocation({ ...BASE, ...o }, native);
  } catch (e) {
    assert.instance(e, TypeError);
    return (e as Error).message;
  }
  assert.unreachable('accepted');
  return '';
}

const test = suite('sshfsInvocation');

test('native: ssh options pinned and forced, kernel options kept for mount(2), the rest for sshfs', () => {
  assert.equal(sshfsInvocation(BASE, true), {
    args: [
      '-F', '/dev/null',
      '-o', 'ssh_command=ssh -E /var/lib/moor/sshfs/v.log',
      '-p', '2222',
      '-o', 'IdentityFile=/etc/moor/id_ed25519',
      '-o', 'IdentitiesOnly=yes',
      '-o', 'UserKnownHostsFile=/var/lib/moor/sshfs/v.known_hosts',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes',
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'VerifyHostKeyDNS=no',
      '-o', 'UpdateHostKeys=no',
      '-o', 'reconnect',
    ],
    flags: MS_NOSUID | MS_NODEV,
    kernelOptions: ['allow_other'],
  });
});

test('sshfs mounting by itself: every FUSE option goes to sshfs, plus nosuid,nodev', () => {
  const inv = sshfsInvocation({ ...BASE, fuseOptions: ['reconnect', 'allow_other', 'ro'] }, false);
  assert.equal(inv.args.slice(-8), ['-o', 'reconnect', '-o', 'allow_other', '-o', 'ro', '-o', 'nosuid,nodev']);
  assert.equal(inv.kernelOptions, []);
});

test('ro, noexec, noatime become mount(2) flags; valued options stay with sshfs', () => {
  const inv = sshfsInvocation({ ...BASE, fuseOptions: ['ro', 'idmap=user', 'max_conns=4'] }, true);
  assert.is(inv.flags, MS_NOSUID | MS_NODEV | MS_RDONLY);
  assert.equal(inv.args.slice(-4), ['-o', 'idmap=user', '-o', 'max_conns=4']);
});

test('ssh option names in any case are spelled as ssh_config does; "port" is -p', () => {
  const inv = sshfsInvocation({ ...BASE, sshOptions: { port: 22, userknownhostsfile: '/k', serveraliveinterval: 15 }, fuseOptions: [] }, true);
  assert.equal(inv.args.slice(4), [
    '-p', '22',
    '-o', 'UserKnownHostsFile=/k',
    '-o', 'ServerAliveInterval=15',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'VerifyHostKeyDNS=no',
    '-o', 'UpdateHostKeys=no',
  ]);
});

test('values are escaped for libfuse (commas), ssh (spaces, quotes) and ssh path tokens (%)', () => {
  const inv = sshfsInvocation({ ...BASE, sshOptions: { ...BASE.sshOptions, IdentityFile: '/keys/my key,1%d' }, sshLogFile: '/logs/a,b.log' }, true);
  assert.ok(inv.args.includes('ssh_command=ssh -E /logs/a\\,b.log'));
  assert.ok(inv.args.includes('IdentityFile="/keys/my key\\,1%%d"'));
  assert.ok(sshfsInvocation({ ...BASE, fuseOptions: ['idmap=file', 'uidfile=/a,b'] }, true).args.includes('uidfile=/a\\,b'));
});

test('host-key checking cannot be weakened', () => {
  const ssh = BASE.sshOptions;
  assert.is(refusal({ sshOptions: { ...ssh, StrictHostKeyChecking: 'no' } }), 'ssh option StrictHostKeyChecking=no is refused: moor always uses StrictHostKeyChecking=yes');
  assert.match(refusal({ sshOptions: { ...ssh, stricthostkeychecking: 'accept-new' } }), /StrictHostKeyChecking=accept-new is refused/);
  assert.match(refusal({ sshOptions: { ...ssh, BatchMode: 'no' } }), /BatchMode=no is refused/);
  assert.match(refusal({ sshOptions: { ...ssh, GlobalKnownHostsFile: '/etc/ssh/ssh_known_hosts' } }), /GlobalKnownHostsFile=\/etc\/ssh\/ssh_known_hosts is refused/);
  assert.match(refusal({ sshOptions: { ...ssh, VerifyHostKeyDNS: 'yes' } }), /VerifyHostKeyDNS=yes is refused/);
  assert.is(refusal({ sshOptions: { IdentityFile: '/k' } }), 'ssh option UserKnownHostsFile is required: the file holding the pinned host key');
  // Accepted when they say what moor forces anyway.
  sshfsInvocation({ ...BASE, sshOptions: { ...ssh, StrictHostKeyChecking: 'yes', BatchMode: 'YES' } }, true);
});

test('options that would bypass ssh are refused, as ssh options or as sshfs options', () => {
  assert.is(refusal({ sshOptions: { ...BASE.sshOptions, directport: 22 } }), '"directport" is not an ssh option sshfs passes to ssh');
  assert.is(refusal({ sshOptions: { ...BASE.sshOptions, ssh_command: 'sh' } }), '"ssh_command" is not an ssh option sshfs passes to ssh');
  assert.match(refusal({ fuseOptions: ['ssh_command=sh -c x'] }), /^sshfs option ssh_command is refused/);
  assert.match(refusal({ fuseOptions: ['directport=22'] }), /^sshfs option directport is refused/);
  assert.match(refusal({ fuseOptions: ['passive'] }), /^sshfs option passive is refused/);
  assert.is(refusal({ fuseOptions: ['port=22'] }), 'sshfs option port is refused: give Port in sshOptions');
  assert.match(refusal({ fuseOptions: ['suid'] }), /^sshfs option suid is refused/);
  assert.match(refusal({ fuseOptions: ['fd=3'] }), /^sshfs option fd is refused/);
});

test('malformed input is a TypeError naming it', () => {
  assert.is(refusal({ source: '-oProxyCommand=x:/p' }), 'sshfs source "-oProxyCommand=x:/p" is not "user@host:/path"');
  assert.match(refusal({ source: 'no-colon' }), /is not "user@host:\/path"/);
  assert.match(refusal({ sshLogFile: 'relative.log' }), /sshLogFile "relative.log" must be an absolute path/);
  assert.match(refusal({ sshLogFile: '/with space/x.log' }), /without spaces or backslashes/);
  assert.is(refusal({ sshOptions: { ...BASE.sshOptions, Port: 0 } }), 'ssh option Port=0 is not a port number');
  assert.is(refusal({ sshOptions: { ...BASE.sshOptions, Port: '22 -oX' } }), 'ssh option Port=22 -oX is not a port number');
  assert.is(refusal({ sshOptions: { ...BASE.sshOptions, IdentityFile: 'id_ed25519' } }), 'ssh option IdentityFile=id_ed25519 must be an absolute path');
  assert.is(refusal({ sshOptions: { ...BASE.sshOptions, HostKeyAlias: 'a\nProxyCommand x' } }), 'ssh option HostKeyAlias has an empty value or a line break');
  assert.is(refusal({ fuseOptions: ['reconnect,allow_other'] }), 'FUSE option "reconnect,allow_other" is not "name" or "name=value"');
});

test.run();
