// Build: tsc checks the sources and writes declarations (dist/**/*.d.ts) for stack authors;
// esbuild bundles the CLI and the public entry into one module each (dist/cli.mjs, dist/index.mjs),
// because loading ~200 small ES modules costs Node 20 more than a plan does.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/dist/chunks`, { recursive: true, force: true });
execFileSync(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', `${root}/tsconfig.json`], { stdio: 'inherit' });

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Maps are written beside the bundles but not linked: Node would parse them on every run.
  sourcemap: 'external',
  minify: true,
  keepNames: true,
  logLevel: 'warning',
  // Loaded lazily, only when needed: the type checker, the stack compiler, terminal niceties.
  external: ['ts-morph', 'esbuild', 'ora', 'chalk', 'ffi-rs'], // ffi-rs: a native N-API module, never bundled
  // CommonJS dependencies bundled into ESM still call require() for Node's own modules.
  banner: { js: "import { createRequire as __moorRequire } from 'node:module'; const require = __moorRequire(import.meta.url);" },
};
// Code only some commands need (e.g. the build-context packer) is split into chunks loaded on demand.
await build({
  ...common,
  entryPoints: { cli: `${root}/core/cli/main.ts`, index: `${root}/core/index.ts` },
  outdir: `${root}/dist`,
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});
