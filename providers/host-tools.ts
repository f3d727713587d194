/** Whether a program is on this host's PATH (for plan-time checks such as "sshfs is installed"). */
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

export async function commandExists(name: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter(Boolean)) {
    if (await access(path.join(dir, name), constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}
