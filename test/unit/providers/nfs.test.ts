import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { explainNfs, hostLacksNfs, nfsProvider } from '../../../providers/nfs.js';
import { schema as nfsSchema } from '../../../providers/schemas/nfs.js';
import { closedPort, providerContext, REMOTE_HOST } from '../../fixtures/builders.js';

const parse = (input: Record<string, unknown>) => nfsSchema.parse({ server: '192.0.2.10', path: '/exports/share', ...input });
/** The messages a bad input gives, by option path. */
function refusal(input: Record<string, unknown>): Record<string, string> {
  const r = nfsSchema.safeParse({ server: '192.0.2.10', path: '/exports/share', ...input });
  assert.not.ok(r.success, `${JSON.stringify(input)} was accepted`);
  return Object.fromEntries(r.error!.issues.map((i) => [i.path.join('.'), i.message]));
}
const ctx = providerContext('share');

const schema = suite('nfs: options');

schema('unknown mount options are refused, known flags and key=value options pass', () => {
  assert.equal(parse({ options: ['hard', 'ro', 'timeo=600', 'nolock'] }).options, ['hard', 'ro', 'timeo=600', 'nolock']);
  assert.equal(refusal({ options: ['hard', 'bogus', 'hard=1'] }), {
    'options.1': '"bogus" is not an NFS mount option moor knows (see nfs(5)); e.g. "hard", "ro", "timeo=600"',
    'options.2': '"hard=1" is not an NFS mount option moor knows (see nfs(5)); e.g. "hard", "ro", "timeo=600"',
  });
  assert.equal(refusal({ options: ['timeo=600,ro'] }), { 'options.0': '"timeo=600,ro": the value must not contain commas or spaces' });
});

schema('addr=, nfsvers= and vers= come from the typed options and are refused in options', () => {
  assert.equal(refusal({ options: ['addr=192.0.2.11', 'nfsvers=3', 'vers=4'] }), {
    'options.0': '"addr" comes from the provider\'s server option; do not set it in options',
    'options.1': '"nfsvers" comes from the provider\'s version option; do not set it in options',
    'options.2': '"vers" comes from the provider\'s version option; do not set it in options',
  });
});

schema('the export path must be absolute; defaults are version 4 on port 2049', () => {
  assert.equal(refusal({ path: 'exports/share' }), { path: 'expected an absolute export path, e.g. "/exports/share"' });
  assert.equal(parse({}), { server: '192.0.2.10', path: '/exports/share', version: 4, port: 2049, options: [] });
});

schema.run();

const engine = suite('nfs: engine volume');

engine('a local-driver nfs volume: addr and version first, then the options; the export as device', () => {
  assert.equal(nfsProvider.toEngine(parse({ options: ['hard'] }), ctx), {
    driver: 'local', driverOpts: { type: 'nfs', o: 'addr=192.0.2.10,nfsvers=4,hard', device: ':/exports/share' },
  });
});

engine('port= only when the port is not 2049; a bracketed IPv6 address is written bare', () => {
  assert.is(nfsProvider.toEngine(parse({ port: 2050, version: 4.1 }), ctx).driverOpts.o, 'addr=192.0.2.10,nfsvers=4.1,port=2050');
  assert.is(nfsProvider.toEngine(parse({ server: '[2001:db8::1]' }), ctx).driverOpts.o, 'addr=2001:db8::1,nfsvers=4');
  assert.is(nfsProvider.describe(parse({ options: ['hard', 'ro'] })), 'NFS v4 192.0.2.10:/exports/share, options hard,ro');
});

engine.run();

const kernel = suite('nfs: hostLacksNfs');
let dir = '';
kernel.before.each(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'moor-nfs-test-')); });
kernel.after.each(() => { rmSync(dir, { recursive: true, force: true }); });

/** A fake /proc/filesystems with these lines, and an empty modules directory. */
function fakeHost(filesystems: string[]): { fs: string; modules: string } {
  const fs = path.join(dir, 'filesystems');
  writeFileSync(fs, filesystems.map((f) => `nodev\t${f}\n`).join(''));
  const modules = path.join(dir, 'modules');
  mkdirSync(modules);
  return { fs, modules };
}

kernel('nfs or nfs4 in /proc/filesystems: the host can mount NFS', async () => {
  for (const fsName of ['nfs', 'nfs4']) {
    const h = fakeHost(['tmpfs', fsName]);
    assert.is(await hostLacksNfs(h.fs, h.modules), undefined, fsName);
    rmSync(h.modules, { recursive: true });
  }
});

kernel('no nfs (nfsd, the server, does not count) and no module: why, naming both places', async () => {
  const h = fakeHost(['tmpfs', 'nfsd']);
  const why = await hostLacksNfs(h.fs, h.modules);
  assert.match(why ?? '', `no nfs in ${h.fs}, no nfs module under ${h.modules}`);
  assert.match(why ?? '', /^its kernel \(.+\) has no NFS client/);
});

kernel('an nfs module the kernel loads on demand counts', async () => {
  const h = fakeHost(['tmpfs']);
  mkdirSync(path.join(h.modules, 'kernel/fs/nfs'), { recursive: true });
  assert.is(await hostLacksNfs(h.fs, h.modules), undefined);
});

kernel.run();

const check = suite('nfs: plan-time check');

check('a server that does not answer is an error on "server"; --skip-checks makes no check', async () => {
  const port = await closedPort();
  const o = parse({ server: '127.0.0.1', port });
  // A remote engine: only the server is probed, not this host's kernel.
  assert.equal(await nfsProvider.check!(o, ctx, REMOTE_HOST), [{
    severity: 'error', field: 'server',
    summary: `NFS server 127.0.0.1 does not answer on port ${port}: connection refused`,
    detail: 'Check the address and the firewall. `moor plan --skip-checks` plans without this check (for machines that cannot reach the server).',
  }]);
  assert.equal(await nfsProvider.check!(o, ctx, { ...REMOTE_HOST, skipChecks: true }), []);
});

check.run();

const explain = suite('nfs: explainNfs');

explain('the kernel\'s terse mount errors in plain words', () => {
  const o = parse({ options: ['hard'] });
  assert.is(explainNfs(o, 'mount :/exports/share: no such device'), 'the engine\'s host cannot mount NFS: its kernel has no NFS client (the kernel said "no such device")');
  assert.is(explainNfs(o, 'dial tcp: connection refused'), 'the NFS server 192.0.2.10 refused the connection on port 2049');
  assert.is(explainNfs(o, 'mount: permission denied'), 'the server refused to export 192.0.2.10:/exports/share to the engine\'s host');
  assert.is(explainNfs(o, 'mount: invalid argument'), 'the kernel rejected the NFS mount options (addr=192.0.2.10,nfsvers=4,hard) for 192.0.2.10:/exports/share');
  assert.is(explainNfs(o, 'something else entirely'), undefined);
});

explain.run();
