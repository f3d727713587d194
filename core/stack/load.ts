/**
 * Stack file → desired state. Type-check (cached), import, run the build function, validate.
 * Returns diagnostics instead of throwing for anything the stack author can fix.
 */
import { accessSync } from 'node:fs';
import { readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { error, hasErrors, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import type { DesiredStack } from '../model/spec.js';
import { collectStack, userFrame, type Declaration } from './collect.js';
import { hashContext } from './context-hash.js';
import { declaredAt, isStackDefinition, type ParamDefaults, type StackDefinition } from './define.js';
import { readEnvSources, resolveParams, type EnvSources, type StackInputs } from './environment.js';
import { defaultsProblems } from './params.js';
import { importStackModule } from './import.js';
import { typecheckStack } from './typecheck.js';
import { readValidated, validationKey, writeValidated, type Validated } from './validated-cache.js';

export interface LoadResult {
  stack?: DesiredStack;
  diagnostics: Diagnostic[];
  typecheckCached: boolean;
  /** .env, --env-file and the process environment, for secret(): read once, with the stack. */
  sources?: EnvSources;
}

/**
 * `inputs` choose the environment (`--env`: the stack is `<name>-<env>` on the engine) and give
 * parameters' values (--var, .env, --env-file); see environment.ts for the order.
 */
export async function loadStack(fileArg: string, inputs: StackInputs = {}, processEnv: Record<string, string | undefined> = process.env): Promise<LoadResult> {
  const file = path.resolve(fileArg);
  try {
    accessSync(file); // synchronous: node:fs/promises is not loaded for it on every plan
  } catch {
    return { diagnostics: [error(`stack file not found: ${file}`)], typecheckCached: false };
  }

  const [tc, imported] = await Promise.all([typecheckStack(file), importStack(file)]);
  if (hasErrors(tc.diagnostics)) return { diagnostics: tc.diagnostics, typecheckCached: tc.cached };
  if ('diagnostics' in imported) return { diagnostics: imported.diagnostics, typecheckCached: tc.cached };
  const { def } = imported;
  const where = userFrame(declaredAt(def), file);

  // Parameters and the environment, before the build function runs with them.
  const defaults = (def.params ?? {}) as ParamDefaults;
  const bad = defaultsProblems(defaults);
  if (bad.length) return { diagnostics: bad.map((m) => error(m, { field: 'params', location: where })), typecheckCached: tc.cached };
  const { sources, diagnostics: envDiags } = readEnvSources(file, inputs.envFiles, processEnv);
  const params = resolveParams(defaults, file, inputs, sources);
  const inputDiags = [...envDiags, ...params.diagnostics];
  if (hasErrors(inputDiags)) return { diagnostics: inputDiags, typecheckCached: tc.cached };
  const stackName = inputs.env === undefined ? def.name : `${def.name}-${inputs.env}`;

  const collected = await collectStack(def, file, { stackName, params: params.values });
  if (hasErrors(collected.diagnostics)) return { diagnostics: collected.diagnostics, typecheckCached: tc.cached };
  const { stack, diagnostics } = await validate(stackName, file, collected.declarations, where);
  if (inputs.env !== undefined) stack.env = inputs.env;
  diagnostics.unshift(...inputDiags);
  diagnostics.push(...(await checkBuildContexts(stack)));
  return { stack: hasErrors(diagnostics) ? undefined : stack, diagnostics, typecheckCached: tc.cached, sources };
}

/** Validate and normalize the declarations, or take the result of the same declarations from the cache. */
async function validate(stackName: string, file: string, declarations: Declaration[], callSite: SourceLocation): Promise<Validated> {
  const key = validationKey(stackName, file, declarations, callSite);
  const cached = key ? readValidated(file, key) : undefined;
  if (cached) return cached;
  const { normalizeStack } = await import('./normalize.js');
  const validated = normalizeStack(stackName, file, declarations, callSite);
  // The env files it read are checked on every read of the entry: a changed one is validated again (its values are data).
  if (key) await writeValidated(file, key, validated, validated.readFiles);
  return validated;
}

async function importStack(file: string): Promise<{ def: StackDefinition } | { diagnostics: Diagnostic[] }> {
  let mod: Record<string, unknown>;
  try {
    mod = await importStackModule(file);
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }).errors;
    if (errors?.length) {
      return { diagnostics: errors.map((x) => error(`could not load the stack file: ${x.text}`, { location: x.location ? { file: path.resolve(x.location.file), line: x.location.line, column: x.location.column + 1 } : { file } })) };
    }
    return { diagnostics: [error(`could not load the stack file: ${(e as Error).message.split('\n')[0]}`, { location: { file } })] };
  }
  const def = [mod.default].find(isStackDefinition);
  if (!def) {
    return { diagnostics: [error("the stack file's default export is not a stack: write `export default stack('name', ({ container }) => { … })`", { location: { file } })] };
  }
  return { def };
}

/**
 * Build contexts must be directories (a symlink to one is followed: the upload packs the directory
 * it points to, as `docker build` does) and hold their Dockerfile, inside the context: the engine
 * resolves the Dockerfile's path, symlinks included, within the uploaded context only. Their
 * content hash decides rebuilds.
 */
async function checkBuildContexts(stack: DesiredStack): Promise<Diagnostic[]> {
  const diags: Diagnostic[] = [];
  await Promise.all(
    stack.images.map(async (img) => {
      if (!img.build) return;
      const where = { resource: `image.${img.name}`, location: stack.locations[`image.${img.name}`] };
      const problem = await contextProblem(img.build.context, img.build.dockerfile);
      if (problem) {
        diags.push(error(problem.message, { ...where, field: problem.field }));
        return;
      }
      img.build.contextHash = await hashContext(img.build.context, img.build.dockerfile);
    }),
  );
  return diags;
}

async function contextProblem(context: string, dockerfile: string): Promise<{ field: string; message: string } | undefined> {
  let root: string;
  try {
    root = await realpath(context);
    if (!(await stat(root)).isDirectory()) return { field: 'build.context', message: `build context ${context}${root !== context ? ` (a symlink to ${root})` : ''} is not a directory` };
  } catch {
    const link = await readlink(context).catch(() => undefined);
    return { field: 'build.context', message: link === undefined ? `build context ${context} does not exist` : `build context ${context} is a symlink to ${link}, which does not exist` };
  }
  const file = path.resolve(context, dockerfile);
  const inside = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
  if (path.isAbsolute(dockerfile) || !inside(file, path.resolve(context))) {
    return { field: 'build.dockerfile', message: `${dockerfile} is outside the build context ${context}: the engine only sees what is inside it` };
  }
  let real: string;
  try {
    real = await realpath(file);
    if (!(await stat(real)).isFile()) throw new Error('not a file');
  } catch {
    return { field: 'build.dockerfile', message: `no ${dockerfile} in the build context ${context}` };
  }
  if (!inside(real, root)) {
    return { field: 'build.dockerfile', message: `${dockerfile} is a symlink to ${real}, outside the build context ${context}: the engine only sees what is inside it` };
  }
  return undefined;
}
