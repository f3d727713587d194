import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMountinfoField, mountAt, parseMountinfo } from '../../../native/mountinfo.js';

// Lines as this machine's kernel wrote them (6.x): a shared root, docker's bind of an sshfs mount,
// an sshfs mount whose path and source hold a space, a tab and a backslash.
const MOUNTINFO = [
  '27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '43 27 0:39 / /var/lib/moor/mounts/t1-data rw,nosuid,nodev,relatime - fuse.sshfs root@127.0.0.1:/srv/data rw,user_id=0,group_id=0,allow_other',
  '48 42 0:39 / /var/lib/docker/volumes/t1-data/_data rw,nosuid,nodev,relatime shared:3 master:2 - fuse.sshfs root@127.0.0.1:/srv/data rw,user_id=0,group_id=0,allow_other',
  '50 27 0:41 / /mnt/a\\040b\\011c\\134d rw,nosuid,nodev,relatime - fuse.sshfs me@host:/x\\040y rw,user_id=0,group_id=0',
  '',
].join('\n');

const decode = suite('decodeMountinfoField');

decode('decodes the four octal escapes the kernel writes', () => {
  assert.is(decodeMountinfoField('a\\040b\\011c\\012d\\134e'), 'a b\tc\nd\\e');
});

decode('leaves anything else as written', () => {
  assert.is(decodeMountinfoField('/plain/path'), '/plain/path');
  assert.is(decodeMountinfoField('back\\slash\\9\\08'), 'back\\slash\\9\\08');
  assert.is(decodeMountinfoField('/caf\u00e9'), '/caf\u00e9');
});

decode.run();

const parse = suite('parseMountinfo');

parse('reads mountpoint, fstype, source and both option lists, with or without optional fields', () => {
  const [root, moor, docker] = parseMountinfo(MOUNTINFO);
  assert.equal(root, { mountpoint: '/', options: ['rw', 'relatime'], fstype: 'ext4', source: '/dev/vda', superOptions: ['rw'] });
  assert.equal(moor, {
    mountpoint: '/var/lib/moor/mounts/t1-data',
    options: ['rw', 'nosuid', 'nodev', 'relatime'],
    fstype: 'fuse.sshfs',
    source: 'root@127.0.0.1:/srv/data',
    superOptions: ['rw', 'user_id=0', 'group_id=0', 'allow_other'],
  });
  assert.is(docker!.mountpoint, '/var/lib/docker/volumes/t1-data/_data'); // two optional fields before "-"
  assert.is(docker!.fstype, 'fuse.sshfs');
});

parse('decodes escaped paths and sources', () => {
  const e = parseMountinfo(MOUNTINFO)[3]!;
  assert.is(e.mountpoint, '/mnt/a b\tc\\d');
  assert.is(e.source, 'me@host:/x y');
});

parse('skips blank and malformed lines', () => {
  assert.equal(parseMountinfo('\nnot a mountinfo line\n1 2 3 4 5 6 -\n'), []);
});

parse('reads the real /proc/self/mountinfo: "/" is mounted', async () => {
  const { readFileSync } = await import('node:fs');
  assert.ok(parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).some((e) => e.mountpoint === '/'));
});

parse.run();

const at = suite('mountAt');

at('finds the mount at exactly that path, not one below or above it', () => {
  const entries = parseMountinfo(MOUNTINFO);
  assert.is(mountAt(entries, '/var/lib/moor/mounts/t1-data')?.source, 'root@127.0.0.1:/srv/data');
  assert.is(mountAt(entries, '/var/lib/moor/mounts'), undefined);
  assert.is(mountAt(entries, '/var/lib/moor/mounts/t1'), undefined);
  assert.is(mountAt(entries, '/var/lib/moor/mounts/t1-data/sub'), undefined);
  assert.is(mountAt(entries, '/mnt/a b\tc\\d')?.source, 'me@host:/x y');
});

at('of stacked mounts, the last one: the one a path lookup sees', () => {
  const stacked = `${MOUNTINFO}60 43 0:50 / /var/lib/moor/mounts/t1-data rw,relatime - tmpfs tmpfs rw\n`;
  assert.is(mountAt(parseMountinfo(stacked), '/var/lib/moor/mounts/t1-data')?.fstype, 'tmpfs');
});

at.run();
