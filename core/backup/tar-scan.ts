/**
 * A tar parser for archives moor verifies, fed chunk by chunk and working on the chunks in place:
 * every header decoded and checked as it arrives, every file's content hashed from slices of the
 * chunk it came in (no stream per entry, no copy), each entry's manifest line computed on the way.
 *
 * It reads what tar-stream reads, with the same meaning (the manifests of archives written before
 * stay comparable): ustar and GNU headers (octal or base-256 numbers), the ustar prefix, pax
 * headers (`path`, `linkpath`, `size`; a global header is merged into the next local one), GNU
 * long names and long link names, zero blocks skipped, a directory's size ignored.
 *
 * With `rewrite`, it also writes the archive on, as it came but for the headers `rewrite` renames
 * (a restore extracts into a staging directory): the content and padding blocks are the input's
 * own bytes; a renamed entry gets a header of its own (names that do not fit the header go into a
 * pax header), without user and group names (tar then uses the numeric owner, which the manifest
 * checked); an entry `rewrite` drops is left out with its long headers.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ManifestEntry } from '../volume-data/manifest.js';
import type { Header } from 'tar-stream';
import { entryType, relativeTarPath } from '../volume-data/manifest.js';

/** An entry's header as tar-stream decodes it (the fields moor uses). */
export interface ScanHeader {
  name: string;
  /** tar-stream's type names: 'file', 'directory', 'symlink', 'link', 'fifo', …; null when unknown. */
  type: string | null;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkname: string | null;
  /** Modification time in seconds (a pax header's, with its fraction, when there is one). */
  mtime: number;
}

/** Told each entry as it is parsed (restore extracting here: local-extract.ts): its header after the check, its content, its end. */
export interface EntryWriter {
  begin(h: ScanHeader): void;
  data(slice: Buffer): void;
  end(): void;
}

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

/** Thrown when `check` refuses an entry: its message is the refusal. */
export class TarRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarRefusal';
  }
}

export interface ScanOptions {
  /** Looks at every header before its entry is read; a refusal (a message) ends the scan. */
  check?: (h: ScanHeader) => string | null;
  /**
   * Writing the archive on: the name (and hard link target) each entry is written under, or null
   * to leave it out. `out` receives the bytes, in order.
   */
  rewrite?: (h: ScanHeader) => { name: string; linkname: string | null } | null;
  out?: (bytes: Buffer) => void;
  /** Every checked entry written out (see EntryWriter). */
  write?: EntryWriter;
  /** false: files are not hashed (their entries have no sha256); a reader that only compares (volume-compare.ts). */
  hashFiles?: boolean;
  /**
   * The archive's tree digest (treeDigest()): the sha256 of the archive's bytes with each regular
   * file's content replaced by that content's sha256 (its 32 bytes). Every byte of the archive
   * counts, as in a sha256 of the file, for the cost of hashing the files alone: headers, long
   * headers, padding and the end blocks verbatim, each file's content through its own sha256.
   * Not with hashFiles: false.
   */
  tree?: boolean;
}

const BLOCK = 512;
const MAX_META = 1024 * 1024;
const decoder = new TextDecoder();

function str(b: Uint8Array, off: number, len: number): string {
  let end = off;
  const stop = off + len;
  while (end < stop && b[end] !== 0) end++;
  return decoder.decode(b.subarray(off, end));
}

function num(b: Uint8Array, off: number, len: number): number {
  if (b[off]! & 0x80) {
    // base-256 (GNU): 0x80 positive, 0xff negative
    const positive = b[off] === 0x80;
    if (!positive && b[off] !== 0xff) return NaN;
    let sum = 0;
    for (let i = off + 1; i < off + len; i++) sum = sum * 256 + (positive ? b[i]! : 0xff - b[i]!);
    return positive ? sum : -sum;
  }
  let i = off;
  const stop = off + len;
  while (i < stop && b[i] === 32) i++;
  let end = i;
  while (end < stop && b[end] !== 32) end++;
  while (i < end && b[i] === 0) i++;
  if (end === i) return 0;
  return parseInt(decoder.decode(b.subarray(i, end)), 8);
}

function checksum(b: Uint8Array): number {
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += b[i]!;
  for (let i = 156; i < BLOCK; i++) sum += b[i]!;
  return sum;
}

function isUstar(b: Uint8Array): boolean {
  return b[257] === 0x75 && b[258] === 0x73 && b[259] === 0x74 && b[260] === 0x61 && b[261] === 0x72 && b[262] === 0;
}

