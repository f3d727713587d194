/**
 * Import a TypeScript stack file. esbuild bundles the stack with its local imports into one
 * module (CommonJS where it can be, else an ES module: see Format), and `moor`'s own API with them
 * (the same dist/index.mjs an import would load: plain functions whose objects the CLI recognises
 * by their brand, no module state); other packages stay external, resolved to absolute paths from
 * the stack's own directory, so the bundle can live in moor's cache. The bundle is keyed by the
 * content of every input file: an unchanged stack is imported straight from the cache with no
 * compiler loaded at all. Its inline source map puts diagnostics on the .ts lines (bundle-map.ts).
 */
// Cache keys only (core/hash.ts): node:crypto stays unloaded on a plan.
import { murmur128 } from '../hash.js';
import { builtinModules, createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheDir, writeCacheFile } from './cache-dir.js';
import { importExternal } from '../import-external.js';
import { registerBundle } from './bundle-map.js';

interface Manifest {
  format: 4;
  bundle: string;
  inputs: Record<string, string>;
}

const builtins = new Set(builtinModules);
const requireHere = createRequire(import.meta.url);

/** Read synchronously: a few small files, read faster so than through the thread pool (on every plan's path). */
function cachedBundle(manifestPath: string): string | undefined {
  try {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    if (m.format !== 4) return undefined; // 2: moor's API bundled in; 3: CommonJS where it can be; 4: murmur128 hashes
    for (const [file, hash] of Object.entries(m.inputs)) if (murmur128(readFileSync(file)) !== hash) return undefined;
    return m.bundle;
  } catch {
    return undefined;
  }
}

/**
 * The bundle's format: CommonJS when it can be (no package left external, no top-level await, no
 * import.meta beyond what is defined below), since loading it then needs no ES module loader
 * (≈ 7 ms of CPU on every plan in Node 20); an ES module otherwise.
 */
type Format = 'cjs' | 'esm';

async function bundleAs(esbuild: typeof import('esbuild'), file: string, dir: string, format: Format) {
  let packages = false;
  const url = JSON.stringify(pathToFileURL(file).href);
  const result = await esbuild.build({
    entryPoints: [file],
    // The source map's paths are relative to the output: it must be where the bundle is written.
    outfile: path.join(dir, `bundle.${format === 'cjs' ? 'cjs' : 'mjs'}`),
    bundle: true,
    write: false,
    format,
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    sourcesContent: false,
    metafile: true,
    logLevel: 'silent',
    // The stack file's own names, in either format (not the cached bundle's).
    define: {
      __filename: JSON.stringify(file), __dirname: JSON.stringify(path.dirname(file)),
      'import.meta.url': url, 'import.meta.filename': JSON.stringify(file), 'import.meta.dirname': JSON.stringify(path.dirname(file)),
    },
    plugins: [
      {
        name: 'moor-externals',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, async (args) => {
            if (args.pluginData === 'moor-inner' || args.kind === 'entry-point') return undefined;
            if (args.path.startsWith('node:') || builtins.has(args.path.split('/')[0]!)) return { path: args.path, external: true };
            // moor's own API (stack(), secret(), the providers: plain functions, no state) is bundled
            // in: importing it would load dist/index.mjs and its chunks, one file read each.
            if (args.path === 'moor') return undefined;
            const r = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'moor-inner' });
            if (r.errors.length) return { errors: r.errors };
            packages = true;
            return { path: pathToFileURL(r.path).href, external: true };
          });
        },
      },
    ],
  });
  return { result, packages };
}

/** Whether esbuild refused the CommonJS form for a reason the ES module form does not have. */
const cjsOnlyFailure = (e: unknown) => ((e as { errors?: { text: string }[] }).errors ?? []).some((x) => /top-level await/i.test(x.text));

async function buildBundle(file: string, manifestPath: string): Promise<string> {
  // esbuild's service answers our resolve plugin through its parent: when moor is killed while a
  // plugin call is in flight, the Go runtime reports a deadlock with every goroutine's stack
  // (evanw/esbuild#3287) on the terminal it inherited. One line is enough for a killed process.
  process.env.GOTRACEBACK ??= 'none';
  const esbuild = await importExternal<typeof import('esbuild')>('esbuild');
  const dir = path.dirname(manifestPath);
  let format: Format = 'cjs';
  let built: Awaited<ReturnType<typeof bundleAs>> | undefined;
  try {
    built = await bundleAs(esbuild, file, dir, 'cjs');
  } catch (e) {
    if (!cjsOnlyFailure(e)) throw e;
  }
  // Packages stay ES module imports (require() cannot load an ES module package in Node 20);
  // esbuild warns of an import.meta it leaves empty in CommonJS.
  if (!built || built.packages || built.result.warnings.some((w) => /import\.meta/.test(w.text))) {
    format = 'esm';
    built = await bundleAs(esbuild, file, dir, 'esm');
  }
  const { result } = built;
  // The service is not needed again in this process: no child left running while moor plans.
  await esbuild.stop();
  const code = result.outputFiles[0]!.text;
  await mkdir(dir, { recursive: true });
  const bundle = path.join(dir, `${murmur128(code).slice(0, 24)}.${format === 'cjs' ? 'cjs' : 'mjs'}`);
  await writeFile(bundle, code);
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const abs = path.resolve(input);
    inputs[abs] = murmur128(await readFile(abs));
  }
  const manifest: Manifest = { format: 4, bundle, inputs };
  await writeCacheFile(manifestPath, JSON.stringify(manifest));
  return bundle;
}

/** A bundle in either format: a CommonJS one through require (no ES module loader started). */
function loadBundle(bundle: string): Promise<Record<string, unknown>> {
  registerBundle(bundle);
  if (bundle.endsWith('.cjs')) return Promise.resolve(requireHere(bundle) as Record<string, unknown>);
  return importExternal(pathToFileURL(bundle).href);
}

export async function importStackModule(file: string): Promise<Record<string, unknown>> {
  const manifestPath = cacheDir('stacks', `${murmur128(file).slice(0, 32)}.json`);
  const cached = cachedBundle(manifestPath);
  if (cached) {
    try {
      return await loadBundle(cached);
    } catch {
      // A stale bundle (a package it pointed at moved): rebuild below.
    }
  }
  const bundle = await buildBundle(file, manifestPath);
  return loadBundle(bundle);
}
