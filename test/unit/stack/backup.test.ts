import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stack } from '../../../core/stack/define.js';
import type { StackBuilder } from '../../../core/stack/define.js';
import { desired, normalize } from '../../fixtures/builders.js';

/** Volumes data and logs, containers db and app (app depends on db), an image; `job` declares the backup. */
function withJob(job: (b: StackBuilder, r: { data: ReturnType<StackBuilder['volume']>; logs: ReturnType<StackBuilder['volume']>; db: ReturnType<StackBuilder['container']>; app: ReturnType<StackBuilder['container']>; img: ReturnType<StackBuilder['image']> }) => void) {
  return stack('shop', (b) => {
    const img = b.image('tools', { build: { context: '.' } });
    const data = b.volume('data');
    const logs = b.volume('logs');
    const db = b.container('db', { image: img, mounts: [{ volume: data, target: '/data' }] });
    const app = b.container('app', { image: img, dependsOn: [db] });
    job(b, { data, logs, db, app, img });
  });
}

const fields = (def: ReturnType<typeof withJob>) => normalize(def).diagnostics.map((d) => `${d.resource} › ${d.field}: ${d.summary}`);

const spec = suite('backup(): the canonical job');

spec('defaults, sorted volumes, a resolved host path, the image reference, stop in start order', () => {
  const d = desired('shop', (b) => {
    const img = b.image('tools', { build: { context: '.' } });
    const data = b.volume('data');
    const logs = b.volume('logs');
    const db = b.container('db', { image: img });
    const app = b.container('app', { image: img, dependsOn: [db] });
    b.backup('nightly', { volumes: [logs, data], target: { hostPath: './archives' }, schedule: '0  3 * * *', stop: [app, db], image: img });
  });
  assert.equal(d.backups, [{
    kind: 'backup', name: 'nightly', volumes: ['data', 'logs'], target: { type: 'hostPath', path: '/srv/stacks/archives' },
    schedule: { cron: '0 3 * * *', timezone: 'UTC' }, keep: { last: 7, daily: 0, weekly: 0, monthly: 0 },
    stop: ['db', 'app'], hooks: { before: [], after: [] }, compression: 'gzip', image: 'shop-tools:latest',
  }]);
});

spec('an image given by reference becomes an implicit image resource, pulled when missing', () => {
  const d = desired('shop', (b) => {
    const data = b.volume('data');
    b.backup('nightly', { volumes: [data], target: { hostPath: '/srv/backups' }, schedule: '@daily', image: 'busybox:1.36' });
  });
  assert.is(d.backups[0]!.image, 'busybox:1.36');
  assert.ok(d.images.some((i) => i.name === 'busybox:1.36'));
});

const bad = suite('backup(): bad definitions are diagnostics naming the field');

bad('a bad cron, zstd, the target among the volumes, an unknown time zone', () => {
  const diags = fields(withJob((b, r) => b.backup('nightly', { volumes: [r.data], target: r.data, schedule: '61 * * * *', compression: 'zstd', image: r.img })));
  assert.equal(diags.length, 3, diags.join('\n'));
  assert.ok(diags.some((d) => d.startsWith('backup.nightly › schedule: minute 61 is out of range 0-59')), diags.join('\n'));
  assert.ok(diags.some((d) => d.startsWith('backup.nightly › compression: compression "zstd" is not supported yet')), diags.join('\n'));
  assert.ok(diags.some((d) => d.startsWith('backup.nightly › target: volume "data" is both archived and the target')), diags.join('\n'));
  const tz = fields(withJob((b, r) => b.backup('nightly', { volumes: [r.data], target: { hostPath: '/b' }, schedule: '0 3 * * *', timezone: 'Mars/Olympus', image: r.img })));
  assert.equal(tz.length, 1);
  assert.match(tz[0]!, /^backup\.nightly › timezone: unknown time zone "Mars\/Olympus"/);
});

bad('no volume; an empty hook command', () => {
  const diags = fields(withJob((b, r) => b.backup('nightly', { volumes: [], target: { hostPath: '/b' }, schedule: '0 3 * * *', hooks: { before: [{ exec: r.db, command: [] }] }, image: r.img })));
  assert.ok(diags.includes('backup.nightly › volumes: a backup job needs at least one volume'), diags.join('\n'));
  assert.ok(diags.some((d) => d.startsWith('backup.nightly › hooks.before[0].command: expected the command as a list')), diags.join('\n'));
});

spec.run();
bad.run();
