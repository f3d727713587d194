/** Content hash of an image build context: paths, modes and bytes of every file, in a stable order. */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';

export async function hashContext(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    const entries = (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(dir, p);
      const st = await lstat(full);
      hash.update(`${p}\0${st.mode}\0`);
      if (e.isDirectory()) await walk(p);
      else if (e.isSymbolicLink()) hash.update(await readlink(full));
      else if (e.isFile()) hash.update(await readFile(full));
      hash.update('\0');
    }
  };
  await walk('');
  return hash.digest('hex').slice(0, 32);
}
