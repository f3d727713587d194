/**
 * Stack file → desired state. Type-check (cached), import, run the build function, validate.
 * Returns diagnostics instead of throwing for anything the stack author can fix.
 */
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { error, hasErrors, type Diagnostic } from '../diagnostics.js';
import type { DesiredStack } from '../model/spec.js';
import { collectStack } from './collect.js';
import { hashContext } from './context-hash.js';
import { isStackDefinition, type StackDefinition } from './define.js';
import { importStackModule } from './import.js';
import { normalizeStack } from './normalize.js';
import { typecheckStack } from './typecheck.js';

export interface LoadResult {
  stack?: DesiredStack;
  diagnostics: Diagnostic[];
  typecheckCached: boolean;
}

export async function loadStack(fileArg: string): Promise<LoadResult> {
  const file = path.resolve(fileArg);
  try {
    await access(file);
  } catch {
    return { diagnostics: [error(`stack file not found: ${file}`)], typecheckCached: false };
  }

  const [tc, imported] = await Promise.all([typecheckStack(file), importStack(file)]);
  if (hasErrors(tc.diagnostics)) return { diagnostics: tc.diagnostics, typecheckCached: tc.cached };
  if ('diagnostics' in imported) return { diagnostics: imported.diagnostics, typecheckCached: tc.cached };

  const collected = await collectStack(imported.def, file);
  if (hasErrors(collected.diagnostics)) return { diagnostics: collected.diagnostics, typecheckCached: tc.cached };
  const { declarations } = collected;
  const { stack, diagnostics } = normalizeStack(imported.def.name, file, declarations);
  diagnostics.push(...(await checkBuildContexts(stack)));
  return { stack: hasErrors(diagnostics) ? undefined : stack, diagnostics, typecheckCached: tc.cached };
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

/** Build contexts must exist and hold their Dockerfile; their content hash decides rebuilds. */
async function checkBuildContexts(stack: DesiredStack): Promise<Diagnostic[]> {
  const diags: Diagnostic[] = [];
  await Promise.all(
    stack.images.map(async (img) => {
      if (!img.build) return;
      const where = { resource: `image.${img.name}`, location: stack.locations[`image.${img.name}`] };
      try {
        if (!(await stat(img.build.context)).isDirectory()) throw new Error();
      } catch {
        diags.push(error(`build context ${img.build.context} is not a directory`, { ...where, field: 'build.context' }));
        return;
      }
      try {
        await access(path.join(img.build.context, img.build.dockerfile));
      } catch {
        diags.push(error(`no ${img.build.dockerfile} in the build context ${img.build.context}`, { ...where, field: 'build.dockerfile' }));
        return;
      }
      img.build.contextHash = await hashContext(img.build.context);
    }),
  );
  return diags;
}
