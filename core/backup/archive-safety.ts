/**
 * Is a backup archive safe to restore? Checked entry by entry while its tar headers stream past,
 * before anything is written: one ArchiveSafety per archive, `check` on every header in order.
 *
 * The archive holds one directory per volume at its top level (`./<volume>/…` or `<volume>/…`).
 * An entry must stay inside its own volume's directory: that directory is the root of every escape
 * check, so no link may point into another volume or above them. Refused:
 * - names that are absolute, contain `..` or a NUL byte (`./` prefixes, `.` components and
 *   duplicate slashes are normalized away first);
 * - an entry whose path goes through an earlier symbolic link (extracting it would follow the link),
 *   or that would replace an earlier symbolic link;
 * - symbolic links whose target is absolute (it points outside the volume wherever it is mounted), or,
 *   resolved from the link's directory, leaves the volume. Resolution is lexical, through the
 *   archive's other links: a target through an earlier link follows it, and a later link that an
 *   earlier target went through re-checks that target. A chain of more than 40 links is refused (ELOOP);
 * - anything but a directory at the path of a directory of the archive (listed, or implied by an
 *   earlier entry's path): a link there would redirect what was extracted below it;
 * - hard links whose target is absolute, contains `..`, is not an earlier file of the same volume,
 *   or is a symbolic link or a directory;
 * - character and block devices (a volume has no use for device nodes, and a restore must not create
 *   them), and any type tar-stream does not name;
 * - at the top level: anything but directories (the volumes) and regular files (e.g. a manifest,
 *   which the restore reads and does not extract into a volume); with `volumes` given, a directory
 *   that is not one of them.
 * FIFOs are allowed: a named pipe is a node in the volume, it reads nothing from outside it.
 * Names compare byte for byte (volumes live on case-sensitive Linux file systems).
 */

export interface TarEntryHeader {
  name: string;
  /** tar-stream's header.type: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device' | … */
  type?: string | null;
  linkname?: string | null;
}

export interface ArchiveSafetyOptions {
  /** The volumes the archive should hold: any other top-level directory is refused. */
  volumes?: readonly string[];
  /**
   * 'inside' (the default): a symbolic link must resolve inside its volume. 'any': a symbolic link
   * is restored as the data it is, whatever it points at (`current → /data/v2` is common, and
   * means a path in the container that reads it); it stays inert, because no entry is ever
   * written through a symbolic link, nor replaces one, and hard links must stay inside.
   */
  symlinkTargets?: 'inside' | 'any';
}

/** The deepest chain of symbolic links followed, as Linux (MAXSYMLINKS). */
const MAX_LINKS = 40;

const FILE_TYPES = new Set(['file', 'contiguous-file', 'fifo']);

const TYPE_WORDS: Record<string, string> = { symlink: 'symbolic link', link: 'hard link', fifo: 'FIFO', directory: 'directory', 'contiguous-file': 'file', file: 'file' };

/** `./a//b/./c/` → ['a', 'b', 'c']; `..` components are kept for the caller to refuse. */
function components(name: string): string[] {
  return name.split('/').filter((c) => c !== '' && c !== '.');
}

type Resolution = { ok: true; at: string[]; through: string[] } | { ok: false; why: string };

export class ArchiveSafety {
  /** Entry paths seen so far ('a/b'), with their type. */
  private readonly entries = new Map<string, string>();
  /** Symbolic links seen so far: path → target. */
  private readonly symlinks = new Map<string, string>();
  /** For each path that a link's resolution went through as a directory, the links that did. */
  private readonly walkedThrough = new Map<string, Set<string>>();
  private readonly volumes?: ReadonlySet<string>;
  private readonly anyTarget: boolean;

  constructor(options: ArchiveSafetyOptions = {}) {
    if (options.volumes) this.volumes = new Set(options.volumes);
    this.anyTarget = options.symlinkTargets === 'any';
  }

  /** Why the entry is refused (`refusing to restore: "…" …`), or null when it is safe. */
  check(entry: TarEntryHeader): string | null {
    const why = this.problem(entry);
    return why === null ? null : `refusing to restore: ${JSON.stringify(entry.name)} ${why}`;
  }

