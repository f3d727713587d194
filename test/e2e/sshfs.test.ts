/**
 * sshfs volumes on the real engine, against an sshd started by the test on 127.0.0.1 (Debian's
 * openssh-server, keys made for the test): a container writes to the volume and the file appears
 * in the server's directory; a dropped SSH connection is reconnected by sshfs; a mount unmounted by hand and a mount whose sshfs died are drift, shown
 * by plan and repaired by apply (users restarted onto the new mount); a wrong pinned host key is
 * refused with both fingerprints, at plan time and when mounting, and nothing is mounted; destroy
 * unmounts and leaves no FUSE mount behind; the remote data stays.
 *
 * Mounts go under the test's own MOOR_STATE_DIR; whatever a failing test leaves mounted there is
 * unmounted (lazily) in `finally`, before the directories are removed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mountState } from '../../native/fuse.js';
import { fingerprint, parseHostKey, type HostKey } from '../../providers/ssh-host-key.js';
import { otherHostKey, startSshd, type Sshd } from '../fixtures/sshd.js';
import { mountsUnder, unmountAll } from '../fixtures/mounts.js';
import { eventually, newPrefix, REPO, show, sweepPrefix, withStack, type TestStack } from './helpers.js';

const prefix = newPrefix();
const stateDir = path.join(REPO, 'test/.tmp', `${prefix}-state`);
const fs = suite('e2e: sshfs volumes');

fs.after(async () => {
  unmountAll(stateDir);
  try { execFileSync('chattr', ['-R', '-i', stateDir], { stdio: 'ignore' }); } catch { /* no attribute support, or gone */ }
  rmSync(stateDir, { recursive: true, force: true });
  await sweepPrefix(prefix);
});

function sshfsStack(s: TestStack, sshd: Sshd, hostKey = sshd.hostKey): string {
  return `import { stack, sshfs } from 'moor';

export default stack(${JSON.stringify(s.name)}, ({ image, volume, container }) => {
  const img = image('tools', { build: { context: ${JSON.stringify(s.toolsContext)} } });
  const remote = volume('remote', {
    provider: sshfs({
      host: '127.0.0.1', port: ${sshd.port}, user: 'root', path: ${JSON.stringify(sshd.remoteDir)},
      identityFile: ${JSON.stringify(sshd.identityFile)},
      hostKey: ${JSON.stringify(hostKey)},
    }),
  });
  container('app', {
    image: img,
    // One line per start: the test counts starts to see the repair restart it.
    command: ['sh', '-c', 'echo "started $(date +%s%N)" >> /remote/starts && exec sleep 3600'],
    mounts: [{ volume: remote, target: '/remote' }],
    stopSignal: 'SIGKILL',
  });
});
`;
}

const starts = (sshd: Sshd) => (existsSync(path.join(sshd.remoteDir, 'starts')) ? readFileSync(path.join(sshd.remoteDir, 'starts'), 'utf8').trim().split('\n').length : 0);
const key = (k: string) => parseHostKey(k) as HostKey;

async function withSshd(fn: (sshd: Sshd) => Promise<void>): Promise<void> {
  const sshd = await startSshd(prefix);
  try {
    await fn(sshd);
  } finally {
    unmountAll(stateDir);
    await sshd.stop();
  }
}

