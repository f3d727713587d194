/**
 * Storage providers on the real engine: tmpfs, bind and NFS volumes (sshfs has its own file).
 *
 * - tmpfs: the container sees a tmpfs of the declared size, mode and owner at the mount point.
 * - bind: what the container writes appears in the host directory (relative to the stack file,
 *   created by apply); a directory removed by hand is drift, repaired by apply, which restarts the
 *   container using it; destroy removes the engine volumes and leaves the directory's data.
 * - a missing bind directory without create: a plan error naming file, resource and field.
 * - NFS: the engine volume carries exactly the expected options; an unreachable server and (on a
 *   host without an NFS client, like these machines) the missing client are plan errors before
 *   anything changes; with --skip-checks the container fails naming the volume and the reason.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hostLacksNfs } from '../../providers/nfs.js';
import { eventually, newPrefix, runMoor, show, sweepPrefix, withStack, type TestStack } from './helpers.js';

const prefix = newPrefix();
const pv = suite('e2e: storage providers');
pv.after(() => sweepPrefix(prefix));

/** A stack file importing the providers; `body` sees `img` (the busybox image) and the builders. */
function providerStack(s: TestStack, body: string): string {
  return `import { stack, tmpfs, bind, nfs } from 'moor';

export default stack(${JSON.stringify(s.name)}, ({ image, volume, container }) => {
  const img = image('tools', { build: { context: ${JSON.stringify(s.toolsContext)} } });
${body}
});
`;
}

