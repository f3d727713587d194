/**
 * A volume migration copies a volume's data into a replacement volume of the same name. Volumes
 * cannot be renamed, so the data passes through a stash volume, and every stage is an engine
 * object that observe sees — a crash at any point leaves a state the next plan resumes or rolls
 * back, never one that loses data:
 *
 *   <volume>.moor-stash      local volume; the data under payload/, its manifest in manifest.json
 *   <volume>.moor-stash-ok   data-less volume created only after the stash was verified; its
 *                            labels carry the manifest's digest and totals
 *
 * The old volume is removed only once the -ok marker exists; the stash only after the new volume
 * was verified against the manifest.
 */
import { LABEL, LABEL_FORMAT } from './labels.js';

export const STASH_KIND = 'migration-stash';
export const VERIFIED_KIND = 'migration-verified';
export const STASH_PAYLOAD = 'payload';
export const STASH_MANIFEST = 'manifest.json';
const DIGEST_LABEL = 'moor.migration.digest';
const FILES_LABEL = 'moor.migration.files';
const BYTES_LABEL = 'moor.migration.bytes';

export function stashVolumeName(volumeEngineName: string): string {
  return `${volumeEngineName}.moor-stash`;
}

export function verifiedMarkerName(volumeEngineName: string): string {
  return `${volumeEngineName}.moor-stash-ok`;
}

export function isMigrationVolume(labels: Record<string, string> | null | undefined): boolean {
  const kind = labels?.[LABEL.kind];
  return kind === STASH_KIND || kind === VERIFIED_KIND;
}

export interface VerifiedStash {
  digest: string;
  files: number;
  bytes: number;
}

/** What observe found of a migration of one volume resource. */
export interface ObservedMigration {
  /** Engine name of the volume being migrated. */
  volume: string;
  stash: string | null;
  verified: (VerifiedStash & { marker: string }) | null;
}

export function stashLabels(stack: string, resource: string): Record<string, string> {
  return { [LABEL.stack]: stack, [LABEL.kind]: STASH_KIND, [LABEL.name]: resource, [LABEL.format]: LABEL_FORMAT };
}

export function verifiedLabels(stack: string, resource: string, v: VerifiedStash): Record<string, string> {
  return {
    [LABEL.stack]: stack, [LABEL.kind]: VERIFIED_KIND, [LABEL.name]: resource, [LABEL.format]: LABEL_FORMAT,
    [DIGEST_LABEL]: v.digest, [FILES_LABEL]: String(v.files), [BYTES_LABEL]: String(v.bytes),
  };
}

/** Group stash and marker volumes of a stack by the resource they migrate. */
export function readMigrations(volumes: { Name: string; Labels: Record<string, string> | null }[]): Record<string, ObservedMigration> {
  const out: Record<string, ObservedMigration> = {};
  for (const v of volumes) {
    const l = v.Labels ?? {};
    const resource = l[LABEL.name];
    if (!resource || !isMigrationVolume(l)) continue;
    const volume = v.Name.replace(/\.moor-stash(?:-ok)?$/, '');
    const m = (out[resource] ??= { volume, stash: null, verified: null });
    if (l[LABEL.kind] === STASH_KIND) m.stash = v.Name;
    else if (l[DIGEST_LABEL]) {
      m.verified = { marker: v.Name, digest: l[DIGEST_LABEL], files: Number(l[FILES_LABEL] ?? 0), bytes: Number(l[BYTES_LABEL] ?? 0) };
    }
  }
  return out;
}
