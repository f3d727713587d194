/** Where helpers mount volumes and which archive paths they read and write: pure functions. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { basename, describeVolume, dirname, locate, volumeSubPath } from '../../../core/volume-data/archive.js';

const sub = suite('volumeSubPath');

sub('normalized: no leading, trailing or doubled slashes; empty means the root', () => {
  assert.is(volumeSubPath(undefined, 'toSub'), undefined);
  assert.is(volumeSubPath('', 'toSub'), undefined);
  assert.is(volumeSubPath('/', 'toSub'), undefined);
  assert.is(volumeSubPath('payload/', 'toSub'), 'payload');
  assert.is(volumeSubPath('/a//b/', 'toSub'), 'a/b');
});

sub('"." and ".." parts are refused, naming the option', () => {
  assert.throws(() => volumeSubPath('../etc', 'fromSub'), /fromSub "..\/etc" must not contain "." or ".." parts/);
  assert.throws(() => volumeSubPath('a/./b', 'toSub'), /toSub "a\/.\/b"/);
});

sub.run();

const loc = suite('locate');

loc('the root is mounted at <base>/<top>, so its tar entries are named <top>/…', () => {
  assert.equal(locate('/dst', undefined, 'payload'), { target: '/dst/payload', path: '/dst/payload', top: 'payload' });
  assert.equal(locate('/src', undefined), { target: '/src/data', path: '/src/data', top: 'data' });
});

loc('a sub directory is read under the mount base and brings its own name', () => {
  assert.equal(locate('/src', 'stash/payload', 'ignored'), { target: '/src', path: '/src/stash/payload', top: 'payload' });
});

loc('path helpers and descriptions', () => {
  assert.is(basename('/dst/a/payload'), 'payload');
  assert.is(dirname('/dst/a/payload'), '/dst/a');
  assert.is(dirname('/data'), '/');
  assert.is(describeVolume('v'), 'volume v');
  assert.is(describeVolume('s', 'payload'), 'volume s (payload/)');
});

loc.run();
