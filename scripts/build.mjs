// Build: tsc checks the sources and writes declarations (dist/**/*.d.ts) for stack authors;
// esbuild bundles the CLI into one CommonJS script (dist/cli.cjs, run by bin/moor.js from V8's code
// cache) and the public entry into an ES module (dist/index.mjs), because loading ~200 small ES
// modules costs Node 20 more than a plan does.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/dist/chunks`, { recursive: true, force: true });
for (const f of ['cli.mjs', 'cli.mjs.map']) rmSync(`${root}/dist/${f}`, { force: true }); // the CLI's earlier form
execFileSync(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', `${root}/tsconfig.json`], { stdio: 'inherit' });

// zod's classic entry re-exports all of its ~45 locales (≈250 KB of the ≈470 KB it adds to the bundle) and
// fromJSONSchema; moor uses neither (its messages are English: locales.en stays). Every plan compiles
// what it loads, so they are cut here.
const zodTrim = {
  name: 'zod-trim',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$|^\.\/from-json-schema\.js$/ }, (a) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(a.importer) ? { path: a.path, namespace: 'zod-trim', pluginData: a.resolveDir } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'zod-trim' }, (a) => ({
      resolveDir: a.pluginData,
      contents: a.path.includes('locales')
        ? "export { default as en } from '../locales/en.js';"
        : "export function fromJSONSchema() { throw new Error('fromJSONSchema is not bundled with moor'); }",
    }));
  },
};

// A hash of moor's sources and the versions of what it bundles: validated stacks are cached under it
// (core/stack/validated-cache.ts), so a new build never reuses what an older one validated.
const buildId = (() => {
  const h = createHash('sha256');
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (/\.ts$/.test(e.name)) h.update(p.slice(root.length)).update(readFileSync(p));
    }
  };
  for (const d of ['core', 'providers', 'native']) walk(`${root}/${d}`);
  h.update(readFileSync(`${root}/package-lock.json`));
  return h.digest('hex').slice(0, 24);
})();

const common = {
  define: { MOOR_BUILD: JSON.stringify(buildId) },
  plugins: [zodTrim],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Maps are written beside the bundles but not linked: Node would parse them on every run.
  sourcemap: 'external',
  minify: !process.env.MOOR_NO_MINIFY,
  keepNames: true,
  logLevel: 'warning',
  // Loaded lazily, only when needed: the type checker, the stack compiler, terminal niceties.
  external: ['ts-morph', 'esbuild', 'ora', 'chalk', 'ffi-rs'], // ffi-rs: a native N-API module, never bundled
  // CommonJS dependencies bundled into ESM still call require() for Node's own modules.
  banner: { js: "import { createRequire as __moorRequire } from 'node:module'; const require = __moorRequire(import.meta.url);" },
};
// What stack files import (and the worker threads: the manifest, the archive read-back): ES modules, code shared in chunks.
await build({
  ...common,
  entryPoints: { index: `${root}/core/index.ts`, 'dir-manifest-worker': `${root}/core/volume-data/dir-manifest-worker.ts`, 'archive-read-worker': `${root}/core/backup/archive-read-worker.ts` },
  outdir: `${root}/dist`,
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});

// Node's own modules that most commands never call: each is loaded when first used, not when a
// module importing it initialises (child_process with dgram alone costs ≈ 1 ms on every command;
// http ≈ 3 ms more than net, and a command's small requests do not use it: core/engine/http1.ts).
// A module of the bundle imports a stand-in whose properties load the real one.
const LAZY_BUILTINS = ['child_process', 'crypto', 'dgram', 'fs/promises', 'http', 'https', 'readline', 'readline/promises', 'timers/promises', 'tls', 'worker_threads', 'zlib'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    // The stand-in's own require is of the real module.
    b.onResolve({ filter }, (a) => (a.namespace === 'lazy-builtin' ? { path: a.path, external: true } : { path: a.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (a) => {
      // Its names, for esbuild's CommonJS interop, which copies them as getters (nothing is loaded yet).
      const names = Object.keys(await import(`node:${a.path}`)).filter((n) => n !== 'default');
      return {
        loader: 'js',
        contents: `let m;\nmodule.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:${a.path}'))[k], ownKeys: () => ${JSON.stringify(names)} });\n`,
      };
    });
  },
};

// The CLI: one CommonJS script with every command in it, each command's modules initialised only
// when it runs. Node 20 caches the compiled code of no ES module (module.enableCompileCache is
// Node 22), but a script compiled with vm.Script takes V8's code cache: bin/moor.js keeps one per
// command, which takes the ≈40 ms of parsing and compiling moor off every run after the first.
await build({
  ...common,
  format: 'cjs',
  entryPoints: { cli: `${root}/core/cli/main.ts` },
  plugins: [...common.plugins, lazyBuiltins],
  outdir: `${root}/dist`,
  outExtension: { '.js': '.cjs' },
  define: { ...common.define, 'import.meta.url': '__moorUrl' },
  // The first line names the build: bin/moor.js keys V8's code cache by it (V8 checks a cache only
  // against the source's length, and npm gives every file of a package the same mtime).
  banner: { js: `// moor build ${buildId}\nconst __moorUrl = require('node:url').pathToFileURL(__filename).href;` },
});
