import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fingerprint, parseHostKey, type HostKey } from '../../../providers/ssh-host-key.js';
import { hostKeyRefusal, sshfsProvider, sshOptions } from '../../../providers/sshfs.js';
import { schema as sshfsSchema } from '../../../providers/schemas/sshfs.js';
import { LOCAL_HOST, providerContext, REMOTE_HOST } from '../../fixtures/builders.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJoyO0ttJv8nWgRoYT7NKeEdn5K+zXTJUllqHTa5oO2B';
const OTHER = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFgDJx2PVJGDhlakqmZBOI5w2Vcj6oaCj0/E7ltbu3jC';
const BASE = { host: 'files.example', user: 'backup', path: '/srv/data', identityFile: './keys/id_ed25519', hostKey: `${KEY} root@files` };

const ctx = providerContext('remote', '/srv/stacks/shop.ts');
const options = (input: Record<string, unknown> = {}) => sshfsProvider.resolve!(sshfsSchema.parse({ ...BASE, ...input }), ctx);
const hostKey = (line: string) => parseHostKey(line) as HostKey;

/** Run with MOOR_STATE_DIR set, restoring it after. */
function withStateDir<T>(dir: string, f: () => T): T {
  const was = process.env.MOOR_STATE_DIR;
  process.env.MOOR_STATE_DIR = dir;
  try {
    return f();
  } finally {
    if (was === undefined) delete process.env.MOOR_STATE_DIR;
    else process.env.MOOR_STATE_DIR = was;
  }
}

const schema = suite('sshfs: options');

schema('the host key is validated; the remote path must be absolute', () => {
  const r = sshfsSchema.safeParse({ ...BASE, hostKey: 'ssh-ed25519 AAAA$$', path: 'srv/data' });
  assert.not.ok(r.success);
  assert.equal(Object.fromEntries(r.error!.issues.map((i) => [i.path.join('.'), i.message])), {
    path: 'expected an absolute remote path, e.g. "/srv/data"',
    hostKey: 'the key is not valid base64',
  });
});

schema('resolve: the identity file against the stack file, the host key without its comment', () => {
  const o = options();
  assert.is(o.identityFile, '/srv/stacks/keys/id_ed25519');
  assert.is(o.hostKey, KEY);
  assert.is(options({ identityFile: '/root/.ssh/id' }).identityFile, '/root/.ssh/id');
  assert.equal([o.port, o.reconnect, o.keepAlive, o.readOnly], [22, true, 15, false]);
});

schema.run();

const engine = suite('sshfs: engine volume and ssh options');

engine('the engine volume binds moor\'s mount point <MOOR_STATE_DIR>/mounts/<engine name>', () => {
  withStateDir('/tmp/moor-state', () => {
    assert.equal(sshfsProvider.toEngine(options(), ctx), {
      driver: 'local', driverOpts: { type: 'none', o: 'bind', device: '/tmp/moor-state/mounts/shop-remote' },
    });
  });
});

engine('ssh checks the pinned key strictly, under a per-volume alias, and logs in with the key only', () => {
  const ssh = withStateDir('/tmp/moor-state', () => sshOptions(options(), 'shop-remote'));
  assert.is(ssh.StrictHostKeyChecking, 'yes');
  assert.is(ssh.HostKeyAlias, 'moor-shop-remote');
  assert.is(ssh.UserKnownHostsFile, '/tmp/moor-state/sshfs/shop-remote.known_hosts');
  assert.is(ssh.IdentityFile, '/srv/stacks/keys/id_ed25519');
  assert.equal([ssh.IdentitiesOnly, ssh.BatchMode, ssh.PasswordAuthentication], ['yes', 'yes', 'no']);
  assert.equal([ssh.ServerAliveInterval, ssh.ServerAliveCountMax], [15, 3]);
  assert.not.ok('ServerAliveInterval' in sshOptions(options({ keepAlive: 0 }), 'shop-remote'));
});

engine('describe names the target and the pinned key\'s fingerprint', () => {
  assert.is(sshfsProvider.describe(options({ port: 2222, readOnly: true })), `sshfs backup@files.example:/srv/data port 2222, read-only, host key ${fingerprint(hostKey(KEY))}`);
});

engine.run();

const check = suite('sshfs: plan-time check');

check('a remote engine is an error: moor mounts sshfs on this host', async () => {
  const findings = await sshfsProvider.check!(options(), ctx, REMOTE_HOST);
  assert.equal(findings.map((f) => f.severity), ['error']);
  assert.match(findings[0]!.summary, 'the engine is at tcp://192.0.2.5:2376');
});

check('an identity file that cannot be read is an error on identityFile (--skip-checks: no network)', async () => {
  const o = options({ identityFile: '/nonexistent/moor-test/id_ed25519' });
  const findings = await sshfsProvider.check!(o, ctx, { ...LOCAL_HOST, skipChecks: true });
  assert.equal(findings.filter((f) => f.field === 'identityFile'), [
    { severity: 'error', field: 'identityFile', summary: 'the identity file /nonexistent/moor-test/id_ed25519 cannot be read' },
  ]);
  assert.not.ok(findings.some((f) => f.field === 'host' || f.field === 'hostKey'), 'the server was contacted');
});

check('a refused host key names the offered and the pinned fingerprints', () => {
  const text = hostKeyRefusal(options(), [hostKey(OTHER)]);
  assert.match(text, `offers host key ${fingerprint(hostKey(OTHER))} (ssh-ed25519)`);
  assert.match(text, `the stack pins ${fingerprint(hostKey(KEY))} (ssh-ed25519)`);
  assert.match(text, 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
  assert.match(hostKeyRefusal(options(), []), 'offers host key (none)');
});

check.run();