async function volumeOptions(s: TestStack, resource: string): Promise<{ Driver: string; Options: Record<string, string> | null }> {
  return s.engine.request('GET', `/volumes/${encodeURIComponent(s.en(resource))}`);
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const REPORT = `'df -k /cache > /out/report.tmp; stat -c "mode=%a owner=%u:%g" /cache >> /out/report.tmp; grep " /cache " /proc/mounts >> /out/report.tmp; mv /out/report.tmp /out/report; exec sleep 3600'`;

pv('tmpfs of the declared size, mode and owner; bind directory on the host; drift repaired; destroy keeps the data', async () => {
  await withStack(prefix, 'tb', async (s) => {
    s.writeRaw(providerStack(s, `
  const cache = volume('cache', { provider: tmpfs({ size: '32m', mode: '1770', uid: 1234, gid: 5678 }) });
  const out = volume('out', { provider: bind({ path: './out', create: true }) });
  container('app', {
    image: img, command: ['sh', '-c', ${REPORT}],
    mounts: [{ volume: cache, target: '/cache' }, { volume: out, target: '/out' }],
    stopSignal: 'SIGKILL',
  });`));
    const outDir = path.join(s.dir, 'out');
    const plan = await s.plan();
    assert.is(plan.code, 0, show(plan));
    assert.match(plan.stdout, /\+ +volume cache +\(tmpfs 32 MiB in memory, mode 1770, owner 1234:5678; its data lives in memory and is lost when the last container using it stops\)/);
    assert.ok(plan.stdout.includes(`volume out  (host directory ${outDir})`), show(plan));

    const applied = await s.apply();
    assert.is(applied.code, 0, show(applied));
    assert.equal((await volumeOptions(s, 'cache')).Options, { type: 'tmpfs', device: 'tmpfs', o: 'size=33554432,mode=1770,uid=1234,gid=5678' });
    assert.equal((await volumeOptions(s, 'out')).Options, { type: 'none', o: 'bind', device: outDir });

    // Written by the container, read on the host: bind works, and the tmpfs is what was declared.
    const report = await eventually('the container wrote /out/report', async () => existsSync(path.join(outDir, 'report')) && readFileSync(path.join(outDir, 'report'), 'utf8'));
    assert.match(report, /^tmpfs\s+32768\s/m, report);
    assert.match(report, /mode=1770 owner=1234:5678/, report);
    assert.match(report, /^tmpfs \/cache tmpfs .*size=32768k/m, report);

    const again = await s.plan('--detailed-exitcode');
    assert.is(again.code, 0, `applied stack plans empty${show(again)}`);

    // The directory disappears behind the engine's back: drift, repaired by apply.
    rmSync(outDir, { recursive: true });
    const drift = await s.plan('--detailed-exitcode');
    assert.is(drift.code, 2, show(drift));
    assert.match(drift.stdout, new RegExp(`~ +volume out +\\(repair; the host directory ${outDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is gone \\(drift\\): apply repairs it, then restarts ${s.en('app')} so that it sees the repaired volume\\)`));
    const repaired = await s.apply();
    assert.is(repaired.code, 0, show(repaired));
    await eventually('the restarted container wrote its report into the recreated directory', async () => existsSync(path.join(outDir, 'report')));
    assert.is((await s.plan('--detailed-exitcode')).code, 0);

    // destroy (no --volumes): tmpfs and bind engine volumes go, since no data lives in them; the files stay.
    const destroyed = await s.destroy();
    assert.is(destroyed.code, 0, show(destroyed));
    assert.match(destroyed.stdout, /its data stays where it is \(host directory .*\): only the engine's volume is removed/);
    assert.equal((await s.labelled()).volumes, []);
    assert.ok(existsSync(path.join(outDir, 'report')), 'the bind directory keeps its files');
  });
});

pv('a tmpfs size change replaces the volume without a data-loss refusal', async () => {
  await withStack(prefix, 'resize', async (s) => {
    const body = (size: string) => `
  const cache = volume('cache', { provider: tmpfs({ size: '${size}' }) });
  container('app', { image: img, command: ['sleep', '3600'], mounts: [{ volume: cache, target: '/cache' }], stopSignal: 'SIGKILL' });`;
    s.writeRaw(providerStack(s, body('8m')));
    assert.is((await s.apply()).code, 0);
    s.writeRaw(providerStack(s, body('16m')));
    const plan = await s.plan();
    assert.match(plan.stdout, /-\/\+ volume cache .*provider\.options\.size changed.*its data lived in memory only/, show(plan));
    assert.match(plan.stdout, /~ provider\.options\.size: 8388608 → 16777216  # forces replacement/);
    assert.not.match(plan.stdout, /DATA LOSS/);
    const applied = await s.apply();
    assert.is(applied.code, 0, show(applied));
    assert.is((await volumeOptions(s, 'cache')).Options?.o, 'size=16777216');
  });
});

pv('a missing bind directory without create: true is a plan error naming file, resource and field; nothing is created', async () => {
  await withStack(prefix, 'nobind', async (s) => {
    s.writeRaw(providerStack(s, `
  const site = volume('site', { provider: bind({ path: './missing' }) });
  container('web', { image: img, command: ['sleep', '3600'], mounts: [{ volume: site, target: '/site' }] });`));
    const r = await s.apply();
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, new RegExp(`${s.relFile.replace(/[.]/g, '\\.')}:\\d+:\\d+ volume\\.site › provider\\.path: ${path.join(s.dir, 'missing').replace(/[.]/g, '\\.')} does not exist`), show(r));
    assert.match(r.stderr, /set create: true/);
    assert.is(await s.labelledCount(), 0, 'nothing was created');
  });
});

pv('nfs: exact engine options; unreachable server and a host without NFS client refused at plan time; the container error names volume and reason', async () => {
  await withStack(prefix, 'nfs', async (s) => {
    const port = await closedPort();
    s.writeRaw(providerStack(s, `
  const share = volume('share', { provider: nfs({ server: '127.0.0.1', port: ${port}, path: '/exports/share', version: 4.1, options: ['hard', 'timeo=600', 'nolock'] }) });
  container('app', { image: img, command: ['sleep', '3600'], mounts: [{ volume: share, target: '/share' }], stopSignal: 'SIGKILL' });`));
    const lacks = await hostLacksNfs();

    const plan = await s.plan();
    assert.is(plan.code, 1, show(plan));
    assert.match(plan.stderr, new RegExp(`volume\\.share › provider\\.server: NFS server 127\\.0\\.0\\.1 does not answer on port ${port}: connection refused`), show(plan));
    if (lacks) assert.match(plan.stderr, /volume\.share › provider: this host cannot mount NFS: its kernel \(.*\) has no NFS client/, show(plan));
    const refused = await s.apply();
    assert.is(refused.code, 1, show(refused));
    assert.is(await s.labelledCount(), 0, 'a refused plan changes nothing');

    // --skip-checks: the engine creates the volume with exactly these options…
    const forced = await s.apply('--skip-checks');
    assert.equal((await volumeOptions(s, 'share')).Options, {
      type: 'nfs', device: ':/exports/share', o: `addr=127.0.0.1,nfsvers=4.1,port=${port},hard,timeo=600,nolock`,
    });
    // …and the container cannot mount it: the error names the volume and the reason in plain words.
    assert.is(forced.code, 1, show(forced));
    const why = lacks ? /the engine's host cannot mount NFS: its kernel has no NFS client/ : /the NFS server 127\.0\.0\.1 refused the connection|did not answer in time/;
    assert.match(forced.stderr, new RegExp(`container ${s.en('app')} could not start: volume ${s.en('share')} \\(NFS v4\\.1 127\\.0\\.0\\.1:/exports/share port ${port}, options hard,timeo=600,nolock\\) could not be mounted at /share: ${why.source}`), show(forced));
    assert.match(forced.stderr, /The engine said: .*failed to mount local volume/);
    const gone = await s.destroy();
    assert.is(gone.code, 0, show(gone));
  });
});

pv('--skip-checks is refused by destroy (which checks nothing)', async () => {
  const r = await runMoor(['destroy', 'x.ts', '--skip-checks']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /moor destroy does not take --skip-checks/);
});

pv.run();
