/**
 * Backup jobs as applied, read from the engine (their record volumes): what `moor backup` runs.
 * The stack file only names the stack; a job changed in the file but not applied yet runs as it
 * was applied, with a warning.
 */
import { MoorError } from '../errors.js';
import type { EngineClient } from '../engine/client.js';
import { LABEL, readSpec } from '../model/labels.js';
import type { BackupSpec, DesiredStack } from '../model/spec.js';
import { sameValue } from '../plan/values.js';

export async function readJobs(client: EngineClient, stack: string): Promise<Map<string, BackupSpec>> {
  const list = await client.request<{ Volumes: { Name: string; Labels: Record<string, string> | null }[] | null }>('GET', '/volumes', {
    query: { filters: JSON.stringify({ label: [`${LABEL.stack}=${stack}`, `${LABEL.kind}=backup`] }) },
  });
  const jobs = new Map<string, BackupSpec>();
  for (const v of list.Volumes ?? []) {
    const spec = readSpec<BackupSpec>(v.Labels, 'backup');
    if (spec) jobs.set(spec.name, spec);
  }
  return jobs;
}

export class JobError extends MoorError {
  constructor(message: string) {
    super(message);
    this.name = 'JobError';
  }
}

/** The applied job, and a warning when the stack file says something else. */
export function jobOf(jobs: Map<string, BackupSpec>, stack: DesiredStack, name: string): { job: BackupSpec; warning?: string } {
  const job = jobs.get(name);
  const declared = stack.backups.find((b) => b.name === name);
  if (!job) {
    const known = [...jobs.keys()].sort();
    throw new JobError(
      declared
        ? `backup job ${name} is in ${stack.file} but not on the engine yet: run moor apply first`
        : `stack ${stack.name} has no backup job ${name}${known.length ? ` (applied jobs: ${known.join(', ')})` : ' (no job is applied)'}`,
    );
  }
  if (declared && !sameValue(declared, job)) {
    return { job, warning: `the job ${name} in ${stack.file} differs from the one applied; this runs the applied one (moor apply updates it)` };
  }
  return { job };
}
