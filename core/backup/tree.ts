/**
 * Manifests of a backup's trees, made comparable. The archive holds one top-level directory per
 * volume (`data/…`); a volume read on its own has paths relative to its root. And two tar writers
 * may pick different members of a hard-link group as the file (the first one they meet): the
 * group is rewritten so that its smallest path is the file and the others link to it.
 */
import { buildManifest, type Manifest, type ManifestEntry } from '../volume-data/manifest.js';

/** A volume's manifest (paths relative to its root) under its directory in the archive. */
export function underVolume(volume: string, m: Manifest): ManifestEntry[] {
  const prefix = (p: string) => (p === '.' ? volume : `${volume}/${p}`);
  return m.entries.map((e) => ({ ...e, path: prefix(e.path), ...(e.type === 'hardlink' && e.linkname !== undefined ? { linkname: prefix(e.linkname) } : {}) }));
}

/** The entries of one volume out of an archive's manifest, relative to the volume's root. */
export function ofVolume(volume: string, entries: ManifestEntry[]): ManifestEntry[] {
  const strip = (p: string) => (p === volume ? '.' : p.slice(volume.length + 1));
  return entries
    .filter((e) => e.path === volume || e.path.startsWith(`${volume}/`))
    .map((e) => ({ ...e, path: strip(e.path), ...(e.type === 'hardlink' && e.linkname !== undefined ? { linkname: strip(e.linkname) } : {}) }));
}

/** Hard-link groups in a canonical form: the smallest path holds the content, the others link to it. */
export function canonical(entries: ManifestEntry[]): Manifest {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const groups = new Map<string, string[]>();
  for (const e of entries) {
    if (e.type !== 'hardlink' || !e.linkname || byPath.get(e.linkname)?.type !== 'file') continue;
    const g = groups.get(e.linkname) ?? [e.linkname];
    g.push(e.path);
    groups.set(e.linkname, g);
  }
  const out = new Map(byPath);
  for (const [file, members] of groups) {
    const content = byPath.get(file)!;
    const [first, ...rest] = [...members].sort();
    out.set(first!, { ...content, path: first! });
    for (const p of rest) {
      const { sha256: _s, ...meta } = content;
      out.set(p, { ...meta, path: p, type: 'hardlink', size: 0, linkname: first! });
    }
  }
  return buildManifest([...out.values()]);
}
