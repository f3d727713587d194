/**
 * Credentials for pulls from private registries, found where the docker CLI keeps them
 * (`$DOCKER_CONFIG/config.json`, `~/.docker/config.json` by default), and looked up as it does:
 *
 * 1. `credHelpers[registry]`: run `docker-credential-<name> get`;
 * 2. else `credsStore`: the same with that helper;
 * 3. else `auths[registry]` (`auth` = base64 "user:password", or `identitytoken`, or
 *    `username` and `password` as some tools write them).
 *
 * Docker Hub's key is `https://index.docker.io/v1/`, as the CLI writes it. The credentials go to
 * the engine in the `X-Registry-Auth` header only: they are never printed, and any message about
 * a pull is passed through `redact` first. A config or helper that cannot be read does not stop a
 * pull (the image may be public, and the CLI pulls anonymously too); it is told if the pull fails.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

export interface PullAuth {
  /** The `X-Registry-Auth` value; undefined: the pull is anonymous. */
  header?: string;
  /** Where the credentials sent come from, e.g. `credential helper docker-credential-pass`. */
  source?: string;
  /** Why configured credentials could not be used (never holds a secret). */
  problem?: string;
  /** Strings no message may show. */
  secrets: string[];
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

type Credentials = { username: string; password: string } | { identitytoken: string };

/** The registry of an image reference, as the docker CLI finds it: `docker.io` or `host[:port]`. */
export function registryOf(ref: string): string {
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  if (!first || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) return 'docker.io';
  return first === 'index.docker.io' ? 'docker.io' : first;
}

/** The key the CLI stores a registry's credentials under (Docker Hub's is a URL). */
export function configKey(registry: string): string {
  return registry === 'docker.io' ? DOCKER_HUB_KEY : registry;
}

/** The header's encoding: base64url of the JSON, padded, as the CLI sends it. */
export function encodeAuthHeader(auth: Record<string, string>): string {
  return Buffer.from(JSON.stringify(auth)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** `message` with every secret replaced by `***`. */
export function redact(message: string, secrets: string[]): string {
  return secrets.filter((s) => s.length >= 3).reduce((m, s) => m.split(s).join('***'), message);
}

export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(homedir(), '.docker');
}

/** The credentials for pulling `ref`, ready to send. */
export async function pullAuth(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<PullAuth> {
  const registry = registryOf(ref);
  const key = configKey(registry);
  const file = path.join(dockerConfigDir(env), 'config.json');
  let config: DockerConfig;
  try {
    config = JSON.parse(await readFile(file, 'utf8')) as DockerConfig;
    if (typeof config !== 'object' || config === null) throw new Error('not a JSON object');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { secrets: [] };
    return { problem: `${file} could not be read (${(e as Error).message.split('\n')[0]}), so no credentials were sent`, secrets: [] };
  }
  const helper = config.credHelpers?.[key] ?? config.credsStore;
  let found: { credentials?: Credentials; source: string; problem?: string; raw: string[] };
  if (helper) {
    found = await fromHelper(helper, key, env);
  } else {
    found = fromAuths(config, key, registry, file);
  }
  const { credentials, source, problem, raw } = found;
  if (!credentials) return problem ? { problem, secrets: raw } : { secrets: raw };
  const body: Record<string, string> = 'identitytoken' in credentials
    ? { identitytoken: credentials.identitytoken, serveraddress: key }
    : { username: credentials.username, password: credentials.password, serveraddress: key };
  const header = encodeAuthHeader(body);
  const secrets = [...raw, header, 'identitytoken' in credentials ? credentials.identitytoken : credentials.password];
  return { header, source, secrets };
}

/** `auths` of the config file: the exact key, else a key whose host is the registry (as the CLI's file store). */
function fromAuths(config: DockerConfig, key: string, registry: string, file: string): { credentials?: Credentials; source: string; problem?: string; raw: string[] } {
  const auths = config.auths ?? {};
  const hostOf = (k: string) => k.replace(/^https?:\/\//, '').split('/')[0];
  const entry = auths[key] ?? Object.entries(auths).find(([k]) => registry !== 'docker.io' && hostOf(k) === registry)?.[1];
  const source = `auths in ${file}`;
  if (!entry) return { source, raw: [] };
  const raw = [entry.auth, entry.identitytoken, entry.password].filter((s): s is string => typeof s === 'string' && !!s);
  if (entry.identitytoken) return { credentials: { identitytoken: entry.identitytoken }, source, raw };
  // Written by some tools instead of `auth`; the CLI reads them too.
  if (!entry.auth && entry.username && entry.password) return { credentials: { username: entry.username, password: entry.password }, source, raw };
  if (!entry.auth) return { source, raw };
  const decoded = Buffer.from(entry.auth, 'base64').toString();
  const colon = decoded.indexOf(':');
  if (colon < 0) return { source, raw, problem: `the auth of ${key} in ${file} is not base64 of "user:password", so no credentials were sent` };
  return { credentials: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }, source, raw };
}

/** `docker-credential-<name> get`, the registry key on stdin; `{Username, Secret}` on stdout. */
async function fromHelper(name: string, key: string, env: NodeJS.ProcessEnv): Promise<{ credentials?: Credentials; source: string; problem?: string; raw: string[] }> {
  const program = `docker-credential-${name}`;
  const source = `credential helper ${program}`;
  const { code, stdout, error } = await run(program, key, env);
  if (error) return { source, raw: [], problem: `${program} could not be run (${error}), so no credentials were sent` };
  if (code !== 0) {
    // The helper protocol's "nothing stored": pull anonymously, as the CLI does.
    if (/credentials not found/i.test(stdout)) return { source, raw: [] };
    return { source, raw: [], problem: `${program} get failed (exit ${code}: ${stdout.trim().split('\n')[0]?.slice(0, 200)}), so no credentials were sent` };
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(stdout) as typeof answer;
  } catch {
    return { source, raw: [stdout.trim()], problem: `${program} get did not answer JSON, so no credentials were sent` };
  }
  if (typeof answer.Secret !== 'string' || !answer.Secret) return { source, raw: [] };
  const raw = [answer.Secret];
  if (answer.Username === '<token>') return { credentials: { identitytoken: answer.Secret }, source, raw };
  return { credentials: { username: typeof answer.Username === 'string' ? answer.Username : '', password: answer.Secret }, source, raw };
}

function run(program: string, input: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; error?: string }> {
  return new Promise((resolve) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'ignore'], timeout: 30_000 });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: null, stdout, error: e.code === 'ENOENT' ? 'not found on PATH' : e.message }));
    child.on('close', (code, signal) => resolve(signal ? { code, stdout, error: `ended by ${signal}` } : { code, stdout }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/**
 * Why an image cannot be pulled, in full: the registry's reason (already redacted), whether
 * credentials were sent and from where, and what to do unless a re-run can help. Used by apply's
 * pull and by plan when the registry already said so (observe/pullable.ts).
 */
export function explainPullFailure(ref: string, reason: string, auth: Pick<PullAuth, 'header' | 'source' | 'problem'>, retryable = false): string {
  const credentials = auth.header
    ? `\n  Credentials for ${registryOf(ref)} were sent (from ${auth.source}).`
    : auth.problem ? `\n  Note: ${auth.problem}.` : '';
  return `image ${ref} is not on the engine and could not be pulled: ${reason}${credentials}` +
    (retryable ? '' : `\n  Fix: correct the reference in the stack, or put the image on the engine first (docker pull / docker load / docker build -t ${ref})${auth.header ? `, or renew the stored credentials (docker login ${registryOf(ref)})` : ', or docker login to its registry if it is private'}.`);
}
