/**
 * The restore's switch, as a script a worker runs with each volume mounted at RESTORE/<volume>:
 * the volume's current entries go aside into `$STAGE.old`, the staged copy is renamed `$STAGE.new`
 * (the point of no return), its entries move into place, the root gets the archive's mode and
 * owner, and the old entries are deleted. Only renames until the last step, and every stage can be
 * run again from where a killed run left it: before `$STAGE.new` exists the old data is still all
 * there (in place or aside), after it the staged copy is complete. So a restore killed during the
 * switch is finished by the next command (backup/intents.ts), never left half old, half new.
 */
import { chmod, lchown, lstat, mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { RESTORE } from './target.js';
import { SYNC_FS, syncFileSystems } from '../volume-data/durable.js';

/**
 * Arguments: `<volume> <mode> <uid:gid>` per volume; env STAGE. The staged copy is made durable
 * before its rename to `$STAGE.new`, and the renames before the old data is deleted (durable.ts).
 */
export const SWITCH_SCRIPT = `set -e
while [ $# -gt 0 ]; do
  v=$1 mode=$2 owner=$3; shift 3
  cd "${RESTORE}/$v"
  if [ -d "$STAGE" ]; then
    ${SYNC_FS('.')}
    mkdir -p "$STAGE.old"
    for e in * .[!.]* ..?*; do
      case "$e" in "$STAGE"|"$STAGE.old"|"$STAGE.new") continue ;; esac
      if [ -e "$e" ] || [ -L "$e" ]; then mv -- "$e" "$STAGE.old/"; fi
    done
    mv -- "$STAGE" "$STAGE.new"
  fi
  if [ -d "$STAGE.new" ]; then
    for e in "$STAGE.new"/* "$STAGE.new"/.[!.]* "$STAGE.new"/..?*; do
      if [ -e "$e" ] || [ -L "$e" ]; then mv -- "$e" .; fi
    done
    rmdir "$STAGE.new"
  fi
  chown "$owner" .
  chmod "$mode" .
  if [ -d "$STAGE.old" ]; then ${SYNC_FS('.')}; fi
  rm -rf -- "$STAGE.old"
done`;

/** Remove the staging directories (a restore that stopped before its switch); env VOLUMES, STAGE. */
export const DISCARD_STAGE_SCRIPT = `for v in $VOLUMES; do rm -rf -- "${RESTORE}/$v/$STAGE"; done`;

/**
 * A volume whose data is staged beside it (restore extracting here, local-extract.ts): its
 * directory (`<volumes dir>/<volume>/_data`, what containers mount) and the one holding it, where
 * the staging directory `<stage>`, and during the switch `<stage>.new` and `<stage>.old`, are.
 */
export interface BesideVolume {
  data: string;
  beside: string;
}

async function isDir(p: string): Promise<boolean> {
  return (await lstat(p).catch(() => null))?.isDirectory() ?? false;
}

/**
 * SWITCH_SCRIPT's renames, done here for a volume staged beside its data: the current entries go
 * aside into `<stage>.old` beside `_data`, the staged copy is renamed `<stage>.new` (the point of
 * no return), its entries move into `_data`, the root gets the archive's mode and owner. Every
 * step can be run again from where a killed run left it, as the script's. The old entries are not
 * deleted here (removeOldData): outside `_data`, they can be once the containers run again.
 */
export async function switchBeside(v: BesideVolume, stage: string, mode: number, uid: number, gid: number): Promise<void> {
  const staged = path.join(v.beside, stage);
  const next = `${staged}.new`;
  const old = `${staged}.old`;
  if (await isDir(staged)) {
    if (!(await isDir(old))) await mkdir(old, { mode: 0o700 });
    for (const e of await readdir(v.data)) await rename(path.join(v.data, e), path.join(old, e));
    await rename(staged, next);
  }
  if (await isDir(next)) {
    for (const e of await readdir(next)) await rename(path.join(next, e), path.join(v.data, e));
    await rmdir(next);
  }
  await lchown(v.data, uid, gid);
  await chmod(v.data, mode);
}

/**
 * Delete what switchBeside put aside (nothing when it is gone already), once the switch's renames
 * are durable (a sync of the volume's file system; none when nothing is left to delete).
 */
export async function removeOldData(v: BesideVolume, stage: string): Promise<void> {
  const old = path.join(v.beside, `${stage}.old`);
  if (!(await lstat(old).catch(() => null))) return;
  await syncFileSystems([v.beside]);
  await rm(old, { recursive: true, force: true });
}

/** Make volumes' staged copies durable, before the switch (its point of no return). */
export function syncStaged(volumes: Iterable<BesideVolume>): Promise<void> {
  return syncFileSystems([...volumes].map((v) => v.beside));
}

/** Delete a volume's staging directory beside its data (a restore that stopped before its switch). */
export async function discardBeside(v: BesideVolume, stage: string): Promise<void> {
  await rm(path.join(v.beside, stage), { recursive: true, force: true });
}