fs('apply mounts the remote directory; hand-unmounted and dead mounts are drift repaired by apply; destroy unmounts', async () => {
  await withSshd(async (sshd) => {
    await withStack(prefix, 'fs', async (s) => {
      s.writeRaw(sshfsStack(s, sshd));
      const mountpoint = path.join(stateDir, 'mounts', s.en('remote'));

      const plan = await s.plan();
      assert.is(plan.code, 0, show(plan));
      assert.ok(plan.stdout.includes(`volume remote  (sshfs root@127.0.0.1:${sshd.remoteDir} port ${sshd.port}, host key ${fingerprint(key(sshd.hostKey))})`), show(plan));

      const applied = await s.apply();
      assert.is(applied.code, 0, show(applied));
      const vol = await s.engine.request<{ Options: Record<string, string> }>('GET', `/volumes/${s.en('remote')}`);
      assert.equal(vol.Options, { type: 'none', o: 'bind', device: mountpoint });
      assert.is((await mountState(mountpoint, 3000)).state, 'mounted');
      // Written in the container, read in the server's directory.
      await eventually('the container wrote into the remote directory', async () => starts(sshd) === 1);
      assert.is((await s.plan('--detailed-exitcode')).code, 0, 'applied stack plans empty');

      // 0. The SSH connection drops (its ssh is killed): with reconnect (the default) sshfs connects
      //    again on the next access; the mount never stops being there.
      execFileSync('pkill', ['-KILL', '-f', `^ssh .*${s.en('remote')}\\.ssh\\.log`]);
      await eventually('a write through the mount succeeds after the reconnect', async () => {
        try {
          execFileSync('timeout', ['10', 'sh', '-c', `echo again > ${JSON.stringify(path.join(mountpoint, 'after-drop'))}`], { stdio: 'ignore' });
          return existsSync(path.join(sshd.remoteDir, 'after-drop'));
        } catch {
          return false;
        }
      });
      assert.is((await mountState(mountpoint, 3000)).state, 'mounted');
      assert.is((await s.plan('--detailed-exitcode')).code, 0, 'a reconnected mount is no drift');

      // 1. Unmounted by hand: drift; apply mounts again and restarts the container onto the new mount.
      execFileSync('umount', [mountpoint]);
      // The bare mountpoint is immutable: nothing (a container the engine starts now) can write there unseen.
      assert.throws(() => writeFileSync(path.join(mountpoint, 'lost'), 'x'), /EPERM|EACCES/);
      const drift = await s.plan('--detailed-exitcode');
      assert.is(drift.code, 2, show(drift));
      assert.match(drift.stdout, new RegExp(`~ +volume remote +\\(repair; the sshfs mount at ${mountpoint.replace(/[.]/g, '\\.')} is not there \\(unmounted, or the host restarted\\) \\(drift\\): apply repairs it, then restarts ${s.en('app')}`));
      const repaired = await s.apply();
      assert.is(repaired.code, 0, show(repaired));
      assert.is((await mountState(mountpoint, 3000)).state, 'mounted');
      await eventually('the container was restarted onto the new mount', async () => starts(sshd) === 2);
      assert.is((await s.plan('--detailed-exitcode')).code, 0);

      // 2. sshfs dies (network drop, OOM): the mount is there but dead; same repair.
      execFileSync('pkill', ['-KILL', '-f', `sshfs root@127.0.0.1:${sshd.remoteDir}`]);
      await eventually('the mount is dead', async () => (await mountState(mountpoint, 3000)).state === 'broken');
      const dead = await s.plan('--detailed-exitcode');
      assert.is(dead.code, 2, show(dead));
      assert.match(dead.stdout, /volume remote +\(repair; the sshfs mount at .* does not answer: Transport endpoint is not connected \(drift\)/);
      const revived = await s.apply();
      assert.is(revived.code, 0, show(revived));
      await eventually('the container was restarted onto the revived mount', async () => starts(sshd) === 3);
      assert.is((await s.container('app'))?.State.Running, true);

      // destroy: the engine volume goes, the mount goes, no FUSE mount is left; the remote data stays.
      const destroyed = await s.destroy();
      assert.is(destroyed.code, 0, show(destroyed));
      assert.equal(mountsUnder(stateDir), [], 'no mount left under the state dir');
      assert.not.ok(existsSync(mountpoint), 'the mountpoint is removed');
      assert.is(starts(sshd), 3, 'the remote files are untouched');
      assert.equal((await s.labelled()).volumes, []);
    }, { env: { MOOR_STATE_DIR: stateDir } });
  });
});

fs('a host key other than the pinned one is refused with both fingerprints, at plan time and when mounting; nothing is mounted', async () => {
  await withSshd(async (sshd) => {
    await withStack(prefix, 'key', async (s) => {
      const wrong = await otherHostKey(sshd);
      s.writeRaw(sshfsStack(s, sshd, wrong));
      const mountpoint = path.join(stateDir, 'mounts', s.en('remote'));
      const both = new RegExp(`offers host key ${fingerprint(key(sshd.hostKey)).replace(/[+/]/g, '\\$&')} \\(ssh-ed25519\\); the stack pins ${fingerprint(key(wrong)).replace(/[+/]/g, '\\$&')} \\(ssh-ed25519\\)`);

      const plan = await s.apply();
      assert.is(plan.code, 1, show(plan));
      assert.match(plan.stderr, /volume\.remote › provider\.hostKey: the SSH server 127\.0\.0\.1:\d+ offers host key/, show(plan));
      assert.match(plan.stderr, both);
      assert.is(await s.labelledCount(), 0, 'the plan was refused: nothing created');

      // Past the plan-time check, ssh itself refuses: the mount fails, nothing is mounted.
      const forced = await s.apply('--skip-checks');
      assert.is(forced.code, 1, show(forced));
      assert.match(forced.stderr, /sshfs root@127\.0\.0\.1:.* was not mounted: the SSH server/, show(forced));
      assert.match(forced.stderr, both);
      assert.equal(mountsUnder(stateDir), []);
      assert.is((await mountState(mountpoint, 3000)).state, 'absent');
      assert.is(await s.container('app'), undefined, 'no container was created on an unmounted volume');
    }, { env: { MOOR_STATE_DIR: stateDir } });
  });
});

fs.run();
