/** ArchiveSafety: every header of an archive checked in order before a restore writes anything. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ArchiveSafety, type ArchiveSafetyOptions, type TarEntryHeader } from '../../../core/backup/archive-safety.js';

const dir = (name: string): TarEntryHeader => ({ name, type: 'directory' });
const file = (name: string): TarEntryHeader => ({ name, type: 'file' });
const symlink = (name: string, linkname: string): TarEntryHeader => ({ name, type: 'symlink', linkname });
const hardlink = (name: string, linkname: string): TarEntryHeader => ({ name, type: 'link', linkname });

/** Check `entries` in order through one ArchiveSafety: every answer, null for the accepted ones. */
function checkAll(entries: TarEntryHeader[], options?: ArchiveSafetyOptions): (string | null)[] {
  const safety = new ArchiveSafety(options);
  return entries.map((e) => safety.check(e));
}

/** The answer for the last entry, after all earlier ones were accepted. */
function last(entries: TarEntryHeader[], options?: ArchiveSafetyOptions): string | null {
  const answers = checkAll(entries, options);
  assert.equal(answers.slice(0, -1), answers.slice(0, -1).map(() => null), `earlier entries accepted: ${answers.join(' | ')}`);
  return answers.at(-1)!;
}

const ok = suite('ArchiveSafety: legitimate archives');

ok('nested directories, files, relative links inside the volume, hard links to earlier files, FIFOs', () => {
  const entries = [
    dir('./'),
    dir('./data/'),
    file('./data/a.txt'),
    dir('./data/sub/'),
    dir('./data/sub/deeper/'),
    file('./data/sub/deeper/b.bin'),
    symlink('./data/link', 'sub/deeper/b.bin'),
    symlink('./data/sub/up', '../a.txt'),
    symlink('./data/sub/deeper/top', '../..'), // the volume's own directory
    symlink('./data/self', '.'),
    symlink('./data/dangling', 'not/there/yet'),
    hardlink('./data/hard', './data/a.txt'),
    hardlink('./data/sub/hard2', 'data/hard'), // to an earlier hard link, without "./"
    { name: './data/pipe', type: 'fifo' },
    { name: './data/old', type: 'contiguous-file' },
    dir('./logs/'),
    file('./logs/app.log'),
  ];
  assert.equal(checkAll(entries), entries.map(() => null));
});

ok('names without "./", with duplicate slashes or "." components', () => {
  const entries = [dir('data'), file('data//x'), file('data/./y'), dir('.//data/z/'), file('././data/z//w'), hardlink('data/h', 'data//z/./w')];
  assert.equal(checkAll(entries), entries.map(() => null));
});

ok('a top-level regular file (a manifest) is allowed', () => {
  assert.is(last([file('moor-backup.json')]), null);
});

ok('a link whose target goes through an earlier link into the same volume', () => {
  assert.is(last([dir('data/'), dir('data/releases/v2/'), file('data/releases/v2/config.yml'), symlink('data/current', 'releases/v2'), symlink('data/config', 'current/config.yml')]), null);
  // The same links in the other order.
  assert.is(last([dir('data/'), dir('data/releases/v2/'), symlink('data/config', 'current/config.yml'), symlink('data/current', 'releases/v2')]), null);
});

ok('the volumes option accepts the listed volumes', () => {
  assert.equal(checkAll([dir('./'), dir('./db/'), file('./db/x'), dir('media/'), file('media/y'), file('manifest.json')], { volumes: ['db', 'media'] }), [null, null, null, null, null, null]);
});

const names = suite('ArchiveSafety: names');

names('absolute names', () => {
  assert.is(last([file('/etc/passwd')]), 'refusing to restore: "/etc/passwd" is an absolute path');
  assert.is(last([dir('//data/')]), 'refusing to restore: "//data/" is an absolute path');
});

