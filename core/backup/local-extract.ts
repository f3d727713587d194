/**
 * A restore's extraction on this machine, when the engine is local (restore.ts decides): the
 * archive file read here (local-archive.ts, fileChunks), its bytes through the same
 * readArchiveStream as every other read (sha256 of the archive, gunzip, TarScanner, every header
 * checked by restoreCheck before its entry is written, every file hashed; uncompressed:
 * extractPlain, the same with the tree digest), and each entry written
 * into its volume's staging directory by this module instead of the engine's extractor.
 *
 * The staging directory of a volume is `<volumes dir>/<volume>/<stage>`: beside its `_data`, on
 * the same filesystem (the switch is renames), outside what any container mounts. Only the host's
 * root reaches it, so no process of a container still running on the volume can swap a directory
 * of it for a symbolic link while this writes as root. This does not rely on that alone:
 * - every directory is made here (mkdir, which fails on anything already there) and every file
 *   opened O_CREAT|O_EXCL|O_NOFOLLOW; nothing found on the disk is ever reused;
 * - an entry's parent must be a directory this extraction made (a path through a symbolic link,
 *   a file, or anything else is refused, whatever restoreCheck said);
 * - a hard link's target must be a file this extraction wrote, in the same volume.
 *
 * Each entry is written as the engine's extractor writes it (see createTarFile in Docker's
 * pkg/archive): owner, then mode (chown clears setuid), then times; a hard link gets its header's
 * owner, mode and times too (the same inode); a symbolic link its owner and times (lchown,
 * lutimes), never followed; a directory its owner, mode and times once everything under it is
 * written, children first; a parent the archive does not list is made 0755, owned by root. The
 * volume's own root entry is not written: the switch gives the volume its mode and owner.
 * Types other than files, directories and links are refused (restore.ts sends an archive whose
 * manifest holds any to the engine's extractor).
 *
 * Only node:fs and the archive readers: it runs in a worker thread (archive-read-worker.ts), and
 * an uncompressed archive's files are hashed in a second one (extractPlain).
 */
import {
  chmodSync, closeSync, constants, fchmodSync, fchownSync, fstatSync, futimesSync, lchownSync, linkSync, lutimesSync, mkdirSync, openSync,
  readSync, symlinkSync, unlinkSync, utimesSync, writeSync,
} from 'node:fs';
import path from 'node:path';
import type { ManifestEntry } from '../volume-data/manifest.js';
import { startWorker, workerFile } from '../volume-data/local.js';
import { restoreCheck } from './archive-safety.js';
import { fileChunks } from './local-archive.js';
import { ArchiveReadError, readArchiveStream, readPlainChunks, readPlainSync, type ReadArchive } from './read-archive.js';
import { ChunkConsumer, ChunkProducer, failShared, sharedChunks, SharedReadStopped, type SharedChunks } from './shared-chunks.js';
import { TarRefusal, type EntryWriter, type ScanHeader } from './tar-scan.js';

/** What to extract where: the archive file, and each volume's staging directory (made here, must not exist). */
export interface ExtractTask {
  file: string;
  compression: 'gzip' | 'none';
  volumes: string[];
  stages: Record<string, string>;
  /** Uncompressed: whether the file's own sha256 is read too (its tree digest always is). Default true. */
  sha256?: boolean;
}

type Made = 'directory' | 'file' | 'symlink';

const components = (name: string) => name.split('/').filter((c) => c !== '' && c !== '.');

/** An entry refused or not writable here: the read ends with this message. */
function refuse(h: ScanHeader, why: string): TarRefusal {
  return new TarRefusal(`refusing to restore: ${JSON.stringify(h.name)} ${why}`);
}

/** Writes every entry the scanner passes into the staging directories (see the module comment). */
export class StageWriter implements EntryWriter {
  /** Every path written, `<volume>/<rel>`, and what it is; a volume's own name is its staging directory. */
  private readonly made = new Map<string, Made>();
  /** Every directory written, in the order made, with its last header (a later entry of the same path wins, as with tar). */
  private readonly dirs = new Map<string, ScanHeader>();
  private fd: number | null = null;
  private file: ScanHeader | null = null;

  constructor(private readonly stages: Record<string, string>) {
    for (const v of Object.keys(stages)) this.made.set(v, 'directory');
  }

  private at(parts: string[]): string {
    return path.join(this.stages[parts[0]!]!, ...parts.slice(1));
  }

  begin(h: ScanHeader): void {
    this.guarded(h, () => this.write(h));
  }

  /** A failure of the filesystem ends the read with the entry's name (a refusal as it is). */
  private guarded(h: ScanHeader, work: () => void): void {
    try {
      work();
    } catch (e) {
      if (e instanceof TarRefusal) throw e;
      throw new TarRefusal(`writing ${JSON.stringify(h.name)} here failed: ${(e as Error).message}`);
    }
  }

