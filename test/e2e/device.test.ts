/**
 * device(): an ext4 file system on a loop device, used by a container through the local driver.
 * - apply: the engine volume carries type/device/o exactly; the container sees the device mounted
 *   as ext4 with the options; an applied stack plans empty.
 * - a container replacement (env changed) keeps the data: the file written before is still there.
 * - an options change is a replacement of the engine volume whose data stays on the device (not a
 *   data loss, not a copy); after it the file is still there.
 * - destroy removes the engine volume; the file system and its file stay on the device.
 * - a path that is not a block device is a plan error naming the stack file and provider.device.
 * The loop device is detached in `finally`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execInContainer } from '../../core/engine/exec.js';
import { newPrefix, REPO, show, sweepPrefix, withStack, type TestStack } from './helpers.js';

const prefix = newPrefix();
const dv = suite('e2e: device() volumes');
dv.after(() => sweepPrefix(prefix));

function deviceStack(s: TestStack, dev: string, options: string, env: string): string {
  return `import { stack, device } from 'moor';

export default stack(${JSON.stringify(s.name)}, ({ image, volume, container }) => {
  const img = image('tools', { build: { context: ${JSON.stringify(s.toolsContext)} } });
  const disk = volume('disk', { provider: device({ device: ${JSON.stringify(dev)}, type: 'ext4', options: ${JSON.stringify(options)} }) });
  container('app', {
    image: img, command: ['sh', '-c', 'exec sleep 3600'], env: { RUN: ${JSON.stringify(env)} },
    mounts: [{ volume: disk, target: '/disk' }], stopSignal: 'SIGKILL',
  });
});
`;
}

const sh = (s: TestStack, script: string) => execInContainer(s.engine, s.en('app'), ['sh', '-c', script], { timeoutMs: 10_000 });

dv('ext4 on a loop device: mounted with its options, data survives a container replacement and an options change, destroy leaves it', async () => {
  const dir = path.join(REPO, 'test/.tmp', prefix);
  mkdirSync(dir, { recursive: true });
  const img = path.join(dir, 'disk.img');
  writeFileSync(img, Buffer.alloc(0));
  execFileSync('truncate', ['-s', '16M', img]);
  execFileSync('mkfs.ext4', ['-q', '-F', img]);
  const loop = execFileSync('losetup', ['-f', '--show', img], { encoding: 'utf8' }).trim();
  try {
    await withStack(prefix, 'dev', async (s) => {
      s.writeRaw(deviceStack(s, loop, 'noatime', 'one'));
      const plan = await s.plan();
      assert.is(plan.code, 0, show(plan));
      assert.ok(plan.stdout.includes(`volume disk  (ext4 on block device ${loop} (noatime)`), show(plan));
      const applied = await s.apply();
      assert.is(applied.code, 0, show(applied));
      const vol = await s.engine.request<{ Driver: string; Options: Record<string, string> }>('GET', `/volumes/${s.en('disk')}`);
      assert.equal([vol.Driver, vol.Options], ['local', { type: 'ext4', device: loop, o: 'noatime' }]);
      const mounted = await sh(s, 'grep " /disk " /proc/mounts; echo kept > /disk/data');
      assert.is(mounted.exitCode, 0, mounted.stderr);
      assert.match(mounted.stdout, new RegExp(`^${loop} /disk ext4 [^ ]*noatime`));
      const empty = await s.plan('--detailed-exitcode');
      assert.is(empty.code, 0, `applied stack plans empty${show(empty)}`);

      // A container replacement: the new container mounts the same file system.
      s.writeRaw(deviceStack(s, loop, 'noatime', 'two'));
      const replaced = await s.apply();
      assert.is(replaced.code, 0, show(replaced));
      assert.match(replaced.stdout, /Apply complete: 0 created, 0 updated, 1 replaced, 0 removed\./, show(replaced));
      assert.is((await sh(s, 'cat /disk/data')).stdout, 'kept\n');

      // Options changed: the engine volume is replaced; the data stays on the device.
      s.writeRaw(deviceStack(s, loop, 'relatime', 'two'));
      const changed = await s.plan();
      assert.match(changed.stdout, /volume disk[\s\S]*provider\.options\.options: "noatime" → "relatime"/, show(changed));
      assert.match(changed.stdout, /its data stays where it is \(ext4 on block device/, show(changed));
      assert.not.match(changed.stdout, /data loss|DESTROYS/i, show(changed));
      const reapplied = await s.apply();
      assert.is(reapplied.code, 0, show(reapplied));
      const after = await sh(s, 'grep " /disk " /proc/mounts; cat /disk/data');
      assert.match(after.stdout, /ext4 [^ ]*relatime[\s\S]*kept\n$/, after.stdout);
      assert.is((await s.plan('--detailed-exitcode')).code, 0);

      const destroyed = await s.destroy();
      assert.is(destroyed.code, 0, show(destroyed));
      assert.equal((await s.labelled()).volumes, []);
      // The file system and its file are still on the device.
      const listed = execFileSync('debugfs', ['-R', 'cat /data', loop], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      assert.is(listed, 'kept\n');

      // Not a block device: a plan error naming the file and the field.
      s.writeRaw(deviceStack(s, img, 'noatime', 'two'));
      const bad = await s.plan();
      assert.is(bad.code, 1, show(bad));
      assert.match(bad.stderr, new RegExp(`${s.relFile}:\\d+.*volume\\.disk.*provider\\.device[\\s\\S]*${img.replace(/[.]/g, '\\.')} is not a block device`), show(bad));
    });
  } finally {
    execFileSync('losetup', ['-d', loop]);
  }
});

dv.run();
