/**
 * Type-check a stack file before it is planned, with the same strict options and the same
 * file:line:col diagnostics whichever compiler runs: TypeScript 7's native compiler (a Go binary
 * from the `typescript` package's platform package: ≈0.2 s for a stack) when it is installed for
 * this platform, else the TypeScript 6 API that ts-morph bundles (≈1–3 s: it loads the compiler
 * into Node). A passing result is cached, keyed by the content of every local file the program
 * read: an unchanged stack never pays for it again.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { error, type Diagnostic } from '../diagnostics.js';
import { cacheDir, writeCacheFile } from './cache-dir.js';
import { murmur128 } from '../hash.js';
import { importExternal } from '../import-external.js';

interface CacheRecord {
  format: 2;
  files: Record<string, string>;
}

// Cache keys only (core/hash.ts): node:crypto stays unloaded on a plan.

/**
 * One record per path AND content of the stack file: switching between two versions of a stack
 * (git checkout, an edit undone) finds the check of each already made.
 */
function recordPath(file: string, content: string | Buffer): string {
  return cacheDir('typecheck', `${murmur128(file).slice(0, 24)}-${murmur128(content).slice(0, 24)}.json`);
}

/** Read synchronously: ≈20 small files, 3× faster so than through the thread pool (on every plan's path). */
function cachedPass(file: string): boolean {
  let record: CacheRecord;
  try {
    record = JSON.parse(readFileSync(recordPath(file, readFileSync(file)), 'utf8')) as CacheRecord;
  } catch {
    return false;
  }
  if (record.format !== 2 || !record.files[file]) return false; // 2: murmur128, not sha256
  try {
    return Object.entries(record.files).every(([f, h]) => murmur128(readFileSync(f)) === h);
  } catch {
    return false;
  }
}

async function storePass(file: string, files: string[]): Promise<void> {
  const record: CacheRecord = { format: 2, files: {} };
  for (const f of files) record.files[f] = murmur128(await readFile(f));
  await writeCacheFile(recordPath(file, await readFile(file)), JSON.stringify(record));
}

export interface TypecheckResult {
  diagnostics: Diagnostic[];
  cached: boolean;
}

/** Compiler options for stacks: strict, ES modules resolved like a bundler, Node's types. */
function compilerOptions(): Record<string, unknown> {
  return {
    target: 'es2022',
    module: 'esnext',
    moduleResolution: 'bundler',
    allowImportingTsExtensions: true,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    lib: ['es2023'],
    ...(nodeTypeRoots() ? { typeRoots: nodeTypeRoots(), types: ['node'] } : {}),
  };
}

/** Stacks may read process.env and friends: moor brings Node's types along (a dependency of moor). */
function nodeTypeRoots(): string[] | undefined {
  try {
    return [path.dirname(path.dirname(createRequire(import.meta.url).resolve('@types/node/package.json')))];
  } catch {
    return undefined;
  }
}

/** The native compiler of the installed `typescript` (7+), when its platform package is there. */
function nativeCompiler(): string | undefined {
  if (process.env.MOOR_TYPECHECK === 'ts-morph') return undefined;
  try {
    const fromTypescript = createRequire(createRequire(import.meta.url).resolve('typescript/package.json'));
    const pkg = fromTypescript.resolve(`@typescript/typescript-${process.platform}-${process.arch}/package.json`);
    return path.join(path.dirname(pkg), 'lib', process.platform === 'win32' ? 'tsc.exe' : 'tsc');
  } catch {
    return undefined;
  }
}

interface CheckOutput {
  diagnostics: Diagnostic[];
  /** Every file the program read (absolute). */
  files: string[];
}

/** `file(line,col): error TSnnnn: message`, continuation lines indented: tsc's --pretty false output. */
export function parseTscOutput(text: string, cwd: string, stackFile: string): CheckOutput {
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];
  let last: Diagnostic | undefined;
  for (const line of text.split(/\r?\n/)) {
    const m = /^(.+?)\((\d+),(\d+)\): error TS\d+: (.*)$/.exec(line);
    if (m) {
      last = error(`type error: ${m[4]}`, { location: { file: path.resolve(cwd, m[1]!), line: Number(m[2]), column: Number(m[3]) } });
      diagnostics.push(last);
    } else if (/^error TS\d+: /.test(line)) {
      last = error(`type error: ${line.replace(/^error TS\d+: /, '')}`, { location: { file: stackFile } });
      diagnostics.push(last);
    } else if (/^\s+\S/.test(line) && last) {
      last.summary += `\n${line.replace(/^\s+/, (ws) => ws.slice(2))}`;
    } else if (line.trim()) {
      last = undefined;
      files.push(path.resolve(cwd, line.trim()));
    }
  }
  return { diagnostics, files };
}

/** Run the native compiler on a throw-away tsconfig naming just the stack file. */
async function nativeCheck(exe: string, file: string): Promise<CheckOutput | undefined> {
  const dir = cacheDir('typecheck', 'projects');
  await mkdir(dir, { recursive: true });
  const config = path.join(dir, `${murmur128(file).slice(0, 24)}.${process.pid}.json`);
  await writeFile(config, JSON.stringify({ compilerOptions: compilerOptions(), files: [file] }));
  try {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(exe, ['-p', config, '--pretty', 'false', '--listFiles'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.resume();
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out }));
    });
    // 0: no errors; 1 and 2: errors were reported. Anything else: the compiler itself failed.
    if (code !== 0 && code !== 1 && code !== 2) return undefined;
    const result = parseTscOutput(stdout, dir, file);
    if (code !== 0 && result.diagnostics.length === 0) return undefined;
    return result;
  } catch {
    return undefined; // not executable here: the bundled TypeScript API does the check instead
  } finally {
    await rm(config, { force: true });
  }
}

/** The same check through ts-morph's TypeScript 6 API, in this process. */
async function apiCheck(file: string): Promise<CheckOutput> {
  const { Project, ts } = await importExternal<typeof import('ts-morph')>('ts-morph');
  const options = ts.convertCompilerOptionsFromJson(compilerOptions(), path.dirname(file)).options;
  const project = new Project({ compilerOptions: options, skipAddingFilesFromTsConfig: true });
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
  return { diagnostics, files: project.getSourceFiles().map((s) => s.getFilePath() as string) };
}

export async function typecheckStack(file: string): Promise<TypecheckResult> {
  if (process.env.MOOR_SKIP_TYPECHECK === '1') return { diagnostics: [], cached: true };
  if (cachedPass(file)) return { diagnostics: [], cached: true };
  const exe = nativeCompiler();
  const checked = (exe && (await nativeCheck(exe, file))) || (await apiCheck(file));
  if (checked.diagnostics.length === 0) {
    const local = checked.files.filter((f) => !f.includes('/node_modules/') && !f.includes(`${path.sep}typescript-${process.platform}`));
    await storePass(file, local).catch(() => undefined); // a cache that cannot be written only costs time
  }
  return { diagnostics: checked.diagnostics, cached: false };
}
