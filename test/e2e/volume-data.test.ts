/**
 * Volume data through the Engine API only, on the real engine: a volume of a few thousand files
 * (binary, empty, nested, empty directories, symlinks, a dangling one, a hardlink, special modes,
 * foreign owners) copied into a directory of a second volume and from there into a third, every
 * manifest identical; a corrupted copy found; the helpers never left behind.
 *
 * Volumes are named `<prefix>-<slug>-…`, so the helper containers (`<volume>.moor-helper-…`) are
 * swept with them. The helper image moor-helper:1 is shared and stays.
 * MOOR_E2E_COPY_MB=200 adds a throughput run that copies that many MB of random data.
 */
import { createHash, randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import tarStream from 'tar-stream';
import { putArchive } from '../../core/volume-data/archive.js';
import {
  compareManifests,
  copyVolume,
  ensureHelperImage,
  HELPER_IMAGE,
  manifestDigest,
  manifestFromTar,
  measureVolume,
  readFile,
  readManifest,
  VolumeCopyError,
  withHelper,
  writeFile,
  type Manifest,
} from '../../core/volume-data/index.js';
import { readBody } from '../../core/volume-data/stream.js';
import { localReadsPossible, manifestFromDir, manifestFromDirOffThread, proveLocalEngine, provenVolumeDir, readVolumeFileLocally, writeVolumeFileLocally } from '../../core/volume-data/local.js';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { planTreeCopy } from '../../core/volume-data/dir-scan.js';
import { copyTree } from '../../core/volume-data/dir-copy.js';
import { pumpInto } from '../../core/volume-data/tee.js';
import { EngineClient } from '../../core/engine/client.js';
import { inspectContainer, newPrefix, sweepEngine, sweepPrefix } from './helpers.js';
import { packEntries, type TarEntry } from '../fixtures/tar.js';

const prefix = newPrefix();
const client = new EngineClient();
const vd = suite('e2e: volume data');
vd.after(async () => {
  try {
    await sweepPrefix(prefix);
  } finally {
    client.close();
  }
});

/** Create volumes `<prefix>-<slug>-<name>`, run `fn`, and remove everything named `<prefix>-<slug>-…`, failed or not. */
async function withVolumes(slug: string, names: string[], fn: (v: Record<string, string>) => Promise<void>): Promise<void> {
  const base = `${prefix}-${slug}`;
  const v = Object.fromEntries(names.map((n) => [n, `${base}-${n}`]));
  let failure: unknown;
  try {
    for (const name of Object.values(v)) await client.request('POST', '/volumes/create', { body: { Name: name } });
    await fn(v);
  } catch (e) {
    failure = e;
  }
  try {
    await sweepEngine(client, base);
  } catch (e) {
    if (failure === undefined) failure = e;
    else console.error(`cleanup of ${base} failed too: ${(e as Error).message}`);
  }
  if (failure !== undefined) throw failure;
}

type Entry = TarEntry;

/** Write a tar of `entries` (named `data/…`) into the volume through the archive API, streamed. */
async function populate(volume: string, entries: Iterable<Entry>): Promise<void> {
  await withHelper(client, [{ name: volume, target: '/data', readOnly: false }], {}, async (h) => {
    const upload = await putArchive(client, h.id, '/');
    const pack = tarStream.pack();
    const answered = upload.response.then(readBody);
    const pumping = pumpInto(pack as AsyncIterable<unknown> as AsyncIterable<Uint8Array>, [upload.body], answered);
    await packEntries(pack, entries);
    await pumping;
    await answered;
  });
}

/** The manifest of a tar of `entries`, computed locally: what the engine should read back. */
async function expectedManifest(entries: Entry[]): Promise<Manifest> {
  const pack = tarStream.pack();
  const manifest = manifestFromTar(pack as AsyncIterable<unknown> as AsyncIterable<Uint8Array>, 'data');
  await packEntries(pack, entries);
  return manifest;
}

/**
 * A tree of 3000 small files in 150 nested directories, binary files of a few hundred KB,
 * empty files and directories, symlinks (one dangling, one absolute), a hardlink, modes
 * 0600/0755/04755/01777, owners 1234:5678, a long and a non-ASCII name. The root is 0750 1234:5678.
 */
function sampleTree(): Entry[] {
  const dir = (name: string, mode = 0o755, uid = 0, gid = 0): Entry => ({ header: { name: `data/${name}/`, type: 'directory', mode, uid, gid } });
  const file = (name: string, content: Buffer, mode = 0o644, uid = 0, gid = 0): Entry => ({ header: { name: `data/${name}`, mode, uid, gid }, content });
  const entries: Entry[] = [{ header: { name: 'data/', type: 'directory', mode: 0o750, uid: 1234, gid: 5678 } }];
  for (let d = 0; d < 30; d++) {
    const top = `d${String(d).padStart(2, '0')}`;
    entries.push(dir(top, d % 3 === 0 ? 0o700 : 0o755, d % 2 ? 1234 : 0, d % 2 ? 5678 : 0));
    for (let s = 0; s < 5; s++) {
      entries.push(dir(`${top}/s${s}`));
      for (let f = 0; f < 20; f++) {
        const body = Buffer.concat([Buffer.from(`file ${top}/s${s}/f${f}\n`), randomBytes((d * 131 + s * 17 + f * 7) % 700)]);
        entries.push(file(`${top}/s${s}/f${String(f).padStart(2, '0')}`, body, f % 4 === 0 ? 0o600 : 0o644, f % 5 === 0 ? 1234 : 0, f % 5 === 0 ? 5678 : 0));
      }
    }
  }
  entries.push(
    dir('bin'),
    file('bin/big1', randomBytes(300_000), 0o755),
    file('bin/big2', randomBytes(450_000), 0o600, 1234, 5678),
    file('bin/suid', randomBytes(1000), 0o4755),
    // A hardlink carries the inode's metadata: the engine applies its header to the shared inode.
    { header: { name: 'data/bin/suid-hard', type: 'link', linkname: 'data/bin/suid', mode: 0o4755 } },
    dir('empty'),
    dir('empty/nested-empty', 0o700, 1234, 5678),
    dir('sticky', 0o1777),
    file('sticky/empty-file', Buffer.alloc(0)),
    file('sticky/empty-owned', Buffer.alloc(0), 0o600, 1234, 5678),
    dir('links'),
    // Symlinks are always 0777 on Linux.
    { header: { name: 'data/links/to-file', type: 'symlink', linkname: '../bin/big1', mode: 0o777 } },
    { header: { name: 'data/links/to-dir', type: 'symlink', linkname: '../d00/s0', mode: 0o777 } },
    { header: { name: 'data/links/dangling', type: 'symlink', linkname: '../does/not/exist', mode: 0o777 } },
    { header: { name: 'data/links/absolute', type: 'symlink', linkname: '/etc/passwd', mode: 0o777 } },
    dir('names'),
    file(`names/${'l'.repeat(120)}-long-name.txt`, Buffer.from('long\n')),
    file('names/héllo wörld ✓.txt', Buffer.from('unicode\n')),
  );
  return entries;
}

vd('the helper image is imported once, labelled, and shared by concurrent callers', async () => {
  const refs = await Promise.all([1, 2, 3, 4].map(() => ensureHelperImage(client)));
  assert.equal(refs, [HELPER_IMAGE, HELPER_IMAGE, HELPER_IMAGE, HELPER_IMAGE]);
  const image = await client.request<{ Config: { Cmd: string[]; Labels: Record<string, string> } }>('GET', `/images/${HELPER_IMAGE}/json`);
  assert.equal(image.Config.Cmd, ['/moor-helper']);
  assert.is(image.Config.Labels['moor.helper'], '1');
});

vd('a helper is labelled, never started, and removed even when its work fails', () =>
  withVolumes('helper', ['v'], async (v) => {
    let name = '';
    try {
      await withHelper(client, [{ name: v.v!, target: '/data', readOnly: true }], { purpose: 'moor-e2e' }, async (h) => {
        name = h.name;
        assert.match(h.name, new RegExp(`^${v.v}\\.moor-helper-[0-9a-f]{6}$`));
        const c = await inspectContainer(client, h.id);
        assert.is(c?.Config.Labels?.['moor.helper'], '1');
        assert.is(c?.Config.Labels?.purpose, 'moor-e2e');
        assert.is(c?.State.Status, 'created');
        assert.equal(c?.Mounts.map((m) => [m.Name, m.Destination, m.RW]), [[v.v, '/data', false]]);
        throw new Error('the work failed');
      });
      assert.unreachable('no error');
    } catch (e) {
      assert.is((e as Error).message, 'the work failed');
    }
    assert.is(await inspectContainer(client, name), undefined, 'the helper is gone');
    try {
      await withHelper(client, [{ name: `${v.v}-missing`, target: '/data', readOnly: true }], {}, async () => undefined);
      assert.unreachable('no error');
    } catch (e) {
      assert.match((e as Error).message, `volume ${v.v}-missing does not exist`);
    }
    const volumes = await client.request<{ Volumes: { Name: string }[] | null }>('GET', '/volumes', { query: { filters: JSON.stringify({ name: [`${v.v}-missing`] }) } });
    assert.equal(volumes.Volumes ?? [], [], 'a helper never creates a volume');
  }));

vd('3000 files copied into a stash directory and back out into a fresh volume: identical manifests', () =>
  withVolumes('copy', ['src', 'stash', 'restored'], async (v) => {
    const tree = sampleTree();
    const expected = await expectedManifest(tree);
    assert.ok(expected.files > 3000, `${expected.files} files`);
    await populate(v.src!, tree);

    const original = await readManifest(client, v.src!);
    assert.equal(compareManifests(expected, original), [], 'the engine stored the tree as written');
    const root = original.entries[0]!;
    assert.equal([root.path, root.mode, root.uid, root.gid], ['.', 0o750, 1234, 5678]);

    const stashed = await copyVolume(client, v.src!, v.stash!, { toSub: 'payload' });
    assert.equal(compareManifests(original, stashed), []);
    const inStash = await readManifest(client, v.stash!, 'payload');
    assert.equal(compareManifests(original, inStash), [], 'the stash holds the same tree');
    assert.is(manifestDigest(inStash), manifestDigest(original));

    // The marker the stash keeps at its root, next to the payload.
    assert.is(await readFile(client, v.stash!, 'manifest.json'), null);
    await writeFile(client, v.stash!, 'manifest.json', Buffer.from(JSON.stringify(stashed)));
    const marker = JSON.parse((await readFile(client, v.stash!, 'manifest.json'))!.toString()) as Manifest;
    assert.equal(compareManifests(marker, inStash), []);

    const restored = await copyVolume(client, v.stash!, v.restored!, { fromSub: 'payload' });
    assert.equal(compareManifests(original, restored), []);
    const back = await readManifest(client, v.restored!);
    assert.equal(compareManifests(original, back), [], 'the fresh volume holds the original tree, root mode and owner included');
    assert.is(manifestDigest(back), manifestDigest(original));

    const size = await measureVolume(client, v.restored!);
    assert.equal(size, { bytes: original.bytes, files: original.files });
    const by = Object.fromEntries(back.entries.map((e) => [e.path, e]));
    assert.is(by['bin/suid']?.mode, 0o4755);
    assert.equal([by['bin/big2']?.uid, by['bin/big2']?.gid, by['bin/big2']?.mode], [1234, 5678, 0o600]);
    assert.is(by['bin/big2']?.sha256, createHash('sha256').update(tree.find((e) => e.header.name === 'data/bin/big2')!.content!).digest('hex'));
    assert.equal([by['bin/suid-hard']?.type, by['bin/suid-hard']?.linkname], ['hardlink', 'bin/suid']);
    assert.equal([by['links/dangling']?.type, by['links/dangling']?.linkname], ['symlink', '../does/not/exist']);
    assert.is(by['sticky']?.mode, 0o1777);
    assert.is(by['empty/nested-empty']?.type, 'directory');
  }));

vd('a corrupted file in a copy is found, and named alone', () =>
  withVolumes('corrupt', ['src', 'dst'], async (v) => {
    await populate(v.src!, [
      { header: { name: 'data/', type: 'directory', mode: 0o755 } },
      { header: { name: 'data/a/', type: 'directory', mode: 0o755 } },
      { header: { name: 'data/a/f', mode: 0o644 }, content: Buffer.from('precious\n') },
      { header: { name: 'data/a/g', mode: 0o644 }, content: Buffer.from('other\n') },
    ]);
    const copied = await copyVolume(client, v.src!, v.dst!);
    await writeFile(client, v.dst!, 'a/f', Buffer.from('tampered\n'));
    assert.equal(compareManifests(copied, await readManifest(client, v.dst!)), ['a/f: sha256 differs']);
  }));

vd('a copy from a source of known manifest is verified against that manifest, not against the stream', () =>
  withVolumes('expected', ['src', 'dst', 'dst2'], async (v) => {
    await populate(v.src!, [
      { header: { name: 'data/', type: 'directory', mode: 0o755 } },
      { header: { name: 'data/a/', type: 'directory', mode: 0o755 } },
      { header: { name: 'data/a/f', mode: 0o644 }, content: Buffer.from('precious\n') },
      { header: { name: 'data/a/g', mode: 0o644 }, content: Buffer.from('other\n') },
    ]);
    const known = await readManifest(client, v.src!);
    const copied = await copyVolume(client, v.src!, v.dst!, { expected: known });
    assert.equal(compareManifests(known, copied), []);
    assert.equal(compareManifests(known, await readManifest(client, v.dst!)), [], 'the destination holds the source');
    // The source changed since its manifest was taken: the copy is faithful to the stream, and
    // still refused, since the destination is not what the caller knows the source to hold.
    await writeFile(client, v.src!, 'a/f', Buffer.from('tampered\n'));
    try {
      await copyVolume(client, v.src!, v.dst2!, { expected: known });
      assert.unreachable('no error');
    } catch (e) {
      assert.instance(e, VolumeCopyError);
      assert.equal((e as VolumeCopyError).differences, ['a/f: sha256 differs']);
    }
  }));

vd('a copy refuses a destination that is not empty, and a missing source leaves the destination untouched', () =>
  withVolumes('refuse', ['src', 'dst'], async (v) => {
    await writeFile(client, v.src!, 'f', Buffer.from('x'));
    await writeFile(client, v.dst!, 'payload/already', Buffer.from('y'));
    const before = await readManifest(client, v.dst!);
    for (const [opts, message] of [
      [{ toSub: 'payload' }, 'the destination is not empty'],
      [{}, 'the destination is not empty'],
      [{ fromSub: 'nothere', toSub: 'nothere' }, `the source volume ${v.src} (nothere/) does not exist`],
      [{ fromSub: 'a', toSub: 'b' }, 'the directories must have the same name (a ≠ b)'],
    ] as const) {
      try {
        await copyVolume(client, v.src!, v.dst!, opts);
        assert.unreachable(`no error for ${JSON.stringify(opts)}`);
      } catch (e) {
        assert.instance(e, VolumeCopyError);
        assert.match((e as Error).message, message);
      }
    }
    assert.equal(compareManifests(before, await readManifest(client, v.dst!)), [], 'the destination is untouched');
  }));

vd('a local engine: a volume read from its directory gives the manifest GET archive gives, every entry kind; the proof leaves nothing', () =>
  withVolumes('local', ['src', 'stash', 'other'], async (v) => {
    const dir = (name: string, mode = 0o755, uid = 0, gid = 0): Entry => ({ header: { name: `data/${name}/`, type: 'directory', mode, uid, gid } });
    const file = (name: string, content: Buffer, mode = 0o644, uid = 0, gid = 0): Entry => ({ header: { name: `data/${name}`, mode, uid, gid }, content });
    const link = (name: string, to: string): Entry => ({ header: { name: `data/${name}`, type: 'link', linkname: `data/${to}` } });
    const tree: Entry[] = [
      ...sampleTree(),
      dir('setgid', 0o2775, 0, 4321),
      dir('setgid/sticky-setgid', 0o3777, 999, 999),
      file('setgid/sgid-file', randomBytes(100), 0o2755, 7, 8),
      // Hardlinks whose tar order is not the engine's walk order: the engine names the link
      // after the first path it walks to ('a/…' before 'z/…'), as the local read must.
      dir('z'), file('z/orig', randomBytes(5000), 0o4750, 999, 999), dir('a'), link('a/link', 'z/orig'), link('a.b', 'z/orig'), link('z/again', 'z/orig'),
      dir('a/b'), file('a/b/c', Buffer.from('c')), file('a-b', Buffer.from('dash sorts before slash')),
      { header: { name: 'data/special/fifo', type: 'fifo', mode: 0o620, uid: 5, gid: 6 } },
      { header: { name: 'data/special/null', type: 'character-device', mode: 0o666, devmajor: 1, devminor: 3 } },
      { header: { name: 'data/special/self-link', type: 'symlink', linkname: 'self-link' } },
    ];
    await populate(v.src!, tree);
    const viaApi = await readManifest(client, v.src!);
    assert.ok(viaApi.entries.some((e) => e.type === 'other'), 'the engine kept the fifo and the device');

    if (!localReadsPossible(client)) {
      assert.is(await proveLocalEngine(client, v.stash!), false);
      console.log('  (not root on a local socket: the local read is not tried, the API path is the only one)');
      return;
    }
    assert.is(await provenVolumeDir(client, v.src!), null, 'nothing is read locally before the proof');
    assert.ok(await proveLocalEngine(client, v.stash!), 'the local engine is proven');
    assert.equal((await readManifest(client, v.stash!)).entries.map((e) => e.path), ['.'], 'the probe is gone');
    const srcDir = await provenVolumeDir(client, v.src!);
    assert.ok(srcDir, 'a volume of the proven volumes directory is read locally');
    const local = await manifestFromDir(srcDir!);
    assert.equal(local, viaApi, 'the same manifest, entry for entry');
    assert.equal(await manifestFromDirOffThread(srcDir!), viaApi, 'the same from a worker thread');
    assert.equal(await manifestFromDirOffThread(srcDir!, 10), viaApi, 'the same from a worker thread at a lower priority');
    assert.is(manifestDigest(local), manifestDigest(viaApi));
    const by = Object.fromEntries(local.entries.map((e) => [e.path, e]));
    assert.equal([by['a.b']?.type, by['a.b']?.linkname, by['z/orig']?.type, by['z/orig']?.linkname], ['hardlink', 'a/link', 'hardlink', 'a/link']);

    // A copy into a sub directory read back locally, and a copy reading back what was tampered with.
    const stashed = await copyVolume(client, v.src!, v.stash!, { toSub: 'payload', localReadBack: true, localSource: true });
    assert.equal(stashed, viaApi);
    assert.equal(await manifestFromDir(path.join((await provenVolumeDir(client, v.stash!))!, 'payload')), viaApi);
    await writeFile(client, v.src!, 'a/b/c', Buffer.from('C'));
    try {
      await copyVolume(client, v.stash!, v.other!, { fromSub: 'payload', expected: await readManifest(client, v.src!), localReadBack: true });
      assert.unreachable('no error');
    } catch (e) {
      assert.instance(e, VolumeCopyError);
      assert.equal((e as VolumeCopyError).differences, ['a/b/c: sha256 differs']);
    }
  }));

/** The phases (MOOR_PHASE_TIMES) `work` went through, by name. */
async function phasesOf<T>(work: () => Promise<T>): Promise<{ result: T; phases: string[] }> {
  const before = process.env.MOOR_PHASE_TIMES;
  const write = process.stderr.write;
  const phases: string[] = [];
  process.env.MOOR_PHASE_TIMES = '1';
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const m = /^moor-phase: (\S+) /.exec(chunk.toString());
    if (m) phases.push(m[1]!);
    else return (write as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: await work(), phases };
  } finally {
    process.stderr.write = write;
    if (before === undefined) delete process.env.MOOR_PHASE_TIMES;
    else process.env.MOOR_PHASE_TIMES = before;
  }
}

