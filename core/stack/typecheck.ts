/**
 * Type-check a stack file with ts-morph before it is planned. The cold check costs about a
 * second (loading the TypeScript compiler), so a passing result is cached, keyed by the content
 * of every local file the program read: an unchanged stack never pays for it again.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { error, type Diagnostic } from '../diagnostics.js';
import { cacheDir } from './cache-dir.js';

interface CacheRecord {
  format: 1;
  files: Record<string, string>;
}

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * One record per path AND content of the stack file: switching between two versions of a stack
 * (git checkout, an edit undone) finds the check of each already made.
 */
function recordPath(file: string, content: string | Buffer): string {
  return cacheDir('typecheck', `${sha(file).slice(0, 24)}-${sha(content).slice(0, 24)}.json`);
}

async function cachedPass(file: string): Promise<boolean> {
  let record: CacheRecord;
  try {
    record = JSON.parse(await readFile(recordPath(file, await readFile(file)), 'utf8')) as CacheRecord;
  } catch {
    return false;
  }
  if (record.format !== 1 || !record.files[file]) return false;
  try {
    const hashes = await Promise.all(Object.keys(record.files).map(async (f) => [f, sha(await readFile(f))] as const));
    return hashes.every(([f, h]) => record.files[f] === h);
  } catch {
    return false;
  }
}

async function storePass(file: string, files: string[]): Promise<void> {
  const record: CacheRecord = { format: 1, files: {} };
  for (const f of files) record.files[f] = sha(await readFile(f));
  const target = recordPath(file, await readFile(file));
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(record));
  await rename(tmp, target);
}

export interface TypecheckResult {
  diagnostics: Diagnostic[];
  cached: boolean;
}

export async function typecheckStack(file: string): Promise<TypecheckResult> {
  if (process.env.MOOR_SKIP_TYPECHECK === '1') return { diagnostics: [], cached: true };
  if (await cachedPass(file)) return { diagnostics: [], cached: true };

  const { Project, ts } = await import('ts-morph');
  // Stacks may read process.env and friends: moor brings Node's types along (a dependency of moor).
  let typeRoots: string[] | undefined;
  try {
    typeRoots = [path.dirname(path.dirname(createRequire(import.meta.url).resolve('@types/node/package.json')))];
  } catch {
    typeRoots = undefined;
  }
  const project = new Project({
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      lib: ['lib.es2023.d.ts'],
      ...(typeRoots ? { typeRoots, types: ['node'] } : {}),
    },
    skipAddingFilesFromTsConfig: true,
  });
  project.addSourceFileAtPath(file);
  project.resolveSourceFileDependencies();
  const diagnostics: Diagnostic[] = project.getPreEmitDiagnostics().map((d) => {
    const source = d.getSourceFile();
    const start = d.getStart();
    const message = ts.flattenDiagnosticMessageText(d.compilerObject.messageText, '\n');
    if (!source || start === undefined) return error(`type error: ${message}`, { location: { file } });
    const { line, column } = source.getLineAndColumnAtPos(start);
    return error(`type error: ${message}`, { location: { file: source.getFilePath(), line, column } });
  });
  if (diagnostics.length === 0) {
    const local = project
      .getSourceFiles()
      .map((s) => s.getFilePath() as string)
      .filter((f) => !f.includes('/node_modules/'));
    await storePass(file, local).catch(() => undefined); // a cache that cannot be written only costs time
  }
  return { diagnostics, cached: false };
}