  private problem(entry: TarEntryHeader): string | null {
    const { name } = entry;
    const type = entry.type ?? null;
    if (name.includes('\0')) return 'has a NUL byte in its name';
    if (name.startsWith('/')) return 'is an absolute path';
    const parts = components(name);
    if (parts.includes('..')) return 'has a ".." component';
    const path = parts.join('/');
    if (parts.length === 0) return type === 'directory' ? null : 'has no name';
    const typeProblem = this.typeProblem(type, parts);
    if (typeProblem) return typeProblem;
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (this.symlinks.has(prefix)) return `goes through the symbolic link "${prefix}"`;
    }
    if (this.symlinks.has(path)) return `would replace the symbolic link "${path}"`;
    if (type !== 'directory' && this.entries.get(path) === 'directory') return `would replace the directory "${path}"`;
    let problem: string | null = null;
    if (type === 'symlink') problem = this.symlinkProblem(parts, entry.linkname);
    else if (type === 'link') problem = this.hardLinkProblem(parts, entry.linkname);
    if (problem) return problem;
    // Parents not listed before are directories all the same (tar need not list them).
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (!this.entries.has(prefix)) this.entries.set(prefix, 'directory');
    }
    this.entries.set(path, type ?? 'unknown');
    return null;
  }

  private typeProblem(type: string | null, parts: string[]): string | null {
    if (type === null) return 'has type unknown, which moor does not restore';
    if (type === 'character-device' || type === 'block-device') return `is a ${type.replace('-', ' ')}, which moor does not restore`;
    if (type !== 'directory' && type !== 'symlink' && type !== 'link' && !FILE_TYPES.has(type)) {
      return `has type ${JSON.stringify(type)}, which moor does not restore`;
    }
    if (parts.length === 1) {
      if (type === 'directory') {
        if (this.volumes && !this.volumes.has(parts[0]!)) return `is not one of this backup's volumes (${[...this.volumes].join(', ')})`;
        return null;
      }
      if (type === 'file' || type === 'contiguous-file') return null;
      return `is a ${TYPE_WORDS[type] ?? type} at the top of the archive, where only volume directories belong`;
    }
    if (this.volumes && !this.volumes.has(parts[0]!)) return `is not in one of this backup's volumes (${[...this.volumes].join(', ')})`;
    return null;
  }

  private hardLinkProblem(parts: string[], linkname: string | null | undefined): string | null {
    if (!linkname) return 'is a hard link without a target';
    if (linkname.includes('\0')) return 'is a hard link whose target has a NUL byte';
    if (linkname.startsWith('/')) return `is a hard link to the absolute path "${linkname}"`;
    const target = components(linkname);
    if (target.includes('..')) return `is a hard link to "${linkname}", which has a ".." component`;
    const path = target.join('/');
    const type = this.entries.get(path);
    if (type === undefined) return `is a hard link to "${linkname}", which is not an earlier file of the archive`;
    if (target[0] !== parts[0]) return `is a hard link to "${linkname}", in another volume`;
    if (!FILE_TYPES.has(type) && type !== 'link') return `is a hard link to "${linkname}", which is a ${TYPE_WORDS[type] ?? type}`;
    for (let i = 1; i < target.length; i++) {
      const prefix = target.slice(0, i).join('/');
      if (this.symlinks.has(prefix)) return `is a hard link through the symbolic link "${prefix}"`;
    }
    return null;
  }

  private symlinkProblem(parts: string[], linkname: string | null | undefined): string | null {
    if (!linkname) return 'is a symbolic link without a target';
    if (linkname.includes('\0')) return 'is a symbolic link whose target has a NUL byte';
    const path = parts.join('/');
    if (this.anyTarget) {
      this.symlinks.set(path, linkname);
      return null;
    }
    if (linkname.startsWith('/')) return `is a symbolic link to the absolute path "${linkname}", outside the volume`;
    const resolution = this.resolve(parts.slice(0, -1), linkname, 0);
    if (!resolution.ok) return `is a symbolic link to "${linkname}", which ${resolution.why}`;
    // Links whose earlier resolution went through this path as a directory now go through this link.
    this.symlinks.set(path, linkname);
    for (const earlier of this.walkedThrough.get(path) ?? []) {
      const again = this.resolve(components(earlier).slice(0, -1), this.symlinks.get(earlier)!, 0);
      if (!again.ok) {
        this.symlinks.delete(path);
        return `is a symbolic link to "${linkname}", through which the earlier link "${earlier}" ${again.why}`;
      }
      this.record(earlier, again.through);
    }
    this.record(path, resolution.through);
    return null;
  }

  private record(link: string, through: string[]): void {
    for (const p of through) {
      let links = this.walkedThrough.get(p);
      if (!links) this.walkedThrough.set(p, (links = new Set()));
      links.add(link);
    }
  }

  /**
   * Resolve `target` from the directory `dir` (components from the archive root), through the
   * links known so far. The volume (dir[0]) is the floor: going above it is an escape.
   * `asDirectory`: the target is itself walked through (a link followed mid-path), so a link at
   * its last component is followed too. `through`: every path used as a directory on the way, for
   * re-checks when a link appears there later.
   */
  private resolve(dir: string[], target: string, depth: number, asDirectory = false): Resolution {
    if (depth > MAX_LINKS) return { ok: false, why: `goes through more than ${MAX_LINKS} symbolic links` };
    if (target.startsWith('/')) return { ok: false, why: 'leads to an absolute path, outside the volume' };
    let at = [...dir];
    const through: string[] = [];
    const comps = components(target);
    for (const [i, c] of comps.entries()) {
      if (c === '..') {
        if (at.length <= 1) return { ok: false, why: 'leads outside the volume' };
        at.pop();
        continue;
      }
      at.push(c);
      if (i === comps.length - 1 && !asDirectory) break;
      const here = at.join('/');
      through.push(here);
      const link = this.symlinks.get(here);
      if (link !== undefined) {
        const followed = this.resolve(at.slice(0, -1), link, depth + 1, true);
        if (!followed.ok) return followed;
        through.push(...followed.through);
        at = followed.at;
      }
    }
    return { ok: true, at, through };
  }
}

/**
 * The check every restored entry passes before it is written: inside one of `volumes`, safe, any
 * symbolic link target (see ArchiveSafetyOptions). Nothing but the volumes' directories at the top:
 * a stray top-level file would land outside every volume.
 */
export function restoreCheck(volumes: readonly string[]): { check(entry: TarEntryHeader): string | null } {
  const safety = new ArchiveSafety({ volumes, symlinkTargets: 'any' });
  return {
    check: (h) => (h.type !== 'directory' && !h.name.replace(/^(\.\/)+/, '').includes('/') && !h.name.startsWith('/') ? `refusing to restore: ${JSON.stringify(h.name)} is not inside a volume of this archive (${volumes.join(', ')})` : safety.check(h)),
  };
}