vd('a local engine: a copy from directory to directory holds what GET archive gave of the source, read back through the API too; a fifo, a capability or a destination in the way: through the API', () =>
  withVolumes('dircopy', ['src', 'stash', 'restored', 'special', 'special-stash', 'cap', 'cap-stash'], async (v) => {
    const dir = (name: string, mode = 0o755, uid = 0, gid = 0): Entry => ({ header: { name: `data/${name}/`, type: 'directory', mode, uid, gid } });
    const file = (name: string, content: Buffer, mode = 0o644, uid = 0, gid = 0): Entry => ({ header: { name: `data/${name}`, mode, uid, gid }, content });
    const mtime = new Date(Date.UTC(2020, 1, 3, 4, 5, 6));
    const tree: Entry[] = [
      ...sampleTree(),
      dir('setgid', 0o2775, 0, 4321),
      file('setgid/sgid-file', randomBytes(100), 0o2755, 7, 8),
      dir('z'), file('z/orig', randomBytes(5000), 0o4750, 999, 999), dir('a'),
      { header: { name: 'data/a/link', type: 'link', linkname: 'data/z/orig' } },
      { header: { name: 'data/dated', mode: 0o640, mtime }, content: Buffer.from('dated\n') },
    ];
    await populate(v.src!, tree);
    const viaApi = await readManifest(client, v.src!);
    if (!localReadsPossible(client)) {
      console.log('  (not root on a local socket: copies go through the API only)');
      return;
    }
    assert.ok(await proveLocalEngine(client, v.stash!), 'the local engine is proven');

    const out = await phasesOf(() => copyVolume(client, v.src!, v.stash!, { toSub: 'payload', localCopy: true, localReadBack: true, localSource: true }));
    assert.ok(out.phases.includes('copy.local') && !out.phases.includes('copy.stream'), `copied from directory to directory: ${out.phases.join(', ')}`);
    assert.equal(out.result, viaApi, 'the manifest of what was copied is the one GET archive gives');
    assert.equal(await readManifest(client, v.stash!, 'payload'), viaApi, 'GET archive of the stash gives it too');
    const back = await phasesOf(() => copyVolume(client, v.stash!, v.restored!, { fromSub: 'payload', expected: viaApi, localCopy: true, localReadBack: true }));
    assert.ok(back.phases.includes('copy.local'), `copied back from directory to directory: ${back.phases.join(', ')}`);
    assert.equal(await readManifest(client, v.restored!), viaApi, 'the restored volume, through the API: root mode and owner included');
    const dated = path.join((await provenVolumeDir(client, v.restored!))!, 'dated');
    assert.is(lstatSync(dated).mtimeMs, mtime.getTime(), 'modification times are kept');

    // The stash's manifest file, written and read from its directory: the API reads the same.
    const note = Buffer.from(JSON.stringify(viaApi));
    assert.ok(await writeVolumeFileLocally(client, v.stash!, 'manifest.json', note), 'written from the directory');
    assert.equal(await readFile(client, v.stash!, 'manifest.json'), note, 'the API reads it back');
    const meta = (await readManifest(client, v.stash!)).entries.find((e) => e.path === 'manifest.json');
    assert.equal([meta?.type, meta?.mode, meta?.uid, meta?.gid], ['file', 0o644, 0, 0], 'as writeFile through the API makes it');
    assert.equal((await readManifest(client, v.stash!)).entries.map((e) => e.path).filter((p) => !p.startsWith('payload')), ['.', 'manifest.json'], 'nothing left aside');
    await writeFile(client, v.stash!, 'other.json', Buffer.from('{}'));
    assert.equal(await readVolumeFileLocally(client, v.stash!, 'other.json'), Buffer.from('{}'), 'read from the directory');
    assert.is(await readVolumeFileLocally(client, v.stash!, 'missing.json'), undefined, 'missing: the API decides');

    // A destination that is not empty: the API path decides (it refuses), nothing is written locally.
    try {
      await copyVolume(client, v.src!, v.restored!, { localCopy: true });
      assert.unreachable('no error');
    } catch (e) {
      assert.instance(e, VolumeCopyError);
      assert.match((e as Error).message, 'the destination is not empty');
    }

    // A fifo and a device node: Node cannot make them; the API copy does, as before.
    await populate(v.special!, [
      { header: { name: 'data/', type: 'directory', mode: 0o755 } }, file('f', Buffer.from('f')),
      { header: { name: 'data/fifo', type: 'fifo', mode: 0o620, uid: 5, gid: 6 } },
      { header: { name: 'data/null', type: 'character-device', mode: 0o666, devmajor: 1, devminor: 3 } },
    ]);
    const special = await readManifest(client, v.special!);
    const viaStream = await phasesOf(() => copyVolume(client, v.special!, v['special-stash']!, { toSub: 'payload', localCopy: true, localReadBack: true, localSource: true }));
    assert.ok(viaStream.phases.includes('copy.stream'), `through the API: ${viaStream.phases.join(', ')}`);
    assert.equal(await readManifest(client, v['special-stash']!, 'payload'), special);
    assert.equal(special.entries.filter((e) => e.type === 'other').map((e) => e.path), ['fifo', 'null']);

    // A file capability (an extended attribute): the engine's tar carries it, so the API copies it.
    if (!existsSync('/usr/sbin/setcap') && !existsSync('/sbin/setcap')) {
      console.log('  (no setcap here: the capability case is not tried)');
      return;
    }
    await populate(v.cap!, [{ header: { name: 'data/', type: 'directory', mode: 0o755 } }, file('ping', randomBytes(64), 0o755)]);
    const capDir = (await provenVolumeDir(client, v.cap!))!;
    execFileSync('setcap', ['cap_net_raw+ep', path.join(capDir, 'ping')]);
    const capped = await phasesOf(() => copyVolume(client, v.cap!, v['cap-stash']!, { toSub: 'payload', localCopy: true, localReadBack: true, localSource: true }));
    assert.ok(capped.phases.includes('copy.stream'), `through the API: ${capped.phases.join(', ')}`);
    const copiedCap = path.join((await provenVolumeDir(client, v['cap-stash']!))!, 'payload', 'ping');
    assert.is(execFileSync('getcap', [copiedCap]).toString().trim().split(/\s+/).pop(), 'cap_net_raw=ep', 'the capability is kept');
  }));