names('".." components, wherever they are', () => {
  assert.is(last([file('../etc/passwd')]), 'refusing to restore: "../etc/passwd" has a ".." component');
  assert.is(last([dir('data/'), file('./data/../../x')]), 'refusing to restore: "./data/../../x" has a ".." component');
  // Even one that would stay inside: nothing legitimate writes it.
  assert.is(last([dir('data/'), file('data/a/../b')]), 'refusing to restore: "data/a/../b" has a ".." component');
  assert.is(last([dir('data/'), dir('data/..')]), 'refusing to restore: "data/.." has a ".." component');
});

names('a NUL byte, and an entry with no name that is not the root directory', () => {
  assert.is(last([file('data/a\0b')]), 'refusing to restore: "data/a\\u0000b" has a NUL byte in its name');
  assert.is(last([file('./')]), 'refusing to restore: "./" has no name');
  assert.is(last([dir('.')]), null);
});

names('with the volumes option, anything outside them', () => {
  assert.is(last([dir('other/')], { volumes: ['db'] }), 'refusing to restore: "other/" is not one of this backup\'s volumes (db)');
  assert.is(last([file('other/x')], { volumes: ['db', 'media'] }), 'refusing to restore: "other/x" is not in one of this backup\'s volumes (db, media)');
});

const types = suite('ArchiveSafety: types');

types('device nodes are refused; unknown types too', () => {
  assert.is(last([dir('data/'), { name: 'data/sda', type: 'block-device' }]), 'refusing to restore: "data/sda" is a block device, which moor does not restore');
  assert.is(last([dir('data/'), { name: 'data/tty', type: 'character-device' }]), 'refusing to restore: "data/tty" is a character device, which moor does not restore');
  assert.is(last([dir('data/'), { name: 'data/x', type: null }]), 'refusing to restore: "data/x" has type unknown, which moor does not restore');
  assert.is(last([dir('data/'), { name: 'data/x' }]), 'refusing to restore: "data/x" has type unknown, which moor does not restore');
  assert.is(last([dir('data/'), { name: 'data/x', type: 'pax-global-header' }]), 'refusing to restore: "data/x" has type "pax-global-header", which moor does not restore');
});

types('only directories and regular files at the top level', () => {
  assert.is(last([symlink('data', '/var/lib/docker')]), 'refusing to restore: "data" is a symbolic link at the top of the archive, where only volume directories belong');
  assert.is(last([file('x'), hardlink('data', 'x')]), 'refusing to restore: "data" is a hard link at the top of the archive, where only volume directories belong');
  assert.is(last([{ name: './pipe', type: 'fifo' }]), 'refusing to restore: "./pipe" is a FIFO at the top of the archive, where only volume directories belong');
});

const symlinks = suite('ArchiveSafety: symbolic links');

symlinks('an absolute target points outside the volume', () => {
  assert.is(last([dir('data/'), symlink('data/passwd', '/etc/passwd')]), 'refusing to restore: "data/passwd" is a symbolic link to the absolute path "/etc/passwd", outside the volume');
});

symlinks('a relative target that leaves the volume, even to come back', () => {
  assert.is(last([dir('data/'), dir('data/a/'), symlink('data/a/l', '../../..')]), 'refusing to restore: "data/a/l" is a symbolic link to "../../..", which leads outside the volume');
  // Into another volume of the same archive.
  assert.is(last([dir('data/'), dir('logs/'), symlink('data/l', '../logs/app.log')]), 'refusing to restore: "data/l" is a symbolic link to "../logs/app.log", which leads outside the volume');
  // Out and back in: the volume's parent is not the archive's root once it is mounted.
  assert.is(last([dir('data/'), symlink('data/l', '../data/x')]), 'refusing to restore: "data/l" is a symbolic link to "../data/x", which leads outside the volume');
  assert.is(last([dir('data/'), symlink('data/l', '')]), 'refusing to restore: "data/l" is a symbolic link without a target');
});

