/**
 * Volume migration, exactly as planned (see model/migration.ts for the stages and why each is
 * safe to interrupt). The destroy phase runs once the volume's containers are gone: it stashes the
 * data and releases the old volume; the create phase makes the new volume and fills it.
 */
import { MoorError } from '../errors.js';
import type { EngineClient } from '../engine/client.js';
import { engineName } from '../model/names.js';
import {
  STASH_MANIFEST, STASH_PAYLOAD, stashLabels, stashVolumeName, verifiedLabels, verifiedMarkerName,
} from '../model/migration.js';
import type { MigrationStep, Operation } from '../plan/types.js';
import { createVolume, deleteVolume } from './volume.js';
import { removeLeftoverHelpers } from './leftover-helpers.js';
import type { HostContext } from '../../providers/types.js';
import { timed } from '../volume-data/phases.js';
import { proveLocalEngine, readVolumeFileLocally, writeVolumeFileLocally } from '../volume-data/local.js';
import { compareManifests, copyVolume, manifestDigest, readFile, writeFile, type Manifest } from '../volume-data/index.js';

type MigrateOp = Extract<Operation, { type: 'volume.migrate' }>;

const DESTROY_STEPS: MigrationStep[] = ['discard-stash', 'stash', 'drop-old'];

export class MigrationError extends MoorError {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/**
 * Fault injection for the crash tests: MOOR_FAULT=migrate:<step> kills the process (SIGKILL, as
 * a crash would) right after that step; migrate:<step>+<ms> kills it that long into the step.
 */
function faultPoint(step: MigrationStep): { after: () => void; cancel: () => void } {
  const m = /^migrate:([a-z-]+)(?:\+(\d+)(?:ms)?)?$/.exec(process.env.MOOR_FAULT ?? '');
  if (!m || m[1] !== step) return { after: () => undefined, cancel: () => undefined };
  const kill = () => process.kill(process.pid, 'SIGKILL');
  if (m[2] === undefined) return { after: kill, cancel: () => undefined };
  const timer = setTimeout(kill, Number(m[2]));
  return { after: () => undefined, cancel: () => clearTimeout(timer) };
}

async function labelsOf(client: EngineClient, volume: string): Promise<Record<string, string>> {
  const v = await client.request<{ Labels: Record<string, string> | null }>('GET', `/volumes/${encodeURIComponent(volume)}`);
  return v.Labels ?? {};
}

async function runStep(client: EngineClient, stack: string, op: MigrateOp, step: MigrationStep, host: HostContext | undefined): Promise<void> {
  const volume = engineName(stack, op.volume.name);
  const stash = stashVolumeName(volume);
  const marker = verifiedMarkerName(volume);
  switch (step) {
    case 'discard-stash':
      await deleteVolume(client, marker);
      await deleteVolume(client, stash);
      return;
    case 'stash': {
      await timed('migrate.stash-volume', () => client.request('POST', '/volumes/create', { body: { Name: stash, Driver: 'local', Labels: stashLabels(stack, op.volume.name) } }));
      // A local engine's volumes are then read back from the filesystem (see volume-data/local.ts).
      await timed('migrate.prove-local', () => proveLocalEngine(client, stash));
      // manifest.json is written while the stash is read back: without the marker it proves nothing.
      const manifest = await copyVolume(client, volume, stash, {
        toSub: STASH_PAYLOAD, localReadBack: true, localSource: true, localCopy: true,
        whileReadingBack: (sent) => timed('migrate.manifest-file', async () => {
          const bytes = Buffer.from(JSON.stringify(sent));
          if (!(await writeVolumeFileLocally(client, stash, STASH_MANIFEST, bytes))) await writeFile(client, stash, STASH_MANIFEST, bytes);
        }),
      });
      // Only now is the copy known good: the marker is what lets the old volume go.
      await timed('migrate.marker', () => client.request('POST', '/volumes/create', {
        body: { Name: marker, Driver: 'local', Labels: verifiedLabels(stack, op.volume.name, { digest: manifestDigest(manifest), files: manifest.files, bytes: manifest.bytes }) },
      }));
      return;
    }
    case 'drop-old':
      await deleteVolume(client, volume, host && op.old ? { stack, old: op.old, host } : undefined);
      return;
    case 'create-new':
      await createVolume(client, stack, op.volume, host);
      return;
    case 'restore': {
      const digest = (await labelsOf(client, marker))['moor.migration.digest'];
      // A local engine's stash is read from its directory (see volume-data/local.ts), the manifest file too.
      await timed('migrate.prove-local', () => proveLocalEngine(client, stash));
      const raw = await timed('migrate.manifest-read', async () => (await readVolumeFileLocally(client, stash, STASH_MANIFEST)) ?? readFile(client, stash, STASH_MANIFEST));
      const expected = raw ? (JSON.parse(raw.toString('utf8')) as Manifest) : null;
      if (!expected || !digest || manifestDigest(expected) !== digest) {
        throw new MigrationError(`the verified copy in ${stash} does not match its marker ${marker}; it is kept untouched, ${volume} was not filled`);
      }
      // A restore cut off half way into storage that outlives its engine volume (a bind()
      // directory) is written again over what it left; anything else in the way refuses.
      // The stash was verified against this manifest when it was written (and its digest is on
      // the marker): the copy goes straight in, and the new volume's read-back must equal it.
      const copied = await copyVolume(client, stash, volume, { fromSub: STASH_PAYLOAD, resumeOf: expected, expected, localReadBack: true, localCopy: true });
      const diff = compareManifests(expected, copied);
      if (diff.length) {
        throw new MigrationError(`${volume} does not match the data stashed in ${stash} (kept): ${diff.join('; ')}`);
      }
      return;
    }
    case 'drop-stash':
      await deleteVolume(client, stash);
      await deleteVolume(client, marker);
      return;
  }
}

export async function runMigration(client: EngineClient, stack: string, op: MigrateOp, phase: 'destroy' | 'create', host?: HostContext): Promise<void> {
  const steps = op.steps.filter((s) => DESTROY_STEPS.includes(s) === (phase === 'destroy'));
  const volume = engineName(stack, op.volume.name);
  if (steps.length) await removeLeftoverHelpers(client, { volumes: [volume, stashVolumeName(volume)] });
  for (const step of steps) {
    const fault = faultPoint(step);
    try {
      await timed(`migrate.${step}`, () => runStep(client, stack, op, step, host));
    } finally {
      fault.cancel();
    }
    fault.after();
  }
}

