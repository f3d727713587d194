/**
 * What the backup's work costs on this machine, per GiB, in CPU seconds: the primitives moor's data
 * paths are made of, each measured over one archive file already in the page cache (the floor's
 * uncompressed archive, after the timed rounds). Issue 18 asks for the remaining distance to each
 * floor in physical terms; these are the unit prices the backup benchmark's CPU figures are read
 * with (gzip's and gunzip's come from the floor's own runs, see renderBackup).
 *
 * Each primitive runs as one synchronous loop in this process (nothing else runs meanwhile), three
 * times; the median of its process CPU time (user + system) is kept. The read-only loop is
 * measured too and taken off the others: what remains is the primitive's own price.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { TarScanner } from '../../core/backup/tar-scan.js';
import { median } from './stats.js';

export interface UnitCosts {
  /** The file measured over, bytes. */
  bytes: number;
  /** CPU seconds per GiB of the file. */
  read: number;
  sha256: number;
  parse: number;
  parseHashTree: number;
}

const CHUNK = 1 << 20;

function cpuSecondsOver(file: string, eat: (chunk: Buffer) => void, done: () => void = () => undefined): number {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  const t0 = process.cpuUsage();
  try {
    for (let n; (n = readSync(fd, buf, 0, CHUNK, null)) > 0; ) eat(n === CHUNK ? buf : buf.subarray(0, n));
    done();
  } finally {
    closeSync(fd);
  }
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1e6;
}

/** The unit prices over `file` (an uncompressed tar archive). */
export function unitCosts(file: string): UnitCosts {
  const bytes = statSync(file).size;
  const gib = bytes / 2 ** 30;
  const thrice = (once: () => number) => median([once(), once(), once()]) / gib;
  const read = thrice(() => cpuSecondsOver(file, () => undefined));
  const sha256 = thrice(() => {
    const h = createHash('sha256');
    return cpuSecondsOver(file, (c) => h.update(c), () => h.digest());
  });
  const scan = (opts: ConstructorParameters<typeof TarScanner>[0]) => () => {
    const s = new TarScanner(opts);
    return cpuSecondsOver(file, (c) => s.push(c), () => s.end());
  };
  const parse = thrice(scan({ hashFiles: false }));
  const parseHashTree = thrice(scan({ tree: true }));
  return { bytes, read, sha256: sha256 - read, parse: parse - read, parseHashTree: parseHashTree - read };
}
