/**
 * Compose files → one project, as compose loads them: each file parsed, interpolated (from the
 * shell's environment, then the project directory's `.env`), its relative paths made absolute, its
 * `extends` resolved; then the files merged in order; then the services of profiles that are not
 * enabled left out.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDotenv } from './dotenv.js';
import { resolveExtends, type LoadedFile } from './extends.js';
import { interpolateValue, type Lookup } from './interpolate.js';
import { copyLocs, mergeFiles } from './merge.js';
import { absolutizeTop } from './paths.js';
import { ComposeError, isDict, locate, type ComposeProject, type Dict, type Loc } from './types.js';
import { parseComposeYaml } from './yaml.js';

export interface LoadOptions {
  /** The process environment (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Profiles to enable (COMPOSE_PROFILES in env adds to them). */
  profiles?: string[];
  /** A .env file other than <project dir>/.env. */
  envFile?: string;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ComposeError(code === 'ENOENT' ? `compose file not found: ${file}` : `cannot read ${file}: ${(e as Error).message}`);
  }
}

async function projectVariables(dir: string, env: Record<string, string | undefined>, envFile?: string): Promise<Map<string, string>> {
  const file = envFile ?? path.join(dir, '.env');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (envFile) throw new ComposeError(`cannot read the env file ${file}: ${(e as Error).message}`);
    return new Map();
  }
  return parseDotenv(text, file, (n) => env[n]);
}

export async function loadCompose(files: string[], options: LoadOptions = {}, nested: string[] = []): Promise<ComposeProject> {
  if (!files.length) throw new ComposeError('no compose file given');
  const abs = files.map((f) => path.resolve(f));
  const dir = path.dirname(abs[0]!);
  const env = options.env ?? process.env;
  const dotenv = await projectVariables(dir, env, options.envFile);
  const variables = new Map<string, string | undefined>();
  // The shell's environment wins over .env, as in compose.
  const lookup: Lookup = (name) => {
    const v = env[name] ?? dotenv.get(name);
    variables.set(name, v);
    return v;
  };

  const relativePaths = new Set<string>();
  const cache = new Map<string, Promise<LoadedFile>>();
  const readOne = (file: string, relativeTo: string): Promise<LoadedFile> => {
    const key = `${file}\0${relativeTo}`;
    let p = cache.get(key);
    if (!p) {
      p = (async () => {
        const parsed = await parseComposeYaml(await readText(file), file, path.relative(dir, file) || file);
        const interpolated = interpolateValue(parsed.value, lookup, parsed.locs, '', dir) as Dict;
        return { file, model: absolutizeTop(interpolated, relativeTo, relativePaths), locs: parsed.locs };
      })();
      cache.set(key, p);
    }
    return p;
  };
  const forExtends = async (file: string): Promise<LoadedFile> => {
    const f = await readOne(file, path.dirname(file));
    await resolveExtends(f, forExtends, dir);
    return f;
  };

  let model: Dict = {};
  const locs = new Map<string, Loc>();
  for (const file of abs) {
    const f = await readOne(file, dir);
    checkShape(f);
    await resolveExtends(f, forExtends, dir);
    if (file === abs[0]) {
      model = structuredClone(f.model);
      for (const [k, v] of f.locs) locs.set(k, v);
    } else {
      model = mergeFiles(model, f.model, locs, f.locs);
    }
    if (f.model.include !== undefined) await include(f, model, locs, relativePaths, options, [...nested, file]);
  }
  if (nested.length) return { dir, files: abs, model, locs, disabled: [], variables, relativePaths };

  const profiles = new Set([...(options.profiles ?? []), ...(env.COMPOSE_PROFILES ?? '').split(',').map((p) => p.trim()).filter(Boolean)]);
  const disabled: ComposeProject['disabled'] = [];
  const services = isDict(model.services) ? model.services : {};
  for (const [name, def] of Object.entries(services)) {
    const own = isDict(def) && Array.isArray(def.profiles) ? def.profiles.map(String) : [];
    if (own.length && !own.some((p) => profiles.has(p) || profiles.has('*'))) {
      disabled.push({ name, profiles: own, loc: locate(locs, `services/${name}`) });
      delete services[name];
    }
  }
  return { dir, files: abs, name: typeof model.name === 'string' ? model.name : undefined, model, locs, disabled, variables, relativePaths };
}

function checkShape(f: LoadedFile): void {
  for (const section of ['services', 'networks', 'volumes', 'secrets', 'configs']) {
    const v = f.model[section];
    if (v !== undefined && v !== null && !isDict(v)) {
      throw new ComposeError(`${f.file}:${f.locs.get(section)?.line ?? 1}: ${section} must be a mapping`);
    }
  }
  const services = f.model.services;
  if (isDict(services)) {
    for (const [name, def] of Object.entries(services)) {
      if (def !== null && !isDict(def)) throw new ComposeError(`${f.file}:${f.locs.get(`services/${name}`)?.line ?? 1}: service ${name} must be a mapping`);
      if (def === null) services[name] = {};
    }
  }
}

/**
 * `include:` — each entry is a compose application of its own (its paths relative to its own
 * directory, its own .env), whose resources are added to this one; a name defined twice is an error.
 */
async function include(f: LoadedFile, model: Dict, locs: Map<string, Loc>, relativePaths: Set<string>, options: LoadOptions, nested: string[]): Promise<void> {
  const entries = Array.isArray(f.model.include) ? f.model.include : [];
  const where = (i: number) => `${f.file}:${f.locs.get(`include/${i}`)?.line ?? f.locs.get('include')?.line ?? 1}`;
  if (!Array.isArray(f.model.include)) throw new ComposeError(`${where(0)}: include must be a list`);
  for (const [i, entry] of entries.entries()) {
    const paths = typeof entry === 'string' ? [entry] : isDict(entry) ? (Array.isArray(entry.path) ? entry.path.map(String) : typeof entry.path === 'string' ? [entry.path] : []) : [];
    if (!paths.length) throw new ComposeError(`${where(i)}: an include entry needs a path`);
    const files = paths.map((p) => path.resolve(path.dirname(f.file), p));
    if (files.some((x) => nested.includes(x))) throw new ComposeError(`${where(i)}: include makes a cycle through ${files.find((x) => nested.includes(x))}`);
    const envFile = isDict(entry) && typeof entry.env_file === 'string' ? path.resolve(path.dirname(f.file), entry.env_file) : undefined;
    const sub = await loadCompose(files, { env: options.env, envFile }, nested);
    for (const p of sub.relativePaths) relativePaths.add(p);
    for (const section of ['services', 'networks', 'volumes', 'secrets', 'configs']) {
      const theirs = sub.model[section];
      if (!isDict(theirs)) continue;
      const ours = isDict(model[section]) ? (model[section] as Dict) : (model[section] = {});
      for (const [name, def] of Object.entries(theirs)) {
        if (name in ours) throw new ComposeError(`${where(i)}: ${section}.${name} from ${paths.join(', ')} is already defined`);
        ours[name] = def;
        copyLocs(sub.locs, `${section}/${name}`, locs, `${section}/${name}`);
      }
    }
  }
}