vd('a local copy cut off half way (a killed restore) is written over through the API when the copy is resumed, and verified', () =>
  withVolumes('dirresume', ['src', 'restored'], async (v) => {
    await populate(v.src!, sampleTree());
    const expected = await readManifest(client, v.src!);
    if (!localReadsPossible(client)) {
      console.log('  (not root on a local socket: copies go through the API only)');
      return;
    }
    assert.ok(await proveLocalEngine(client, v.restored!), 'the local engine is proven');
    const srcDir = (await provenVolumeDir(client, v.src!))!;
    const dstDir = (await provenVolumeDir(client, v.restored!))!;
    // What a kill half way through the worker's copy leaves: the first half of the entries, the
    // directories still root's and 0700 (their metadata comes last), a file cut short.
    const plan = await planTreeCopy(srcDir, [], dstDir, []);
    if ('skipped' in plan) throw new Error(`the local copy is not made: ${plan.skipped}`);
    const half = plan.items.slice(0, Math.floor(plan.items.length / 2));
    copyTree({ ...plan, items: half.map((i) => (i.kind === 'directory' ? { ...i, uid: 0, gid: 0, mode: 0o700 } : i)) });
    const next = plan.items.slice(half.length).find((i) => i.kind === 'file')!;
    mkdirSync(path.dirname(path.join(dstDir, next.rel)), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(dstDir, next.rel), 'cut', { mode: 0o600 });

    // Not empty: the local copy is not tried, the API copy writes every path again.
    const resumed = await phasesOf(() => copyVolume(client, v.src!, v.restored!, { resumeOf: expected, expected, localCopy: true, localReadBack: true }));
    assert.ok(resumed.phases.includes('copy.stream') && !resumed.phases.includes('copy.local'), `through the API: ${resumed.phases.join(', ')}`);
    assert.equal(await readManifest(client, v.restored!), expected, 'the volume holds the source, root mode and owner included');
  }));

