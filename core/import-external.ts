/**
 * import() of a module outside moor's CLI bundle: an ES module package (chalk, ora, esbuild,
 * ts-morph) or a stack's compiled bundle.
 *
 * bin/moor.js runs the CLI bundle from V8's code cache, and Node 20 gives a script compiled from
 * cached data no import() callback ("A dynamic import callback was not specified"). So bin/moor.js
 * lends its own import() (globalThis.__moorImport); from the sources (tests, tsx) there is none
 * and the ordinary import() runs. A bare name resolves from bin/ as it would from dist/: both sit
 * in moor's package, beside its node_modules.
 */
type Importer = (specifier: string) => Promise<unknown>;

export function importExternal<T = Record<string, unknown>>(specifier: string): Promise<T> {
  const lent = (globalThis as { __moorImport?: Importer }).__moorImport;
  return (lent ? lent(specifier) : import(specifier)) as Promise<T>;
}