function isGnu(b: Uint8Array): boolean {
  return b[257] === 0x75 && b[258] === 0x73 && b[259] === 0x74 && b[260] === 0x61 && b[261] === 0x72 && b[262] === 0x20 && b[263] === 0x20 && b[264] === 0;
}

const TYPES: Record<number, string> = {
  0: 'file', 1: 'link', 2: 'symlink', 3: 'character-device', 4: 'block-device', 5: 'directory', 6: 'fifo', 7: 'contiguous-file',
  72: 'pax-header', 55: 'pax-global-header', 27: 'gnu-long-link-path', 28: 'gnu-long-path', 30: 'gnu-long-path',
};

type PaxRecords = [string, string][];

function decodePax(b: Uint8Array): PaxRecords {
  const out: PaxRecords = [];
  let buf = b;
  while (buf.length) {
    let i = 0;
    while (i < buf.length && buf[i] !== 32) i++;
    const len = parseInt(decoder.decode(buf.subarray(0, i)), 10);
    if (!len) return out;
    const rec = decoder.decode(buf.subarray(i + 1, len - 1));
    const k = rec.indexOf('=');
    if (k === -1) return out;
    out.push([rec.slice(0, k), rec.slice(k + 1)]);
    buf = buf.subarray(len);
  }
  return out;
}

function paxValue(r: PaxRecords | null, key: string): string | undefined {
  let v: string | undefined;
  if (r) for (const [k, x] of r) if (k === key) v = x;
  return v;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const len = Buffer.byteLength(body);
  let digits = String(len).length;
  if (String(len + digits).length > digits) digits++;
  return `${len + digits}${body}`;
}

function octal(b: Buffer, off: number, len: number, value: number): void {
  // len-1 digits and a NUL
  b.write(value.toString(8).padStart(len - 1, '0').slice(-(len - 1)), off, 'latin1');
  b[off + len - 1] = 0;
}

function seal(b: Buffer): void {
  b.write('        ', 148, 'latin1');
  const sum = checksum(b);
  b.write(sum.toString(8).padStart(6, '0'), 148, 'latin1');
  b[154] = 0;
  b[155] = 32;
}

/** A pax extended header (its header block and padded records) carrying `records`. */
function paxHeader(records: PaxRecords): Buffer {
  const body = Buffer.from(records.map(([k, v]) => paxRecord(k, v)).join(''));
  const padded = Math.ceil(body.length / BLOCK) * BLOCK;
  const out = Buffer.alloc(BLOCK + padded);
  out.write('PaxHeader', 0, 'latin1');
  octal(out, 100, 8, 0o644);
  octal(out, 108, 8, 0);
  octal(out, 116, 8, 0);
  octal(out, 124, 12, body.length);
  octal(out, 136, 12, 0);
  out[156] = 0x78; // 'x'
  out.write('ustar\u000000', 257, 'latin1');
  seal(out.subarray(0, BLOCK));
  body.copy(out, BLOCK);
  return out;
}

/** The header block of a directory owned by root (a name of at most 100 bytes). */
export function directoryHeader(name: string, mode: number): Buffer {
  const b = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`${name}: name too long for a directory header`);
  b.write(name, 0);
  octal(b, 100, 8, mode);
  octal(b, 108, 8, 0);
  octal(b, 116, 8, 0);
  octal(b, 124, 12, 0);
  octal(b, 136, 12, Math.floor(Date.now() / 1000));
  b[156] = 0x35; // '5'
  b.write('ustar\u000000', 257, 'latin1');
  seal(b);
  return b;
}

/** The entry's header block renamed: its fields as they were, names replaced, user and group names cleared. */
function renamed(block: Uint8Array, local: PaxRecords | null, name: string, linkname: string | null): Buffer[] {
  const b = Buffer.from(block);
  const records: PaxRecords = (local ?? []).filter(([k]) => k !== 'path' && k !== 'linkpath' && k !== 'uname' && k !== 'gname');
  const ustar = isUstar(b);
  b.fill(0, 0, 100);
  b.fill(0, 157, 257);
  b.fill(0, 265, 329);
  if (ustar) b.fill(0, 345, 500);
  const nameBytes = Buffer.from(name);
  if (nameBytes.length <= 100) nameBytes.copy(b, 0);
  else {
    records.push(['path', name]);
    nameBytes.copy(b, 0, nameBytes.length - 100);
  }
  if (linkname !== null) {
    const linkBytes = Buffer.from(linkname);
    if (linkBytes.length <= 100) linkBytes.copy(b, 157);
    else {
      records.push(['linkpath', linkname]);
      linkBytes.copy(b, 157, 0, 100);
    }
  }
  seal(b);
  return records.length ? [paxHeader(records), b] : [b];
}