symlinks('an entry through an earlier link, or replacing it, is refused (extracting would follow the link)', () => {
  assert.is(last([dir('data/'), dir('data/sub/'), symlink('data/l', 'sub'), file('data/l/x')]), 'refusing to restore: "data/l/x" goes through the symbolic link "data/l"');
  assert.is(last([dir('data/'), symlink('data/l', 'sub'), dir('data/l/deep/')]), 'refusing to restore: "data/l/deep/" goes through the symbolic link "data/l"');
  assert.is(last([dir('data/'), symlink('data/l', 'a'), file('data/l')]), 'refusing to restore: "data/l" would replace the symbolic link "data/l"');
  assert.is(last([dir('data/'), symlink('data/l', 'a'), symlink('./data/l', 'b')]), 'refusing to restore: "./data/l" would replace the symbolic link "data/l"');
});

symlinks('nothing but a directory may replace a directory of the archive, listed or implied by an earlier entry', () => {
  assert.is(last([dir('data/'), dir('data/d/'), symlink('data/d', 'x')]), 'refusing to restore: "data/d" would replace the directory "data/d"');
  assert.is(last([dir('data/'), file('data/d/f'), symlink('data/d', 'x')]), 'refusing to restore: "data/d" would replace the directory "data/d"');
  assert.is(last([dir('data/'), file('data/d/f'), file('./data/d')]), 'refusing to restore: "./data/d" would replace the directory "data/d"');
  assert.is(last([dir('data/'), dir('data/d/'), dir('data/d')]), null);
  // A file may be replaced (tar appends a newer version of a file).
  assert.is(last([dir('data/'), file('data/f'), file('data/f')]), null);
});

symlinks('a target through an earlier link follows it', () => {
  // data/d/up → data; so data/x → data/d/up/.. is above the volume.
  assert.is(last([dir('data/'), dir('data/d/'), symlink('data/d/up', '..'), symlink('data/x', 'd/up/..')]), 'refusing to restore: "data/x" is a symbolic link to "d/up/..", which leads outside the volume');
  assert.is(last([dir('data/'), symlink('data/abs', 'sub'), symlink('data/sub', '../..')]), 'refusing to restore: "data/sub" is a symbolic link to "../..", which leads outside the volume');
});

symlinks('a later link that an earlier target went through re-checks it', () => {
  assert.is(
    last([dir('data/'), dir('data/d/'), symlink('data/x', 'd/up/..'), symlink('data/d/up', '..')]),
    'refusing to restore: "data/d/up" is a symbolic link to "..", through which the earlier link "data/x" leads outside the volume',
  );
  // Two levels: data/y goes through data/x, which goes through data/d/up.
  assert.is(
    last([dir('data/'), dir('data/d/'), symlink('data/x', 'd/up'), symlink('data/y', 'x/../..'), symlink('data/d/up', '.')]),
    'refusing to restore: "data/d/up" is a symbolic link to ".", through which the earlier link "data/y" leads outside the volume',
  );
});

symlinks('a loop of links through each other is refused (it cannot be resolved)', () => {
  assert.is(
    last([dir('data/'), symlink('data/a', 'b/x'), symlink('data/b', 'a/y')]),
    'refusing to restore: "data/b" is a symbolic link to "a/y", through which the earlier link "data/a" goes through more than 40 symbolic links',
  );
});

const hard = suite('ArchiveSafety: hard links');

hard('the target must be an earlier file of the same volume', () => {
  assert.is(last([dir('data/'), hardlink('data/h', '/etc/shadow')]), 'refusing to restore: "data/h" is a hard link to the absolute path "/etc/shadow"');
  assert.is(last([dir('data/'), hardlink('data/h', 'data/../etc/shadow')]), 'refusing to restore: "data/h" is a hard link to "data/../etc/shadow", which has a ".." component');
  assert.is(last([dir('data/'), hardlink('data/h', 'data/later')]), 'refusing to restore: "data/h" is a hard link to "data/later", which is not an earlier file of the archive');
  assert.is(last([dir('data/'), dir('logs/'), file('logs/x'), hardlink('data/h', 'logs/x')]), 'refusing to restore: "data/h" is a hard link to "logs/x", in another volume');
  assert.is(last([dir('data/'), hardlink('data/h', '')]), 'refusing to restore: "data/h" is a hard link without a target');
});