const copyMb = Number(process.env.MOOR_E2E_COPY_MB ?? 0);
if (copyMb > 0) {
  vd(`throughput: ${copyMb} MB of random data`, () =>
    withVolumes('throughput', ['src', 'dst'], async (v) => {
      const files = copyMb;
      function* tree(): Generator<Entry> {
        yield { header: { name: 'data/', type: 'directory', mode: 0o755 } };
        for (let i = 0; i < files; i++) yield { header: { name: `data/r${i}`, mode: 0o644 }, content: randomBytes(1 << 20) };
      }
      let t = performance.now();
      await populate(v.src!, tree());
      const populateS = (performance.now() - t) / 1000;
      t = performance.now();
      const m = await copyVolume(client, v.src!, v.dst!);
      const copyS = (performance.now() - t) / 1000;
      t = performance.now();
      await readManifest(client, v.dst!);
      const readS = (performance.now() - t) / 1000;
      const mb = m.bytes / (1 << 20);
      console.log(`\n  populate ${mb.toFixed(0)} MB: ${populateS.toFixed(2)} s (${(mb / populateS).toFixed(0)} MB/s); ` +
        `copyVolume (stream + verify): ${copyS.toFixed(2)} s (${(mb / copyS).toFixed(0)} MB/s); readManifest alone: ${readS.toFixed(2)} s (${(mb / readS).toFixed(0)} MB/s)`);
    }));
}

vd.run();
