/**
 * End-to-end helpers: stacks written to files, the real `moor` CLI in a subprocess, the real
 * engine read back with the repo's own Engine API client, and a cleanup that only ever touches
 * what a test created.
 *
 * Naming: every test file draws one prefix (`t` + random hex). Each test's stack is named
 * `<prefix>-<slug>`, so every engine object a test can create is named `<prefix>-<slug>-…` or
 * labelled `moor.stack=<prefix>-<slug>`; stack files live in `test/.tmp/<prefix>/<slug>/stack.ts`
 * (inside the repo, so `import { stack } from 'moor'` resolves to dist/ through the package's
 * self-reference).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import tar from 'tar-fs';
import { EngineClient } from '../../core/engine/client.js';
import { isNotFound } from '../../core/engine/errors.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TOOLS = path.join(REPO, 'test/fixtures/tools');
export const MOOR_BIN = path.join(REPO, 'bin/moor.js');

/** `t` + 8 random hex digits: a valid stack name and a prefix no other test file shares. */
export function newPrefix(): string {
  return `t${randomBytes(4).toString('hex')}`;
}

// ---------------------------------------------------------------------------------------------
// Engine objects as the list endpoints return them (the subset the tests read).

export interface ContainerInfo {
  Id: string;
  Name: string;
  Config: { Env: string[] | null; Labels: Record<string, string> | null; Image: string; Cmd: string[] | null };
  Image: string;
  State: { Status: string; Running: boolean; StartedAt: string; Health?: { Status: string } };
  HostConfig: {
    NetworkMode: string;
    RestartPolicy: { Name: string; MaximumRetryCount: number };
    VolumesFrom: string[] | null;
    Binds?: string[] | null;
    Mounts?: { Type: string; Source?: string; Target: string; ReadOnly?: boolean; TmpfsOptions?: { SizeBytes?: number; Mode?: number } }[] | null;
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]> | null;
  };
  Mounts: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean }[];
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null; NetworkID: string }> | null };
}

interface Summary { Id: string; Names?: string[]; Name?: string; Labels: Record<string, string> | null; RepoTags?: string[] | null }

export interface Labelled { id: string; name: string; labels: Record<string, string> }

// ---------------------------------------------------------------------------------------------
// The CLI.

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The command line, for failure messages. */
  command: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/** Run `node bin/moor.js …args` with NO_COLOR=1; never throws on a non-zero exit. */
