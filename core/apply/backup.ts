/** Backup job records, exactly as planned: a data-less volume whose labels hold the job. */
import type { EngineClient } from '../engine/client.js';
import { backupRecordName } from '../model/backup.js';
import { specLabels } from '../model/labels.js';
import type { BackupSpec } from '../model/spec.js';
import { deleteVolume } from './volume.js';

export async function writeBackupRecord(client: EngineClient, stack: string, b: BackupSpec, replace: boolean): Promise<void> {
  const name = backupRecordName(stack, b.name);
  // Labels cannot change: an updated job is a new record under the same name (it holds no data).
  if (replace) await deleteVolume(client, name);
  await client.request('POST', '/volumes/create', { body: { Name: name, Driver: 'local', Labels: specLabels(stack, b) } });
}
