/** moor's own version, from its package.json: next to dist/ (bundled CLI) or above core/cli/ (sources). */
import { readFileSync } from 'node:fs';

export function moorVersion(): string {
  for (const rel of ['../package.json', '../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'moor') return pkg.version;
    } catch {
      // not here
    }
  }
  return 'unknown';
}
