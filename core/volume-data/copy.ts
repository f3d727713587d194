/**
 * Copy a volume's data (or a directory of it) into another volume through the Engine API alone:
 * two helper containers, the source's archive streamed straight into the destination's archive
 * upload while a tee of the same bytes computes the manifest, then the destination read back and
 * its manifest required to be identical. Nothing is staged on disk or held in memory, nothing
 * runs in a container, and it works the same with a remote engine.
 */
import { MoorError } from '../errors.js';
import type http from 'node:http';
import type { EngineClient } from '../engine/client.js';
import { basename, describeVolume, dirname, getArchiveIfExists, linkTopAtRoot, locate, probeDirectory, putArchive, putSmallArchive, smallTar, volumeSubPath, type Location } from './archive.js';
import { withHelper, type HelperOptions } from './helper-container.js';
import { compareManifests, manifestSink, type Manifest } from './manifest.js';
import { readManifest, readManifestAt } from './read.js';
import { copyTreeOffThread, manifestFromDir, manifestFromDirOffThread, provenVolumeDir } from './local.js';
import { planTreeCopy } from './dir-scan.js';
import path from 'node:path';
import { syncFileSystems } from './durable.js';
import { readBody, type OpenRequest } from './stream.js';
import { pumpInto } from './tee.js';
import { timed } from './phases.js';

export interface CopyOptions extends HelperOptions {
  /** Copy this directory of the source volume instead of its root. */
  fromSub?: string;
  /**
   * Copy into this directory of the destination volume instead of its root; it is created
   * (parents owned by root, 0755) when missing. With both subs, their last components must match.
   */
  toSub?: string;
  /**
   * A destination that is not empty is accepted when it holds only paths this manifest holds,
   * each of the same type: a copy of it that was cut off half way (a resumed migration into a
   * host directory, which outlives its engine volume). The copy writes every one of them again.
   */
  resumeOf?: Manifest;
  /**
   * The manifest the source is already known to have (it was verified when the source was
   * written). The stream then goes into the destination without being parsed or hashed on the
   * way, and the destination's read-back must equal this manifest instead of the stream's.
   */
  expected?: Manifest;
  /**
   * Read the destination back from its directory on this machine when the engine's volumes
   * directory was proven local (see local.ts, proveLocalEngine); through the API otherwise, or
   * when reading locally fails.
   */
  localReadBack?: boolean;
  /**
   * Likewise, take the source's manifest from its directory on this machine (read while the
   * stream goes, which then is not parsed on the way) instead of from a tee of the stream.
   */
  localSource?: boolean;
  /**
   * Copy from directory to directory on this machine when both volumes are in the engine's
   * proven volumes directory (see dir-copy.ts for what it copies; anything else goes through the
   * API, as with a remote engine). The destination is then read back from its directory.
   */
  localCopy?: boolean;
  /**
   * Work done while the destination is read back, given the source's manifest (the migration
   * writes it into the stash meanwhile). Its failure fails the copy.
   */
  whileReadingBack?: (sent: Manifest) => Promise<void>;
}

/** Paths in the destination that a resumed copy of `expected` would not write (or write as another type). */
export function strangers(expected: Manifest, present: Manifest): string[] {
  const types = new Map(expected.entries.map((e) => [e.path, e.type]));
  return present.entries.filter((e) => e.path !== '.' && types.get(e.path) !== e.type).map((e) => e.path);
}

/** A copy that failed or whose result differs from its source; the destination may hold a partial copy. */
export class VolumeCopyError extends MoorError {
  constructor(
    readonly from: string,
    readonly to: string,
    message: string,
    /** The manifest differences, source → destination (empty when the copy failed before). */
    readonly differences: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(`copying ${from} → ${to}: ${message}${differences.length ? `\n  ${differences.join('\n  ')}` : ''}`, options);
    this.name = 'VolumeCopyError';
  }
}

/**
 * Copy `from` (or its `fromSub` directory) into `to` (or its `toSub` directory), which must be
 * empty or, for a sub directory, missing. Both volumes must exist; the source is mounted
 * read-only. Returns the manifest of what was copied (paths relative to the copied root, so a
 * copy of a copy has an equal manifest); throws a VolumeCopyError when the destination does not
 * read back identical.
 */
