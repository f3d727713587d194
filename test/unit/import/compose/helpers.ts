/** Compose projects written to a temp directory for the importer's unit tests. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TempProject {
  dir: string;
  file(name: string): string;
  remove(): void;
}

/** Files by relative path → a temp directory holding them. */
export function writeProject(files: Record<string, string>): TempProject {
  const dir = mkdtempSync(path.join(tmpdir(), 'moor-compose-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return { dir, file: (n) => path.join(dir, n), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Dedent a template literal (YAML is indentation-sensitive). */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