export class TarScanner {
  readonly entries: ManifestEntry[] = [];
  /** Bytes of tar parsed. */
  bytes = 0;
  private readonly opts: ScanOptions;
  /** A header block (or a long header's content) being gathered across chunks. */
  private gather: Buffer | null = null;
  private gathered = 0;
  private state: 'header' | 'meta' | 'data' | 'pad' = 'header';
  private missing = 0;
  private metaType = '';
  private metaBlocks: Buffer[] = [];
  private pax: PaxRecords | null = null;
  private paxGlobal: PaxRecords | null = null;
  private gnuPath: string | null = null;
  private gnuLink: string | null = null;
  private hash: Hash | null = null;
  private current: ManifestEntry | null = null;
  /** Whether the current entry's content goes on (false: left out). */
  private passing = true;
  private pending: Buffer[] = [];
  private readonly tree: Hash | null;

  constructor(opts: ScanOptions = {}) {
    this.opts = opts;
    this.tree = opts.tree && opts.hashFiles !== false ? createHash('sha256') : null;
  }

  /** The tree digest (ScanOptions.tree), hex, once the scan ended; '' without the option. */
  treeDigest(): string {
    return this.tree ? this.tree.digest('hex') : '';
  }

  /** Parse one chunk; throws TarFormatError or TarRefusal. The rewritten bytes go to `out` once per chunk. */
  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let off = 0;
    const n = chunk.length;
    while (off < n) {
      if (this.state === 'data' || this.state === 'pad') {
        const take = Math.min(this.missing, n - off);
        const slice = chunk.subarray(off, off + take);
        if (this.state === 'data') {
          if (this.hash) this.hash.update(slice);
          else this.tree?.update(slice);
          this.opts.write?.data(slice);
        } else this.tree?.update(slice);
        if (this.passing && this.opts.out) this.pending.push(slice);
        off += take;
        this.missing -= take;
        if (this.missing === 0) {
          if (this.state === 'data') {
            this.finishEntry();
            const pad = this.pad;
            if (pad) { this.state = 'pad'; this.missing = pad; } else this.state = 'header';
          } else this.state = 'header';
        }
        continue;
      }
      // header or meta: gather `want` bytes (a whole block in place when the chunk holds one)
      const want = this.state === 'header' ? BLOCK : this.missing;
      if (this.gather === null && n - off >= want) {
        const piece = chunk.subarray(off, off + want);
        off += want;
        this.done(piece);
        continue;
      }
      if (this.gather === null) {
        this.gather = Buffer.allocUnsafe(want);
        this.gathered = 0;
      }
      const take = Math.min(want - this.gathered, n - off);
      chunk.copy(this.gather, this.gathered, off, off + take);
      this.gathered += take;
      off += take;
      if (this.gathered === want) {
        const piece = this.gather;
        this.gather = null;
        this.done(piece);
      }
    }
    this.flush();
  }

  /** The input ended: throws when it ended inside an entry. */
  end(): void {
    if (this.state !== 'header' || this.gather !== null) throw new TarFormatError('unexpected end of data');
    if (this.opts.out) this.pending.push(Buffer.alloc(2 * BLOCK));
    this.flush();
  }

  private flush(): void {
    if (!this.pending.length || !this.opts.out) return;
    const out = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.opts.out(out);
  }

  private padOf = 0;
  private get pad(): number {
    return this.padOf;
  }

  private metaSize = 0;

  private done(piece: Buffer): void {
    // A header block (a zero block too) or a long header's content with its padding: verbatim.
    this.tree?.update(piece);
    if (this.state === 'meta') {
      this.meta(piece);
      return;
    }
    this.header(piece);
  }

  private meta(piece: Buffer): void {
    // The long header's content plus its padding were gathered together.
    const size = piece.length - ((BLOCK - (this.metaSize % BLOCK)) % BLOCK);
    const body = piece.subarray(0, size);
    switch (this.metaType) {
      case 'gnu-long-path':
        this.gnuPath = str(body, 0, body.length);
        break;
      case 'gnu-long-link-path':
        this.gnuLink = str(body, 0, body.length);
        break;
      case 'pax-global-header':
        this.paxGlobal = decodePax(body);
        break;
      case 'pax-header':
        this.pax = this.paxGlobal === null ? decodePax(body) : [...this.paxGlobal, ...decodePax(body)];
        break;
    }
    if (this.metaType === 'pax-global-header' && this.opts.out && this.opts.rewrite) this.metaBlocks.push(Buffer.from(piece));
    this.state = 'header';
  }

  private header(b: Buffer): void {
    const sum = checksum(b);
    // A zero block (the end of the archive, or padding): skipped.
    if (sum === 8 * 32) return;
    if (sum !== num(b, 148, 8)) throw new TarFormatError('Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?');
    let typeflag = b[156] === 0 ? 0 : b[156]! - 48;
    let name = str(b, 0, 100);
    if (isUstar(b)) {
      if (b[345]) name = `${str(b, 345, 155)}/${name}`;
    } else if (!isGnu(b)) throw new TarFormatError('Invalid tar header: unknown format.');
    if (typeflag === 0 && name && name.endsWith('/')) typeflag = 5;
    const type = TYPES[typeflag] ?? null;
    let size = num(b, 124, 12);
    if (type === 'pax-header' || type === 'pax-global-header' || type === 'gnu-long-path' || type === 'gnu-long-link-path') {
      if (size > MAX_META) throw new TarFormatError('Header exceeds max size');
      if (!(size >= 0)) throw new TarFormatError('Invalid header');
      this.metaType = type;
      this.metaSize = size;
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (padded === 0) {
        this.meta(Buffer.alloc(0));
        return;
      }
      this.state = 'meta';
      this.missing = padded;
      return;
    }
    let linkname = b[157] === 0 ? null : str(b, 157, 100);
    let mtime = num(b, 136, 12);
    const local = this.pax;
    if (this.gnuPath !== null) { name = this.gnuPath; this.gnuPath = null; }
    if (this.gnuLink !== null) { linkname = this.gnuLink; this.gnuLink = null; }
    if (local) {
      const p = paxValue(local, 'path');
      const l = paxValue(local, 'linkpath');
      const s = paxValue(local, 'size');
      const t = paxValue(local, 'mtime');
      if (t && Number.isFinite(Number(t))) mtime = Number(t);
      if (p) name = p;
      if (l) linkname = l;
      if (s) size = parseInt(s, 10);
      this.pax = null;
    }
    if (!(size >= 0)) throw new TarFormatError('Invalid header');
    const h: ScanHeader = { name, type, mode: num(b, 100, 8), uid: num(b, 108, 8), gid: num(b, 116, 8), size, linkname, mtime };
    const refusal = this.opts.check?.(h);
    if (refusal) throw new TarRefusal(refusal);
    this.opts.write?.begin(h);
    const et = entryType(type as Header['type']);
    const e: ManifestEntry = { path: relativeTarPath(h.name, ''), type: et, mode: h.mode & 0o7777, uid: h.uid, gid: h.gid, size: et === 'file' ? size : 0 };
    if (et === 'symlink') e.linkname = linkname ?? '';
    if (et === 'hardlink') e.linkname = relativeTarPath(linkname ?? '', '');
    const dataSize = type === 'directory' ? 0 : size;
    if (this.opts.out) {
      const to = this.opts.rewrite ? this.opts.rewrite(h) : { name, linkname };
      this.passing = to !== null;
      if (this.metaBlocks.length) {
        // Global pax headers stay.
        this.pending.push(...this.metaBlocks);
        this.metaBlocks = [];
      }
      if (to) this.pending.push(...(this.opts.rewrite ? renamed(b, local, to.name, to.linkname) : [Buffer.from(b)]));
    }
    this.current = e;
    this.hash = et === 'file' && this.opts.hashFiles !== false ? createHash('sha256') : null;
    this.padOf = (BLOCK - (dataSize % BLOCK)) % BLOCK;
    if (dataSize === 0) {
      this.finishEntry();
      return;
    }
    this.state = 'data';
    this.missing = dataSize;
  }

  private finishEntry(): void {
    const e = this.current!;
    this.opts.write?.end();
    if (this.hash) {
      const digest = this.hash.digest();
      e.sha256 = digest.toString('hex');
      // In the tree digest, the file's content is its sha256.
      this.tree?.update(digest);
    }
    this.hash = null;
    this.current = null;
    this.entries.push(e);
  }
}