export async function copyVolume(client: EngineClient, from: string, to: string, opts: CopyOptions = {}): Promise<Manifest> {
  const fromSub = volumeSubPath(opts.fromSub, 'fromSub');
  const toSub = volumeSubPath(opts.toSub, 'toSub');
  const what = { from: describeVolume(from, fromSub), to: describeVolume(to, toSub) };
  if (fromSub && toSub && basename(fromSub) !== basename(toSub)) {
    // The engine names a tar's top entry after the source directory and extracts it under that
    // name: renaming it would mean rewriting the stream.
    throw new VolumeCopyError(what.from, what.to, `the directories must have the same name (${basename(fromSub)} ≠ ${basename(toSub)})`);
  }
  if (opts.localCopy) {
    const done = await copyLocally(client, from, to, fromSub, toSub, what, opts);
    if (done) return done;
  }
  const top = toSub ? basename(toSub) : fromSub ? basename(fromSub) : 'data';
  const src = locate('/src', fromSub, top);
  // The destination's mount base must not be named like the top (see linkTopAtRoot).
  const dst = locate(top === 'dst' ? '/dst-' : '/dst', toSub, top);
  const labels = opts.labels ?? {};
  // A source read from its directory (when allowed and proven) needs no tee on the stream. It is
  // read once the stream is done, in a worker, beside the read-back: during the stream the engine
  // has the CPUs' work to do (on 2 CPUs, reading it meanwhile slowed the stream as much).
  const srcDir = !opts.expected && opts.localSource ? await provenVolumeDir(client, from) : null;
  // A destination read back from its directory is read once the helpers are going away.
  const dstDir = opts.localReadBack ? await provenVolumeDir(client, to) : null;
  const copied = await withHelper(client, [{ name: from, target: src.target, readOnly: true }], labels, (a) =>
    withHelper(client, [{ name: to, target: dst.target, readOnly: false }], labels, async (b) => {
      await linkTopAtRoot(client, b.id, dst);
      const state = await probeDirectory(client, b.id, dst.path);
      if (state === 'non-empty') {
        const extra = opts.resumeOf ? strangers(opts.resumeOf, await readManifestAt(client, b.id, dst, what.to)) : ['?'];
        if (extra.length) {
          throw new VolumeCopyError(what.from, what.to, `the destination is not empty${opts.resumeOf ? ` (it holds ${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ', …' : ''}, which the copy does not)` : ''}`);
        }
      }
      // Open the source before writing anything: a missing source leaves the destination untouched.
      const source = await openSource(client, what, a.id, src);
      if (state === 'missing') {
        try {
          // The sub directory (and its parents); the copy then gives it the source root's mode and owner.
          const tar = await smallTar([{ header: { name: `${toSub}/`, type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: new Date() } }]);
          await putSmallArchive(client, b.id, dst.target, tar);
        } catch (e) {
          source.destroy();
          throw e;
        }
      }
      const streamed = await timed('copy.stream', () => streamCopy(client, what, source, opts.expected || srcDir ? null : src, b.id, dst));
      // Never rejects: null when the local read failed (the API read then decides).
      const local = srcDir ? timed('copy.source.local', () => manifestFromDirOffThread(subDir(srcDir, fromSub))).catch(() => null) : null;
      // Read back through the API while the helper is there; a local read-back waits for no helper.
      const written = dstDir ? null : await timed('copy.read-back', () => readManifestAt(client, b.id, dst, what.to));
      return { known: opts.expected ?? streamed, local, written };
    }),
  );
  const sourceManifest = async (): Promise<Manifest> =>
    copied.known ?? (await copied.local) ?? timed('copy.source', () => readManifest(client, from, fromSub, { labels }));
  const readBack = copied.written ?? timed('copy.read-back', async () => (await readLocally(dstDir!, toSub)) ?? readManifest(client, to, toSub, { labels }));
  // The engine wrote it: durable when its directory is this machine's (as copyLocally's); a
  // remote engine's file system cannot be synced without a container that runs (see docs/safety.md).
  const [manifest] = await Promise.all([
    compareCopy(what, opts, readBack, sourceManifest),
    dstDir ? syncCopy(what, dstDir) : null,
  ]);
  return manifest;
}

/**
 * The destination's read-back (already under way) against the source's manifest, read meanwhile
 * (`whileReadingBack` runs once it is known); the source's manifest when they are identical.
 */
async function compareCopy(what: { from: string; to: string }, opts: CopyOptions, readBack: Manifest | Promise<Manifest>, source: () => Promise<Manifest>): Promise<Manifest> {
  const [written, sent] = await Promise.all([
    readBack,
    source().then(async (m) => {
      await opts.whileReadingBack?.(m);
      return m;
    }),
  ]);
  const differences = compareManifests(sent, written);
  if (differences.length) {
    throw new VolumeCopyError(what.from, what.to, 'the destination does not read back identical to the source', differences);
  }
  return sent;
}

/**
 * The copy from directory to directory, read back from the destination's directory and compared;
 * null when it was not made (a volume not proven local, an entry it does not copy, a destination
 * not empty): nothing was written then.
 */