export function runMoor(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const command = `moor ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MOOR_BIN, ...args], {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} did not finish within ${(opts.timeoutMs ?? 180_000) / 1000}s\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, opts.timeoutMs ?? 180_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, command });
    });
  });
}

/** A readable dump of a run for assertion messages. */
export function show(r: RunResult): string {
  return `\n$ ${r.command}  → exit ${r.code}\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`;
}

// ---------------------------------------------------------------------------------------------
// A test stack.

export interface StackOptions {
  /** Set MOOR_SKIP_TYPECHECK=1 for this stack's commands (scenarios that rewrite the stack often). */
  skipTypecheck?: boolean;
  /** More environment for this stack's commands (e.g. MOOR_STATE_DIR). */
  env?: Record<string, string>;
  /** Another engine than the test engine (a DOCKER_HOST value): for its commands and its engine reads. */
  dockerHost?: string;
}

export class TestStack {
  readonly name: string;
  readonly dir: string;
  readonly file: string;
  /** The stack file relative to the repo (as the CLI prints it). */
  readonly relFile: string;
  readonly engine: EngineClient;
  private readonly env: Record<string, string | undefined>;

  constructor(readonly prefix: string, readonly slug: string, opts: StackOptions = {}) {
    this.name = `${prefix}-${slug}`;
    this.dir = path.join(REPO, 'test/.tmp', prefix, slug);
    this.file = path.join(this.dir, 'stack.ts');
    this.relFile = path.relative(REPO, this.file);
    this.engine = opts.dockerHost ? new EngineClient(opts.dockerHost) : new EngineClient();
    this.env = {
      ...(opts.dockerHost ? { DOCKER_HOST: opts.dockerHost } : {}),
      // Keep the type-check cache with the test's files: nothing left in ~/.cache.
      MOOR_CACHE_DIR: path.join(REPO, 'test/.tmp', prefix, 'cache'),
      MOOR_SKIP_TYPECHECK: opts.skipTypecheck ? '1' : undefined,
      ...opts.env,
    };
    mkdirSync(this.dir, { recursive: true });
  }

  /** Engine name of a resource of this stack. */
  en(resource: string): string {
    return `${this.name}-${resource}`;
  }

  /** Relative path from the stack file to the busybox build context. */
  get toolsContext(): string {
    return path.relative(this.dir, TOOLS);
  }

  /**
   * Write the stack file: `body` is the inside of the build function, where `img` is the
   * busybox image built from test/fixtures/tools and image/network/volume/container are in scope.
   */
  write(body: string): void {
    writeFileSync(this.file, stackSource(this.name, this.toolsContext, body));
  }

  /** Write the stack file verbatim. */
  writeRaw(source: string): void {
    writeFileSync(this.file, source);
  }

  moor(command: 'plan' | 'apply' | 'destroy', ...flags: string[]): Promise<RunResult> {
    return runMoor([command, this.relFile, ...flags], { env: this.env });
  }

  plan(...flags: string[]): Promise<RunResult> { return this.moor('plan', ...flags); }
  apply(...flags: string[]): Promise<RunResult> { return this.moor('apply', '--yes', ...flags); }
  destroy(...flags: string[]): Promise<RunResult> { return this.moor('destroy', '--yes', ...flags); }

  /** Inspect a container by resource name; undefined when there is none. */
  async container(resource: string): Promise<ContainerInfo | undefined> {
    return inspectContainer(this.engine, this.en(resource));
  }

  /** Everything on the engine labelled moor.stack=<this stack>, by kind. */
  async labelled(): Promise<{ containers: Labelled[]; networks: Labelled[]; volumes: Labelled[]; images: Labelled[] }> {
    const f = JSON.stringify({ label: [`moor.stack=${this.name}`] });
    const [c, n, v, i] = await Promise.all([
      this.engine.request<Summary[]>('GET', '/containers/json', { query: { all: 1, filters: f } }),
      this.engine.request<Summary[]>('GET', '/networks', { query: { filters: f } }),
      this.engine.request<{ Volumes: (Summary & { Name: string })[] | null }>('GET', '/volumes', { query: { filters: f } }),
      this.engine.request<Summary[]>('GET', '/images/json', { query: { filters: f } }),
    ]);
    return {
      containers: c.map(toLabelled),
      networks: n.map(toLabelled),
      volumes: (v.Volumes ?? []).map((x) => ({ id: x.Name, name: x.Name, labels: x.Labels ?? {} })),
      images: i.map(toLabelled),
    };
  }

  /** Count of everything labelled with this stack, for "nothing was created" checks. */
  async labelledCount(): Promise<number> {
    const l = await this.labelled();
    return l.containers.length + l.networks.length + l.volumes.length + l.images.length;
  }

  /** Remove what this stack (or the test, by name) left on the engine, then the stack's files. */
  async cleanup(): Promise<void> {
    try {
      await sweepEngine(this.engine, this.name);
    } finally {
      this.engine.close();
      if (!process.env.MOOR_E2E_KEEP) rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

function toLabelled(s: Summary): Labelled {
  const name = (s.Names?.[0] ?? s.Name ?? s.RepoTags?.[0] ?? s.Id).replace(/^\//, '');
  return { id: s.Id, name, labels: s.Labels ?? {} };
}

export function stackSource(name: string, toolsContext: string, body: string): string {
  return `import { stack } from 'moor';

export default stack(${JSON.stringify(name)}, ({ image, network, volume, container }) => {
  const img = image('tools', { build: { context: ${JSON.stringify(toolsContext)} } });
${body.replace(/^\n/, '').replace(/\s+$/, '')}
});
`;
}

/**
 * Run `fn` with a fresh stack; the engine and the stack's files are cleaned up in `finally`,
 * whether the test passed or not. A cleanup failure never hides the test's own failure.
 */
export async function withStack(prefix: string, slug: string, fn: (s: TestStack) => Promise<void>, opts: StackOptions = {}): Promise<void> {
  const s = new TestStack(prefix, slug, opts);
  let failure: unknown;
  try {
    await fn(s);
  } catch (e) {
    failure = e;
  } finally {
    try {
      await s.cleanup();
    } catch (e) {
      if (failure === undefined) failure = e;
      else console.error(`cleanup of ${s.name} failed too: ${(e as Error).message}`);
    }
  }
  if (failure !== undefined) throw failure;
}

/** The file-level sweep, for suite.after: every object of every stack with this prefix, and test/.tmp/<prefix>. */
export async function sweepPrefix(prefix: string): Promise<void> {
  const client = new EngineClient();
  try {
    await sweepEngine(client, prefix);
  } finally {
    client.close();
    if (!process.env.MOOR_E2E_KEEP) rmSync(path.join(REPO, 'test/.tmp', prefix), { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Engine access.

export async function inspectContainer(client: EngineClient, nameOrId: string): Promise<ContainerInfo | undefined> {
  try {
    return await client.request<ContainerInfo>('GET', `/containers/${encodeURIComponent(nameOrId)}/json`);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export async function inspectNetwork(client: EngineClient, name: string): Promise<{ Id: string; Labels: Record<string, string>; Containers: Record<string, { Name: string }> } | undefined> {
  try {
    return await client.request('GET', `/networks/${encodeURIComponent(name)}`);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export async function inspectVolume(client: EngineClient, name: string): Promise<{ Name: string; Labels: Record<string, string> | null } | undefined> {
  try {
    return await client.request('GET', `/volumes/${encodeURIComponent(name)}`);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * An object belongs to `base` (a stack name or a file prefix) when it is labelled
 * moor.stack=<base> or moor.stack=<base>-…, or its name starts with `<base>-`.
 * Nothing else on the engine is ever touched.
 */
function belongs(base: string, name: string, labels: Record<string, string> | null | undefined): boolean {
  const owner = labels?.['moor.stack'];
  return owner === base || !!owner?.startsWith(`${base}-`) || name.replace(/^\//, '').startsWith(`${base}-`);
}

/** Force-remove containers, then networks, volumes and images that belong to `base`; verify none is left. */
export async function sweepEngine(client: EngineClient, base: string): Promise<void> {
  const errors: string[] = [];
  const attempt = async (what: string, f: () => Promise<unknown>) => {
    try { await f(); } catch (e) { if (!isNotFound(e)) errors.push(`${what}: ${(e as Error).message}`); }
  };
  const mine = async () => {
    const [containers, networks, volumes, images] = await Promise.all([
      client.request<Summary[]>('GET', '/containers/json', { query: { all: 1 } }),
      client.request<Summary[]>('GET', '/networks'),
      client.request<{ Volumes: (Summary & { Name: string })[] | null }>('GET', '/volumes'),
      client.request<Summary[]>('GET', '/images/json'),
    ]);
    return {
      containers: containers.filter((c) => (c.Names ?? []).some((n) => belongs(base, n, c.Labels)) || belongs(base, '', c.Labels)),
      networks: networks.filter((n) => belongs(base, n.Name ?? '', n.Labels)),
      volumes: (volumes.Volumes ?? []).filter((v) => belongs(base, v.Name, v.Labels)),
      images: images.filter((i) => belongs(base, '', i.Labels) || (i.RepoTags ?? []).some((t) => belongs(base, t, null))),
    };
  };
  const found = await mine();
  await Promise.all(found.containers.map((c) => attempt(`container ${c.Names?.[0]}`, () => client.request('DELETE', `/containers/${c.Id}`, { query: { force: true, v: true } }))));
  await Promise.all(found.networks.map((n) => attempt(`network ${n.Name}`, () => client.request('DELETE', `/networks/${n.Id}`))));
  await Promise.all(found.volumes.map((v) => attempt(`volume ${v.Name}`, () => client.request('DELETE', `/volumes/${encodeURIComponent(v.Name)}`))));
  for (const i of found.images) {
    // By tag when tagged, so an image id shared with another tag is never removed by force.
    const refs = (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    const targets = refs.length ? refs.filter((t) => belongs(base, t, null) || belongs(base, '', i.Labels)) : [i.Id];
    for (const t of targets) await attempt(`image ${t}`, () => client.request('DELETE', `/images/${encodeURIComponent(t)}`));
  }
  const left = await mine();
  const names = [
    ...left.containers.map((c) => `container ${c.Names?.[0]}`),
    ...left.networks.map((n) => `network ${n.Name}`),
    ...left.volumes.map((v) => `volume ${v.Name}`),
    ...left.images.map((i) => `image ${(i.RepoTags ?? [i.Id]).join(',')}`),
  ];
  if (errors.length || names.length) {
    throw new Error(`cleanup of "${base}" incomplete:\n  ${[...errors, ...names.map((n) => `left: ${n}`)].join('\n  ')}`);
  }
}

/** Build an image from test/fixtures/tools through the Engine API, outside moor (for unmanaged objects). */
export async function buildToolsImage(client: EngineClient, tag: string): Promise<void> {
  await client.streamJson('POST', '/build', {
    query: { t: tag, rm: 1, forcerm: 1 },
    headers: { 'content-type': 'application/x-tar' },
    stream: tar.pack(TOOLS),
  });
}

// ---------------------------------------------------------------------------------------------
// Ports, HTTP, waiting.

/** A TCP port on 127.0.0.1 that nothing listens on right now (never 8080). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    if (port !== 8080) return port;
  }
}

/** GET http://127.0.0.1:<port><path>, retried until it answers 2xx or the time is up. */
export async function httpGet(port: number, urlPath = '/', timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 2000, agent: false }, (r) => {
          let body = '';
          r.on('data', (c: Buffer) => (body += c.toString()));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
          r.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
      });
      if (res.status >= 200 && res.status < 300) return res;
      last = new Error(`HTTP ${res.status}: ${res.body}`);
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`nothing answered HTTP on 127.0.0.1:${port}${urlPath} within ${timeoutMs}ms: ${(last as Error)?.message}`);
    await sleep(200);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `check` until it returns a truthy value or the time is up. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false | null>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------
// Plan text.

/** The resource lines of a text plan (`  +/- container db  (…)`), without the attribute lines. */
export function planResourceLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^ {2}(\+\/-|-\/\+|\+|~|-)\s+(image|network|volume|container) /.test(l));
}

/** The summary counts of a text plan's last line. */
export function planSummary(stdout: string): { create: number; update: number; replace: number; delete: number } | 'none' {
  if (/No changes\./.test(stdout)) return 'none';
  const m = /Plan: (\d+) to create, (\d+) to update, (\d+) to replace, (\d+) to delete\./.exec(stdout);
  if (!m) throw new Error(`no plan summary in:\n${stdout}`);
  return { create: Number(m[1]), update: Number(m[2]), replace: Number(m[3]), delete: Number(m[4]) };
}

// ---------------------------------------------------------------------------------------------
// The demo-like stack most scenarios start from.

export interface DemoOptions {
  port: number;
  /** db's MODE env value. */
  mode?: string;
  /** db's restart policy. */
  restart?: string;
  /** Leave the web container out. */
  noWeb?: boolean;
}

/**
 * A built image, a network, a volume, a "db" (sleep) with a healthcheck and an alias, and a
 * "web" (busybox httpd serving /www) published on 127.0.0.1:<port> that waits for db healthy.
 * Both stop with SIGKILL: PID 1 ignores SIGTERM, and the tests should not wait 10 s per stop.
 */
export function demoBody(o: DemoOptions): string {
  const web = `
  container('web', {
    image: img,
    command: ['httpd', '-f', '-p', '80', '-h', '/www'],
    ports: [{ host: ${o.port}, container: 80, hostIp: '127.0.0.1' }],
    networks: [backend],
    dependsOn: [{ container: db, condition: 'healthy' }],
    stopSignal: 'SIGKILL',
  });`;
  return `
  const backend = network('backend');
  const data = volume('data');
  const db = container('db', {
    image: img,
    command: ['sleep', '3600'],
    env: { MODE: ${JSON.stringify(o.mode ?? 'demo')} },
    networks: [{ network: backend, aliases: ['database'] }],
    mounts: [{ volume: data, target: '/data' }],
    restart: ${JSON.stringify(o.restart ?? 'unless-stopped')},
    healthcheck: { test: ['CMD', 'true'], interval: '500ms' },
    stopSignal: 'SIGKILL',
  });${o.noWeb ? '' : web}
`;
}
