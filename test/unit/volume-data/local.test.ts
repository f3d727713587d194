/**
 * A tree read from the filesystem (manifestFromDir) without an engine: the manifest the engine's
 * archive endpoint would give (walk order for hardlinks, sockets skipped, nothing followed), and
 * when local reads are tried at all. The agreement with the real engine, entry for entry, is
 * test/e2e/volume-data.test.ts ('a local engine…').
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { localReadsPossible, manifestFromDir } from '../../../core/volume-data/local.js';
import { EngineClient } from '../../../core/engine/client.js';

const t = suite('volume data: local reads');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

t('a directory tree: every kind of entry, hardlinks named after the first path walked, sockets skipped', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'moor-local-'));
  const server = net.createServer();
  try {
    chmodSync(root, 0o750);
    for (const d of ['z', 'a', 'a/b']) {
      mkdirSync(path.join(root, d));
      chmodSync(path.join(root, d), 0o755);
    }
    const body = Buffer.from('content\n');
    writeFileSync(path.join(root, 'z/orig'), body);
    chmodSync(path.join(root, 'z/orig'), 0o4750);
    linkSync(path.join(root, 'z/orig'), path.join(root, 'a.b'));
    linkSync(path.join(root, 'z/orig'), path.join(root, 'a/b/link'));
    writeFileSync(path.join(root, 'a-b'), '');
    chmodSync(path.join(root, 'a-b'), 0o644);
    symlinkSync('../nowhere', path.join(root, 'a/dangling'));
    symlinkSync('b', path.join(root, 'a/to-dir'));
    mkdirSync(path.join(root, 'sticky'));
    chmodSync(path.join(root, 'sticky'), 0o1777);
    execFileSync('mkfifo', ['-m', '644', path.join(root, 'sticky/fifo')]);
    await new Promise<void>((ok) => server.listen(path.join(root, 'sticky/sock'), ok));

    const m = await manifestFromDir(root);
    const rows = m.entries.map((e) => [e.path, e.type, e.mode.toString(8), e.size, e.linkname ?? '']);
    assert.equal(rows, [
      ['.', 'directory', '750', 0, ''],
      ['a', 'directory', '755', 0, ''],
      ['a-b', 'file', '644', 0, ''],
      // The walk meets a/b/link first (a/ before a-b, a.b and z/): the other two name it.
      ['a.b', 'hardlink', '4750', 0, 'a/b/link'],
      ['a/b', 'directory', '755', 0, ''],
      ['a/b/link', 'file', '4750', body.length, ''],
      ['a/dangling', 'symlink', '777', 0, '../nowhere'],
      ['a/to-dir', 'symlink', '777', 0, 'b'],
      ['sticky', 'directory', '1777', 0, ''],
      ['sticky/fifo', 'other', '644', 0, ''],
      ['z', 'directory', '755', 0, ''],
      ['z/orig', 'hardlink', '4750', 0, 'a/b/link'],
    ]);
    assert.is(m.entries.find((e) => e.path === 'a/b/link')?.sha256, sha(body));
    assert.is(m.entries.find((e) => e.path === 'a-b')?.sha256, sha(Buffer.alloc(0)));
    assert.equal([m.files, m.directories, m.symlinks, m.bytes], [2, 5, 2, body.length]);
  } finally {
    server.close();
    rmSync(root, { recursive: true, force: true });
  }
});

t('a root that is not a directory is refused', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'moor-local-'));
  try {
    symlinkSync(os.tmpdir(), path.join(root, 'link'));
    try {
      await manifestFromDir(path.join(root, 'link'));
      assert.unreachable('no error');
    } catch (e) {
      assert.match((e as Error).message, 'is not a directory');
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

t('local reads are tried only on a unix socket, and not with MOOR_LOCAL_VOLUMES=0', () => {
  const before = process.env.MOOR_LOCAL_VOLUMES;
  const unix = new EngineClient('unix:///var/run/docker.sock');
  const tcp = new EngineClient('tcp://127.0.0.1:2375');
  try {
    assert.is(localReadsPossible(tcp), false);
    assert.is(localReadsPossible(unix), process.platform === 'linux' && process.getuid?.() === 0);
    process.env.MOOR_LOCAL_VOLUMES = '0';
    assert.is(localReadsPossible(unix), false);
  } finally {
    if (before === undefined) delete process.env.MOOR_LOCAL_VOLUMES;
    else process.env.MOOR_LOCAL_VOLUMES = before;
    unix.close();
    tcp.close();
  }
});

t.run();