  private write(h: ScanHeader): void {
    const parts = components(h.name);
    // The volume's root: its mode and owner are given at the switch.
    if (parts.length === 1 && h.type === 'directory' && this.stages[parts[0]!] !== undefined) return;
    if (parts.length < 2 || this.stages[parts[0]!] === undefined) throw refuse(h, 'is not inside a volume of this restore');
    for (let i = 2; i < parts.length; i++) {
      const parent = parts.slice(0, i);
      const made = this.made.get(parent.join('/'));
      if (made === undefined) {
        // Not listed before it (tar need not list parents): made as the engine's extractor makes it.
        mkdirSync(this.at(parent), { mode: 0o700 });
        chmodSync(this.at(parent), 0o755);
        this.made.set(parent.join('/'), 'directory');
      } else if (made !== 'directory') throw refuse(h, `goes through "${parent.join('/')}", which this restore did not make a directory`);
    }
    const key = parts.join('/');
    const to = this.at(parts);
    const before = this.made.get(key);
    if (before === 'directory') {
      if (h.type !== 'directory') throw refuse(h, `would replace the directory "${key}"`);
      // Listed again, or listed after an entry under it made it: this header gives its owner, mode and times.
      this.dirs.set(to, h);
      return;
    }
    // A later entry of the archive at the same path replaces the earlier one, as with tar.
    if (before !== undefined) {
      if (before === 'symlink') throw refuse(h, `would replace the symbolic link "${key}"`);
      unlinkSync(to);
      this.made.delete(key);
    }
    const mode = h.mode & 0o7777;
    switch (h.type) {
      case 'directory':
        mkdirSync(to, { mode: 0o700 });
        this.made.set(key, 'directory');
        this.dirs.set(to, h);
        return;
      case 'file':
      case 'contiguous-file':
        this.fd = openSync(to, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        this.file = h;
        this.made.set(key, 'file');
        return;
      case 'symlink':
        symlinkSync(h.linkname ?? '', to);
        this.made.set(key, 'symlink');
        lchownSync(to, h.uid, h.gid);
        lutimesSync(to, h.mtime, h.mtime);
        return;
      case 'link': {
        const target = components(h.linkname ?? '');
        if (target[0] !== parts[0] || this.made.get(target.join('/')) !== 'file') throw refuse(h, `is a hard link to "${h.linkname}", which is not a file this restore wrote in its volume`);
        linkSync(this.at(target), to);
        this.made.set(key, 'file');
        lchownSync(to, h.uid, h.gid);
        chmodSync(to, mode);
        utimesSync(to, h.mtime, h.mtime);
        return;
      }
      default:
        throw refuse(h, `is a ${h.type ?? 'entry of unknown type'}, which a restore here does not write`);
    }
  }

  data(slice: Buffer): void {
    // Content of anything but a file (a hard link's header may carry a size): not written, as tar.
    const fd = this.fd;
    if (fd === null) return;
    this.guarded(this.file!, () => {
      for (let off = 0; off < slice.length; ) off += writeSync(fd, slice, off, slice.length - off);
    });
  }

  end(): void {
    if (this.fd === null) return;
    const h = this.file!;
    const fd = this.fd;
    this.fd = null;
    this.guarded(h, () => {
      try {
        // chown clears setuid and setgid: the mode comes after it.
        fchownSync(fd, h.uid, h.gid);
        fchmodSync(fd, h.mode & 0o7777);
        futimesSync(fd, h.mtime, h.mtime);
      } finally {
        closeSync(fd);
      }
    });
  }

  /** Every directory's owner, mode and times, once nothing more is written into any (writing into one changes its mtime). */
  finish(): void {
    for (const [at, h] of [...this.dirs].reverse()) {
      lchownSync(at, h.uid, h.gid);
      chmodSync(at, h.mode & 0o7777);
      utimesSync(at, h.mtime, h.mtime);
    }
  }

  /** A file left open by a failed read is closed. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Extract `task.file` into the staging directories (made here, 0700, root's): the archive as read
 * (its size, sha256 and entries, for the caller to compare with the manifest). An error leaves a
 * partial staging directory, which the caller removes.
 */
export async function extractArchiveFile(task: ExtractTask): Promise<ReadArchive> {
  for (const v of task.volumes) mkdirSync(task.stages[v]!, { mode: 0o700 });
  const writer = new StageWriter(task.stages);
  try {
    const read = task.compression === 'none'
      ? await extractPlain(task.file, task.volumes, writer, task.sha256 !== false)
      : await readArchiveStream(fileChunks(task.file), path.basename(task.file), task.compression, { safety: restoreCheck(task.volumes), write: writer });
    writer.finish();
    return read;
  } finally {
    writer.close();
  }
}

/** What the hashing thread of an extraction is given (extractPlain, hashShared). */
export interface HashTask {
  ring: SharedChunks;
  /** The archive's name, for messages. */
  name: string;
  /** Whether the archive's own sha256 is read too (its tree digest always is). */
  sha256: boolean;
}

/**
 * The hashing side of extractPlain, run by archive-read-worker.ts: the archive's chunks as the
 * extracting thread reads them (shared-chunks.ts), parsed, every file hashed, the tree digest
 * (and with `sha256`, the archive's own) computed. A failure here ends the extracting thread's
 * read too.
 */
export async function hashShared(task: HashTask): Promise<ReadArchive> {
  const chunks = new ChunkConsumer(task.ring);
  try {
    return await readPlainChunks(() => chunks.take(), task.name, { hashed: task.sha256 });
  } catch (e) {
    failShared(task.ring);
    throw e;
  } finally {
    chunks.release();
  }
}

/** hashShared in a thread of its own; null when no worker can start (the extraction then hashes in its own thread). */
function startSharedHasher(task: HashTask): { result: Promise<ReadArchive | Error>; stop(): Promise<unknown> } | null {
  const module = workerFile('archive-read-worker', import.meta.url);
  if (!module) return null;
  const worker = startWorker(module, { compression: 'none', hash: task });
  const result = new Promise<ReadArchive>((resolve, reject) => {
    worker.once('message', (m: { read?: ReadArchive; error?: string }) => (m.read ? resolve(m.read) : reject(new Error(m.error))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the hashing thread exited (code ${code})`)));
  }).then((r) => r, (e: Error) => {
    // However that thread ended, the extracting thread stops waiting for it.
    failShared(task.ring);
    return e;
  });
  return { result, stop: () => worker.terminate() };
}

/** The same entries, but for the files' sha256 (the extracting thread hashes none). */
function sameEntries(written: ManifestEntry[], hashed: ManifestEntry[]): boolean {
  return written.length === hashed.length && written.every((w, i) => {
    const h = hashed[i]!;
    return w.path === h.path && w.type === h.type && w.mode === h.mode && w.uid === h.uid && w.gid === h.gid && w.size === h.size && w.linkname === h.linkname;
  });
}

/** What changes when a file is written: size, modification and change times. */
function fileState(fd: number): string {
  const st = fstatSync(fd, { bigint: true });
  return `${st.size} ${st.mtimeNs} ${st.ctimeNs}`;
}

/**
 * An uncompressed archive extracted in one loop: each chunk read is parsed and its entries
 * written (every header checked first) before the next is read, while a second thread parses the
 * same chunk, from the same shared memory, and hashes every file (hashShared, shared-chunks.ts):
 * the bytes written are the bytes hashed, and the sha256 of the files (≈ a quarter of the loop's
 * CPU) runs beside the writes. With `sha256` (the manifest holds one), that thread reads the
 * archive's own sha256 too. Both must have parsed the same entries; the file must not change
 * meanwhile (size, times), else the extraction fails. Every entry written is checked against the
 * manifest by the caller whatever the archive's digests say.
 */
export async function extractPlain(file: string, volumes: string[], writer: StageWriter, sha256 = true): Promise<ReadArchive> {
  const name = path.basename(file);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    throw new ArchiveReadError(`${name} cannot be read: ${(e as Error).message}`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new ArchiveReadError(`${name} cannot be read: not a regular file`);
    const before = fileState(fd);
    const read = (buf: Buffer) => readSync(fd, buf, 0, buf.length, null);
    const changed = () => {
      if (fileState(fd) !== before) throw new ArchiveReadError(`${name} changed while it was read`);
    };
    const ring = sharedChunks();
    const hasher = startSharedHasher({ ring, name, sha256 });
    if (!hasher) {
      const alone = await readPlainSync(read, name, { safety: restoreCheck(volumes), write: writer, hashed: sha256 });
      changed();
      return alone;
    }
    const producer = new ChunkProducer(ring);
    let written: ReadArchive;
    try {
      written = await readPlainChunks(() => producer.fill(read), name, { safety: restoreCheck(volumes), write: writer, hashed: false, hashFiles: false });
    } catch (e) {
      failShared(ring);
      const h = await hasher.result;
      await hasher.stop();
      // The chunks could no longer be handed on: the hashing thread's failure is the cause.
      if (e instanceof ArchiveReadError && e.cause instanceof SharedReadStopped && h instanceof Error) throw new ArchiveReadError(`${name} cannot be read: ${h.message}`);
      throw e;
    }
    const hashed = await hasher.result;
    await hasher.stop();
    if (hashed instanceof Error) throw new ArchiveReadError(`${name} cannot be read: ${hashed.message}`);
    if (hashed.bytes !== written.bytes || !sameEntries(written.entries, hashed.entries)) throw new ArchiveReadError(`${name}: the extracting and the hashing thread parsed it differently`);
    changed();
    return hashed;
  } finally {
    closeSync(fd);
  }
}
