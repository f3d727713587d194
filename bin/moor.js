#!/usr/bin/env node
// The `moor` command. The TypeScript sources are compiled to dist/cli.cjs by `npm ci` (prepare).
//
// dist/cli.cjs is compiled here with V8's code cache: Node 20 caches no ES module's compiled code,
// and parsing and compiling moor's ≈1.2 MB is most of a short command's own time. One cache per
// command and build, in moor's cache directory (MOOR_CACHE_DIR, else $XDG_CACHE_HOME/moor, else
// ~/.cache/moor), written once after a command that ran without one (or whose cache V8 refused:
// another Node, other V8 flags). V8 checks the cache against the source and its own version before
// it uses any of it; a cache that cannot be read or written only costs time. MOOR_CODE_CACHE=0: none.
//
// A CommonJS script (bin/package.json says so): an ES module entry would start Node's ES module
// loader, ≈7 ms of CPU on every command, for nothing when the stack's bundle is CommonJS too.
'use strict';
const { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');

const file = path.join(__dirname, '..', 'dist', 'cli.cjs');
const argv = process.argv.slice(2);

let fd;
try {
  fd = openSync(file, 'r');
} catch (e) {
  process.stderr.write(`error: moor is not built (${e.code === 'ENOENT' ? `no ${file}` : e.message}): run \`npm run build\` in ${path.dirname(path.dirname(file))}\n`);
  process.exit(1);
}
const { size, mtimeMs } = fstatSync(fd);
const source = readFileSync(fd, 'utf8');
closeSync(fd);

const command = /^[a-z_]+$/.test(argv[0] ?? '') ? argv[0] : 'other';
const useCache = process.env.MOOR_CODE_CACHE !== '0';
// The directory core/stack/cache-dir.ts's cacheDir() names (written out here: this runs before the bundle is loaded).
const cacheDir = path.join(process.env.MOOR_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'moor'), 'code');
// The build, Node and the command: an entry is never another's. The build is the id on the
// bundle's first line (a hash of moor's sources, scripts/build.mjs) and its size: V8 checks a
// cache only against the source's length, so a cache of other code of the same length would be
// taken. Size and time of the file only for a bundle without one.
const build = /^\/\/ moor build ([0-9a-f]{8,64})\n/.exec(source)?.[1] ?? `t${Math.round(mtimeMs)}`;
const suffix = `-${process.version}-${process.arch}-${command}.bin`;
const cacheFile = path.join(cacheDir, `${build}-${size}${suffix}`);

let cachedData;
if (useCache) {
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // none yet
  }
}
// Strict, as the ES modules the bundle was made of are (its own "use strict" comes after the banner).
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {"use strict";${source}\n})`, { filename: file, cachedData });
const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(file), mod, file, path.dirname(file));

// Node 20 gives a script compiled from cached data no import() callback: moor imports the modules
// outside its bundle (chalk, ora, esbuild, a stack's compiled bundle) through this one.
globalThis.__moorImport = (specifier) => import(specifier);

mod.exports.main(argv).then(
  (code) => {
    process.exitCode = code;
    if (useCache && (!cachedData || script.cachedDataRejected)) saveCache();
  },
  (e) => {
    if (useCache && (!cachedData || script.cachedDataRejected)) saveCache();
    throw e;
  },
);

/** The code compiled while the command ran goes into the cache: the next run of it parses nothing. */
function saveCache() {
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cacheFile);
    // Entries of earlier builds of this command go: one per command and Node is all that is used.
    for (const f of readdirSync(cacheDir)) if (f.endsWith(suffix) && path.join(cacheDir, f) !== cacheFile) rmSync(path.join(cacheDir, f), { force: true });
  } catch {
    // a read-only home, a full disk: the next run compiles again
  }
}
