/**
 * The docker CLI's context store, read as the CLI writes it (github.com/docker/cli,
 * cli/context/store): `$DOCKER_CONFIG` (default ~/.docker) holds `config.json` with the
 * `currentContext`, `contexts/meta/<sha256 of the name>/meta.json` with each context's endpoints
 * (`Endpoints.docker.Host`, `SkipTLSVerify`), and `contexts/tls/<sha256>/docker/{ca,cert,key}.pem`
 * its TLS material. moor only reads it; it never runs the docker CLI.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EndpointError, tlsFilesIn, type TlsFiles } from './endpoint.js';

export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
}

/** `currentContext` in config.json; undefined when unset, "default", or there is no config. */
export function currentContext(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = path.join(dockerConfigDir(env), 'config.json');
  if (!existsSync(file)) return undefined;
  let config: { currentContext?: unknown };
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as { currentContext?: unknown };
  } catch (e) {
    throw new EndpointError(`cannot read the docker config ${file}: ${(e as Error).message}`);
  }
  const name = typeof config.currentContext === 'string' ? config.currentContext : '';
  return name && name !== 'default' ? name : undefined;
}

export interface DockerContext {
  name: string;
  host: string;
  tls?: TlsFiles;
}

const digest = (name: string) => createHash('sha256').update(name).digest('hex');

/** The context `name`; an EndpointError naming it (and the contexts there are) when it does not exist. */
export function readContext(name: string, env: NodeJS.ProcessEnv = process.env, how = 'the context'): DockerContext {
  const store = path.join(dockerConfigDir(env), 'contexts');
  const file = path.join(store, 'meta', digest(name), 'meta.json');
  if (!existsSync(file)) {
    const known = knownContexts(store);
    throw new EndpointError(
      `the docker context "${name}" (from ${how}) does not exist in ${store}` +
        `; ${known.length ? `known contexts: ${known.join(', ')}` : 'there are no contexts there'} (and "default")`,
    );
  }
  let meta: { Name?: string; Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
  try {
    meta = JSON.parse(readFileSync(file, 'utf8')) as typeof meta;
  } catch (e) {
    throw new EndpointError(`cannot read the docker context "${name}" (${file}): ${(e as Error).message}`);
  }
  const docker = meta.Endpoints?.docker;
  if (!docker?.Host) throw new EndpointError(`the docker context "${name}" has no docker endpoint (${file})`);
  const tlsDir = path.join(store, 'tls', digest(name), 'docker');
  // As the CLI: TLS when the context has TLS material, or asks to skip its verification.
  const tls = existsSync(tlsDir) || docker.SkipTLSVerify ? tlsFilesIn(tlsDir, !docker.SkipTLSVerify, `the docker context "${name}"`) : undefined;
  return { name, host: docker.Host, ...(tls ? { tls } : {}) };
}

function knownContexts(store: string): string[] {
  const dir = path.join(store, 'meta');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((d) => {
    try {
      const n = (JSON.parse(readFileSync(path.join(dir, d, 'meta.json'), 'utf8')) as { Name?: string }).Name;
      return n ? [n] : [];
    } catch {
      return [];
    }
  }).sort();
}
