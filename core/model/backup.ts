/**
 * A backup job lives on the engine as the labels of a data-less volume `<stack>.moor-backup.<job>`
 * (moor.kind=backup, moor.spec: the job as applied). So running, listing or restoring a job needs
 * the engine, not the stack's source, and a no-op plan reads the jobs in the volume list it already
 * makes: no extra engine call.
 */
export function backupRecordName(stack: string, job: string): string {
  return `${stack}.moor-backup.${job}`;
}

/** Where a job's archives go inside its target: `<stack>/<job>/`. */
export function archiveDir(stack: string, job: string): string {
  return `${stack}/${job}`;
}