async function copyLocally(client: EngineClient, from: string, to: string, fromSub: string | undefined, toSub: string | undefined, what: { from: string; to: string }, opts: CopyOptions): Promise<Manifest | null> {
  const [srcDir, dstDir] = await Promise.all([provenVolumeDir(client, from), provenVolumeDir(client, to)]);
  if (!srcDir || !dstDir) return null;
  const parts = (sub: string | undefined) => (sub ? sub.split('/') : []);
  const plan = await timed('copy.local.scan', () => planTreeCopy(srcDir, parts(fromSub), dstDir, parts(toSub)));
  if ('skipped' in plan) return null;
  let copied: { bytes: number } | null;
  try {
    copied = await timed('copy.local', () => copyTreeOffThread(plan));
  } catch (e) {
    throw new VolumeCopyError(what.from, what.to, `${(e as Error).message} (the destination may hold a partial copy)`, [], { cause: e });
  }
  if (!copied) return null;
  const labels = opts.labels ?? {};
  // The source's manifest: known (the stash, verified when written), or read from its directory
  // on its own, in a worker beside the destination's read-back (on 2 CPUs, one each). Not hashed
  // on the copy's way instead: the old volume's manifest stays a read of its own, independent of
  // the copy (≈ 0.1 s more for 256 MiB here, the two reads running side by side).
  const source = async (): Promise<Manifest> =>
    opts.expected ??
    (await timed('copy.source.local', () => manifestFromDirOffThread(subDir(srcDir, fromSub))).catch(() => null)) ??
    timed('copy.source', () => readManifest(client, from, fromSub, { labels }));
  // Durable before the caller can remove the source (a sync of the destination's file system,
  // beside the read-back): the copy is only a copy once it is on the disk.
  const [manifest] = await Promise.all([
    compareCopy(what, opts, timed('copy.read-back', async () => (await readLocally(dstDir, toSub)) ?? readManifest(client, to, toSub, { labels })), source),
    syncCopy(what, dstDir),
  ]);
  return manifest;
}

/** The copy in `dir` (the destination's directory here) written to the disk; a VolumeCopyError when the disk does not take it. */
function syncCopy(what: { from: string; to: string }, dir: string): Promise<void> {
  return timed('copy.sync', () => syncFileSystems([dir])).catch((e: Error) => Promise.reject(new VolumeCopyError(what.from, what.to, `writing the copy to the disk: ${e.message}`)));
}

/** `dir`, or its sub-directory `sub` (a volume sub-path, `/`-separated). */
function subDir(dir: string, sub: string | undefined): string {
  return sub ? path.join(dir, ...sub.split('/')) : dir;
}

/** The manifest of `volume` (or its `sub` directory) read from this machine's filesystem; null when that is not possible. */
async function readLocally(dir: string, sub: string | undefined): Promise<Manifest | null> {
  try {
    return await timed('copy.read-back.local', () => manifestFromDir(subDir(dir, sub)));
  } catch {
    // Whatever went wrong (a file moor may not read, a path gone), the API read decides.
    return null;
  }
}

async function openSource(client: EngineClient, what: { from: string; to: string }, srcId: string, src: Location): Promise<http.IncomingMessage> {
  const res = await getArchiveIfExists(client, srcId, src.path);
  if (!res) throw new VolumeCopyError(what.from, what.to, `the source ${what.from} does not exist`);
  return res;
}

/**
 * Stream the source tree's archive into the destination's upload; the manifest of the bytes sent,
 * computed on the way (none when `src` is null: the caller already knows what the source holds).
 */
async function streamCopy(client: EngineClient, what: { from: string; to: string }, source: http.IncomingMessage, src: Location | null, dstId: string, dst: Location): Promise<Manifest | null> {
  let upload: OpenRequest;
  try {
    upload = await putArchive(client, dstId, dirname(dst.path));
  } catch (e) {
    source.destroy();
    throw e;
  }
  const sink = src ? manifestSink(src.top) : null;
  let engineError: unknown;
  const answered = upload.response.then(readBody, (e: unknown) => { engineError = e; throw e; });
  try {
    if (sink) await pumpInto(source, [upload.body, sink.input], answered, sink.manifest);
    else await pumpInto(source, [upload.body], answered);
    const [manifest] = await Promise.all([sink ? sink.manifest : null, answered]);
    return manifest;
  } catch (e) {
    source.destroy();
    upload.abort();
    sink?.input.destroy();
    // The engine's answer explains more than the broken pipe that followed it.
    const cause = engineError ?? e;
    throw new VolumeCopyError(what.from, what.to, `${(cause as Error).message ?? String(cause)} (the destination may hold a partial copy)`, [], { cause });
  }
}
