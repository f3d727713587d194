import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildManifest, compareManifests, type ManifestEntry } from '../../../core/volume-data/manifest.js';
import { canonical, ofVolume, underVolume } from '../../../core/backup/tree.js';

const e = (path: string, type: ManifestEntry['type'], extra: Partial<ManifestEntry> = {}): ManifestEntry => ({ path, type, mode: 0o644, uid: 0, gid: 0, size: 0, ...extra });

const tree = suite('backup trees');

tree('a volume read on its own sits under its name in the archive, and comes back out', () => {
  const m = buildManifest([e('.', 'directory'), e('a', 'file', { size: 1, sha256: 'x' }), e('b', 'hardlink', { linkname: 'a' }), e('l', 'symlink', { linkname: '/etc' })]);
  const under = underVolume('data', m);
  assert.equal(under.map((x) => [x.path, x.linkname ?? null]), [['data', null], ['data/a', null], ['data/b', 'data/a'], ['data/l', '/etc']]);
  assert.equal(ofVolume('data', [...under, e('logs/x', 'file')]), m.entries);
});

tree('two writers picking different members of a hard-link group as the file compare equal', () => {
  const one = [e('d', 'directory'), e('d/a', 'file', { size: 3, sha256: 'h' }), e('d/b', 'hardlink', { linkname: 'd/a' })];
  const two = [e('d', 'directory'), e('d/b', 'file', { size: 3, sha256: 'h' }), e('d/a', 'hardlink', { linkname: 'd/b' })];
  assert.equal(compareManifests(canonical(one), canonical(two)), []);
  // Different content still differs.
  const three = [e('d', 'directory'), e('d/b', 'file', { size: 3, sha256: 'other' }), e('d/a', 'hardlink', { linkname: 'd/b' })];
  assert.equal(compareManifests(canonical(one), canonical(three)), ['d/a: sha256 differs']);
});

tree.run();
