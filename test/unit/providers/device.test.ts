import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deviceProvider, parseFilesystems } from '../../../providers/device.js';
import { schema } from '../../../providers/schemas/device.js';
import { LOCAL_HOST, providerContext, REMOTE_HOST } from '../../fixtures/builders.js';

const ctx = providerContext('disk', '/srv/stacks/shop.ts');
const parse = (input: unknown) => schema.safeParse(input);

const pure = suite('device: options and engine volume');

pure('the engine volume is the local driver with type, device and o (o only when options are given)', () => {
  assert.equal(deviceProvider.toEngine(parse({ device: '/dev/loop3', type: 'ext4', options: 'noatime' }).data!, ctx), {
    driver: 'local', driverOpts: { type: 'ext4', device: '/dev/loop3', o: 'noatime' },
  });
  assert.equal(deviceProvider.toEngine(parse({ device: '/dev/sdb1', type: 'xfs' }).data!, ctx), { driver: 'local', driverOpts: { type: 'xfs', device: '/dev/sdb1' } });
  assert.is(deviceProvider.describe(parse({ device: '/dev/loop3', type: 'ext4', options: 'noatime' }).data!), 'ext4 on block device /dev/loop3 (noatime)');
  assert.is(deviceProvider.data, 'external');
});

pure('the schema refuses a relative device, an odd type, spaced options and unknown keys', () => {
  assert.equal(parse({ device: 'dev/sdb1', type: 'ext4' }).error?.issues.map((i) => i.path.join('.')), ['device']);
  assert.equal(parse({ device: '/dev/sdb1', type: 'Ext 4' }).error?.issues.map((i) => i.path.join('.')), ['type']);
  assert.equal(parse({ device: '/dev/sdb1', type: 'ext4', options: 'noatime, discard' }).error?.issues.map((i) => i.path.join('.')), ['options']);
  assert.equal(parse({ device: '/dev/sdb1', type: 'ext4', mkfs: true }).error?.issues.map((i) => i.code), ['unrecognized_keys']);
});

pure('/proc/filesystems: block file systems and nodev ones', () => {
  const fs = parseFilesystems('nodev\tsysfs\nnodev\ttmpfs\n\text3\n\text4\n');
  assert.equal([...fs], [['sysfs', false], ['tmpfs', false], ['ext3', true], ['ext4', true]]);
});

pure('a mount error is explained in the volume\'s terms', () => {
  const o = parse({ device: '/dev/loop3', type: 'ext4' }).data!;
  assert.match(deviceProvider.explainMountError!(o, 'wrong fs type, bad option, bad superblock on /dev/loop3')!, '/dev/loop3 does not hold a ext4 file system');
  assert.is(deviceProvider.explainMountError!(o, 'something else'), undefined);
});

pure.run();

const host = suite('device: plan-time checks');
let dir = '';
host.before.each(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'moor-device-test-')); });
host.after.each(() => { rmSync(dir, { recursive: true, force: true }); });
const check = (input: Record<string, unknown>, h = LOCAL_HOST) => deviceProvider.check!(parse(input).data!, ctx, h);

host('a missing device and a file that is not a block device are errors naming the device', async () => {
  const missing = path.join(dir, 'nope');
  assert.equal(await check({ device: missing, type: 'ext4' }), [{ severity: 'error', field: 'device', summary: `${missing} does not exist on this host` }]);
  const file = path.join(dir, 'disk.img');
  writeFileSync(file, 'x');
  const found = await check({ device: file, type: 'ext4' });
  assert.equal(found.map((f) => [f.severity, f.field, f.summary]), [['error', 'device', `${file} is not a block device`]]);
});

host('tmpfs or nfs as the type point at their own providers', async () => {
  const found = await check({ device: '/dev/loop0', type: 'tmpfs' });
  assert.equal(found.map((f) => [f.severity, f.field]), [['error', 'type']]);
  assert.match(found[0]!.summary, 'use tmpfs()');
});

host('a remote engine: a warning that the device cannot be checked, nothing read here', async () => {
  const found = await check({ device: path.join(dir, 'nope'), type: 'ext4' }, REMOTE_HOST);
  assert.equal(found.map((f) => [f.severity, f.field]), [['warning', 'device']]);
  assert.match(found[0]!.summary, 'tcp://192.0.2.5:2376');
});

host.run();