hard('not to a directory or a symbolic link', () => {
  assert.is(last([dir('data/'), dir('data/d/'), hardlink('data/h', 'data/d')]), 'refusing to restore: "data/h" is a hard link to "data/d", which is a directory');
  assert.is(last([dir('data/'), symlink('data/s', 'x'), hardlink('data/h', 'data/s')]), 'refusing to restore: "data/h" is a hard link to "data/s", which is a symbolic link');
});

hard('a target reached through a link is refused', () => {
  // A link cannot replace data/real (a directory), so the only way would be the link's own path.
  const safety = new ArchiveSafety();
  for (const e of [dir('data/'), dir('data/real/'), file('data/real/f')]) assert.is(safety.check(e), null);
  assert.is(safety.check(symlink('data/alias', 'real')), null);
  assert.is(safety.check(hardlink('data/h', 'data/alias/f')), 'refusing to restore: "data/h" is a hard link to "data/alias/f", which is not an earlier file of the archive');
});

const state = suite('ArchiveSafety: state');

state('each archive its own checker: links of one archive do not affect another', () => {
  const a = new ArchiveSafety();
  assert.is(a.check(symlink('data/l', 'sub')), null);
  const b = new ArchiveSafety();
  assert.is(b.check(file('data/l/x')), null);
  assert.is(a.check(file('data/l/x')), 'refusing to restore: "data/l/x" goes through the symbolic link "data/l"');
});

const property = suite('ArchiveSafety: random archives');

/** A small deterministic PRNG (mulberry32): the same archives on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The kernel's view once the whole archive is on disk: does following `link` (every component, the
 * last one too) ever go above the volume? A loop is not an escape.
 */
function escapes(link: string, links: Map<string, string>): boolean {
  let at = link.split('/').slice(0, -1);
  let rest = links.get(link)!.split('/');
  for (let hops = 0; rest.length > 0; ) {
    const c = rest.shift()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (at.length <= 1) return true;
      at.pop();
      continue;
    }
    at.push(c);
    const target = links.get(at.join('/'));
    if (target !== undefined) {
      if (target.startsWith('/')) return true;
      if (++hops > 40) return false;
      at.pop();
      rest = [...target.split('/'), ...rest];
    }
  }
  return false;
}

property('an accepted archive has no link that leads outside its volume, in any entry order', () => {
  const next = random(42);
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]!;
  const paths = ['v/l1', 'v/a/l2', 'v/a/b/l3', 'v/c/l4', 'v/a/l5'];
  const parts = ['..', '..', '.', 'a', 'b', 'c', 'l1', 'l2', 'l3', 'l4', 'l5'];
  let accepted = 0;
  let refused = 0;
  for (let round = 0; round < 3000; round++) {
    const links = new Map<string, string>();
    for (const p of paths) {
      if (next() < 0.6) links.set(p, Array.from({ length: 1 + Math.floor(next() * 4) }, () => pick(parts)).join('/'));
    }
    const entries = [dir('v/'), dir('v/a/'), dir('v/a/b/'), dir('v/c/'), ...[...links].map(([p, t]) => symlink(p, t))];
    // Shuffle the links (directories first, as tar writes a directory before its contents).
    for (let i = entries.length - 1; i > 4; i--) {
      const j = 4 + Math.floor(next() * (i - 3));
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
    const safety = new ArchiveSafety();
    if (entries.every((e) => safety.check(e) === null)) {
      accepted++;
      for (const link of links.keys()) assert.not.ok(escapes(link, links), `${link} escapes: ${JSON.stringify([...links])}`);
    } else {
      refused++;
    }
  }
  // Both outcomes are common: the property is not vacuous.
  assert.ok(accepted > 300 && refused > 300, `accepted ${accepted}, refused ${refused}`);
});

ok.run();
names.run();
types.run();
symlinks.run();
hard.run();
state.run();
property.run();
