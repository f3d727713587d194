/**
 * Reading an archive file from this machine's filesystem (core/backup/local-archive.ts), without an
 * engine: a file followed while it is written is read whole, and only once the writer is done; a
 * missing file, a symlink or a directory on the way that is a symlink is not read (the engine's
 * read then decides). A backup on the real engine takes this path in test/e2e/backup.test.ts.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { realDirUnder } from '../../../core/volume-data/local.js';
import { fileChunks, followLocalArchive, LocalReadUnavailable, readLocalArchive } from '../../../core/backup/local-archive.js';
import { tarOf } from '../../fixtures/tar.js';

const t = suite('backup: reading the archive file here');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The error `p` rejects with (fails when it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => assert.unreachable('expected a rejection') as never, (e: unknown) => e);
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of it) out.push(c);
  return Buffer.concat(out);
}

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'moor-local-archive-'));
}

t('a file followed as it grows (and before it exists) is read whole, ending only once the writer is done', async () => {
  const dir = tmp();
  try {
    const file = path.join(dir, 'a.tar.part');
    let done = false;
    const reading = collect(fileChunks(file, () => done));
    const parts: Buffer[] = [];
    await sleep(40);
    for (let i = 0; i < 6; i++) {
      const part = Buffer.alloc(300_000 + i, i + 1);
      parts.push(part);
      appendFileSync(file, part);
      await sleep(30);
    }
    // Nothing more for a while: the reader waits at the end of the file instead of ending there.
    await sleep(80);
    const last = Buffer.from('the end');
    parts.push(last);
    appendFileSync(file, last);
    done = true;
    assert.equal(sha(await reading), sha(Buffer.concat(parts)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t('a missing file once the writer is done, a symlink, a directory: not read here', async () => {
  const dir = tmp();
  try {
    assert.instance(await rejection(collect(fileChunks(path.join(dir, 'missing')))), LocalReadUnavailable);
    writeFileSync(path.join(dir, 'real'), 'x');
    symlinkSync(path.join(dir, 'real'), path.join(dir, 'link'));
    assert.instance(await rejection(collect(fileChunks(path.join(dir, 'link')))), LocalReadUnavailable);
    mkdirSync(path.join(dir, 'sub'));
    assert.instance(await rejection(collect(fileChunks(path.join(dir, 'sub')))), LocalReadUnavailable);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t('the job folder under a target root: only through real directories', async () => {
  const dir = tmp();
  try {
    mkdirSync(path.join(dir, 'root/stack/job'), { recursive: true });
    assert.is(await realDirUnder(path.join(dir, 'root'), 'stack/job'), path.join(dir, 'root/stack/job'));
    mkdirSync(path.join(dir, 'elsewhere/job'), { recursive: true });
    symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, 'root/other'));
    assert.is(await realDirUnder(path.join(dir, 'root'), 'other/job'), null, 'a symlink on the way');
    assert.is(await realDirUnder(path.join(dir, 'root'), 'stack/../stack/job'), null);
    assert.is(await realDirUnder(path.join(dir, 'root'), 'stack/nope'), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t('an archive read here: the same entries, size and sha256 as its bytes; followed in a worker thread too; a corrupted one fails', async () => {
  const dir = tmp();
  try {
    const tar = await tarOf([
      { header: { name: 'data/', type: 'directory', mode: 0o755 } },
      { header: { name: 'data/a', mode: 0o644 }, content: Buffer.from('aaa\n') },
      { header: { name: 'data/b', mode: 0o600, uid: 1234, gid: 5678 }, content: Buffer.alloc(200_000, 7) },
    ]);
    const gz = gzipSync(tar);
    const file = path.join(dir, 'x.tar.gz');
    writeFileSync(file, gz);
    const read = await readLocalArchive(file, 'gzip');
    assert.equal([read.bytes, read.sha256], [gz.length, sha(gz)]);
    assert.equal(read.entries.map((e) => [e.path, e.type, e.size, e.uid]), [['data', 'directory', 0, 0], ['data/a', 'file', 4, 0], ['data/b', 'file', 200_000, 1234]]);
    assert.is(read.entries[2]!.sha256, sha(Buffer.alloc(200_000, 7)));

    // Followed (the backup's way): written in two halves, the writer done after the second.
    const grown = path.join(dir, 'y.tar.gz');
    writeFileSync(grown, gz.subarray(0, 100));
    const f = followLocalArchive(grown, 'gzip');
    await sleep(100);
    appendFileSync(grown, gz.subarray(100));
    f.writerDone();
    const followed = await f.result;
    assert.equal([followed.bytes, followed.sha256, followed.entries], [read.bytes, read.sha256, read.entries]);

    const bad = Buffer.from(gz);
    for (let i = 0; i < 8; i++) bad[Math.floor(bad.length / 2) + i]! ^= 0xff;
    writeFileSync(file, bad);
    assert.match(String(await rejection(readLocalArchive(file, 'gzip'))), /x\.tar\.gz cannot be read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t('an uncompressed archive followed in a worker thread (one synchronous loop waiting on shared memory): made late, grown in parts, read whole once the writer is done; missing: not read here', async () => {
  const dir = tmp();
  try {
    const entries = Array.from({ length: 5 }, (_, i) => ({ header: { name: `data/f${i}`, mode: 0o644 }, content: Buffer.alloc(700_000 + i * 1001, i + 1) }));
    const tar = await tarOf([{ header: { name: 'data/', type: 'directory', mode: 0o755 } }, ...entries]);
    const whole = path.join(dir, 'whole.tar');
    writeFileSync(whole, tar);
    const once = await readLocalArchive(whole, 'none');

    const grown = path.join(dir, 'x.tar.part');
    const f = followLocalArchive(grown, 'none');
    await sleep(60);
    // Pieces that end inside headers and contents; pauses longer than the loop's wait.
    for (const [from, to] of [[0, 700], [700, 1_000_000], [1_000_000, 2_500_003], [2_500_003, tar.length]] as const) {
      appendFileSync(grown, tar.subarray(from, to));
      await sleep(70);
    }
    f.writerDone();
    const followed = await f.result;
    // What a read of the whole file gives, but the file's own sha256: its tree digest stands for it.
    assert.equal({ ...followed, sha256: once.sha256 }, once, 'what a read of the whole file gives');
    assert.equal([followed.bytes, followed.sha256, followed.treeSha256], [tar.length, '', once.treeSha256]);
    assert.equal(once.sha256, sha(tar));
    assert.match(once.treeSha256 ?? '', /^[0-9a-f]{64}$/);

    const missing = followLocalArchive(path.join(dir, 'never.tar.part'), 'none');
    await sleep(30);
    missing.writerDone();
    assert.instance(await rejection(missing.result), LocalReadUnavailable);

    const cut = path.join(dir, 'cut.tar.part');
    writeFileSync(cut, tar.subarray(0, 1_000_000));
    const c = followLocalArchive(cut, 'none');
    c.writerDone();
    assert.match(String(await rejection(c.result)), /cut\.tar\.part cannot be read \(it broke after 1000000 bytes\): unexpected end of data/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.run();
