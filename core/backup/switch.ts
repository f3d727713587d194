/**
 * The restore's switch, as a script a worker runs with each volume mounted at RESTORE/<volume>:
 * the volume's current entries go aside into `$STAGE.old`, the staged copy is renamed `$STAGE.new`
 * (the point of no return), its entries move into place, the root gets the archive's mode and
 * owner, and the old entries are deleted. Only renames until the last step, and every stage can be
 * run again from where a killed run left it: before `$STAGE.new` exists the old data is still all
 * there (in place or aside), after it the staged copy is complete. So a restore killed during the
 * switch is finished by the next command (backup/intents.ts), never left half old, half new.
 */
import { RESTORE } from './target.js';

/** Arguments: `<volume> <mode> <uid:gid>` per volume; env STAGE. */
export const SWITCH_SCRIPT = `set -e
while [ $# -gt 0 ]; do
  v=$1 mode=$2 owner=$3; shift 3
  cd "${RESTORE}/$v"
  if [ -d "$STAGE" ]; then
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
  rm -rf -- "$STAGE.old"
done`;

/** Remove the staging directories (a restore that stopped before its switch); env VOLUMES, STAGE. */
export const DISCARD_STAGE_SCRIPT = `for v in $VOLUMES; do rm -rf -- "${RESTORE}/$v/$STAGE"; done`;
