/**
 * A helper container's archive endpoints, and where a helper mounts a volume so that the tar the
 * engine produces can be extracted, byte for byte, somewhere else.
 *
 * The engine names a GET archive's entries after the last component of the requested path
 * (`GET path=/src/data` → `data/`, `data/a/f`) and a PUT extracts entries below the requested
 * directory (`PUT path=/dst` + `data/a/f` → `/dst/data/a/f`). So a copy mounts both volumes so
 * that source and destination roots have the same last component (its *top* name): the stream
 * needs no rewriting, and the top entry carries the root's mode and owner across. (Extracting
 * `./…` entries instead would skip the root's metadata: the engine ignores a `.` directory entry.)
 */
import type http from 'node:http';
import { Readable } from 'node:stream';
import tarStream, { type Extract, type Header } from 'tar-stream';
import type { EngineClient } from '../engine/client.js';
import { engineMessage, readBody } from '../engine/client.js';
import { EngineError } from '../engine/errors.js';
import { openRequest, streamResponse, type OpenRequest } from './stream.js';
import { pumpInto } from './tee.js';

/**
 * A path inside a volume, normalized ('a/b', no leading or trailing '/'); undefined for the
 * volume's root. Absolute paths are read as relative to the root; '.' and '..' parts are refused.
 */
export function volumeSubPath(sub: string | undefined, what: string): string | undefined {
  if (sub === undefined) return undefined;
  const parts = sub.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..')) throw new Error(`${what} "${sub}" must not contain "." or ".." parts`);
  return parts.length ? parts.join('/') : undefined;
}

export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** Where a helper mounts a volume, and the archive path of the tree to read or write there. */
export interface Location {
  /** Mount target inside the helper. */
  target: string;
  /** Archive path of the tree's root. */
  path: string;
  /** The tree's top-level name in a tar (last component of `path`). */
  top: string;
}

/**
 * The volume's `sub` directory (or its root) under mount base `base`. For the root, the volume
 * is mounted at `<base>/<top>` so its tar entries are named `<top>/…`; a sub directory brings
 * its own name.
 */
export function locate(base: string, sub: string | undefined, top = 'data'): Location {
  if (sub) return { target: base, path: `${base}/${sub}`, top: basename(sub) };
  return { target: `${base}/${top}`, path: `${base}/${top}`, top };
}

/** "volume v" or "volume v (sub/)", for messages. */
export function describeVolume(volume: string, sub?: string): string {
  return sub ? `volume ${volume} (${sub}/)` : `volume ${volume}`;
}

const archivePath = (containerId: string) => `/containers/${encodeURIComponent(containerId)}/archive`;

/** GET the tar of `path` in the helper, as a stream; a missing path is an EngineError 404. */
export function getArchive(client: EngineClient, containerId: string, path: string): Promise<http.IncomingMessage> {
  return streamResponse(client, 'GET', archivePath(containerId), { path });
}

/** GET the tar of `path` in the helper, as a stream; null when nothing is at `path` (a missing helper is still an error). */
export async function getArchiveIfExists(client: EngineClient, containerId: string, path: string): Promise<http.IncomingMessage | null> {
  const res = await streamResponse(client, 'GET', archivePath(containerId), { path }, [404]);
  if (res.statusCode !== 404) return res;
  const message = engineMessage(await readBody(res));
  if (/no such container/i.test(message)) throw new EngineError(404, message, `GET ${archivePath(containerId)}`);
  return null;
}

/**
 * Start a PUT of a tar to extract under directory `path` (which must exist), owners kept
 * (copyUIDGID), and never replacing a directory with a non-directory or the reverse.
 */
export function putArchive(client: EngineClient, containerId: string, path: string): Promise<OpenRequest> {
  return openRequest(client, 'PUT', archivePath(containerId), { path, copyUIDGID: 1, noOverwriteDirNonDir: 1 }, {
    'content-type': 'application/x-tar',
  });
}

/** PUT a small tar, built in memory, under directory `path`. */
export async function putSmallArchive(client: EngineClient, containerId: string, path: string, tar: Buffer, copyUIDGID = true): Promise<void> {
  await client.request('PUT', archivePath(containerId), {
    query: { path, ...(copyUIDGID ? { copyUIDGID: 1 } : {}), noOverwriteDirNonDir: 1 },
    headers: { 'content-type': 'application/x-tar' },
    stream: Readable.from([tar]),
  });
}

/** A tar of a few entries, in memory. */
export async function smallTar(entries: { header: Partial<Header> & { name: string }; content?: Buffer }[]): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const { header, content } of entries) {
    if (content) pack.entry({ ...header, size: content.length }, content);
    else pack.entry(header);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/**
 * Work around the engine's extractor for hardlinks: after chowning a hardlink (which clears the
 * setuid and setgid bits of the shared inode), it re-applies the header's mode only if it finds
 * the linked file at the link's tar name taken relative to the helper's root directory — not to
 * the extraction directory (moby's handleLChmod lstats `hdr.Linkname` as is). A symlink
 * `/<top>` → the tree's root, in the helper's own filesystem (never in the volume), makes that
 * lookup land on the right file wherever the volume is mounted. Without it a hardlinked setuid
 * file would lose its bit, which the verification would then report.
 */
export async function linkTopAtRoot(client: EngineClient, helperId: string, loc: Location): Promise<void> {
  if (dirname(loc.path) === '/') return;
  if (loc.path.split('/')[1] === loc.top) throw new Error(`cannot link /${loc.top} to ${loc.path}: the mount base has the same name`);
  const tar = await smallTar([{ header: { name: loc.top, type: 'symlink', linkname: loc.path, mode: 0o777, uid: 0, gid: 0, mtime: new Date() } }]);
  await putSmallArchive(client, helperId, '/', tar);
}

/**
 * The entries of a tar response, to iterate with `for await`. Leaving the loop early destroys
 * the parser; the response must then be destroyed by the caller.
 */
export function tarEntries(res: http.IncomingMessage): Extract {
  const extract = tarStream.extract();
  pumpInto(res, [extract]).catch((e: Error) => extract.destroy(e));
  return extract;
}

/**
 * Whether `path` in the helper is a missing, empty or non-empty directory (reading no further
 * than the second entry). A path that is not a directory is an error.
 */
export async function probeDirectory(client: EngineClient, containerId: string, path: string): Promise<'missing' | 'empty' | 'non-empty'> {
  const res = await getArchiveIfExists(client, containerId, path);
  if (!res) return 'missing';
  let seen = 0;
  try {
    for await (const entry of tarEntries(res)) {
      seen++;
      if (seen === 1 && entry.header.type !== 'directory') throw new Error(`${path} is a ${entry.header.type}, not a directory`);
      if (seen === 2) return 'non-empty';
      entry.resume();
    }
    return 'empty';
  } finally {
    res.destroy();
  }
}
