/**
 * One chaos run's shared context: the run prefix (`chaos<hex>`), the counting proxy, a client of
 * the real engine, the checker image, and a stack factory. Everything is named after the prefix
 * and swept in `close()`, whatever happened.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineClient, resolveEndpoint } from '../../../core/engine/client.js';
import { buildToolsImage, REPO, stackSource, sweepEngine, TOOLS } from '../../e2e/helpers.js';
import { hex } from './engine-state.js';
import { moor, type Kill, type MoorRun } from './moor.js';
import { EngineProxy } from './proxy.js';

export class ChaosContext {
  readonly prefix: string;
  client: EngineClient;
  /** Temp dir outside the repo (proxy socket, bind directories, archives). */
  readonly tmp = mkdtempSync(path.join(os.tmpdir(), 'moor-chaos-'));
  readonly proxy: EngineProxy;

  /** `upstream`: another engine's socket than /var/run/docker.sock (the private dockerd). */
  constructor(o: { prefix?: string; upstream?: string } = {}) {
    this.prefix = o.prefix ?? `chaos${hex(3)}`;
    this.checkerImage = `${this.prefix}-checker:latest`;
    this.client = new EngineClient(o.upstream ? resolveEndpoint(`unix://${o.upstream}`) : undefined);
    this.proxy = new EngineProxy(path.join(this.tmp, 'engine.sock'), o.upstream);
  }
  /** Busybox image for the suite's own readers and writers. */
  readonly checkerImage: string;

  async open(): Promise<void> {
    await this.proxy.start();
    await buildToolsImage(this.client, this.checkerImage);
  }

  /** A new client of the same engine (after the engine was restarted). */
  reconnect(): void {
    this.client.close();
    this.client = new EngineClient(this.client.endpoint);
  }

  stack(slug: string): ChaosStack {
    return new ChaosStack(this, slug);
  }

  async close(): Promise<void> {
    try {
      await this.proxy.stop();
      // Once more after a pause when the first sweep met a container still going away.
      await sweepEngine(this.client, this.prefix).catch(async () => {
        await new Promise((r) => setTimeout(r, 2000));
        await sweepEngine(this.client, this.prefix);
      });
    } finally {
      this.client.close();
      rmSync(this.tmp, { recursive: true, force: true });
      if (!process.env.CHAOS_KEEP) rmSync(path.join(REPO, 'test/.tmp', this.prefix), { recursive: true, force: true });
    }
  }
}

export class ChaosStack {
  readonly name: string;
  readonly dir: string;
  readonly file: string;
  readonly relFile: string;
  readonly env: Record<string, string>;

  constructor(readonly ctx: ChaosContext, readonly slug: string, typecheck = false) {
    this.name = `${ctx.prefix}-${slug}`;
    this.dir = path.join(REPO, 'test/.tmp', ctx.prefix, slug);
    this.file = path.join(this.dir, 'stack.ts');
    this.relFile = path.relative(REPO, this.file);
    this.env = { MOOR_CACHE_DIR: path.join(REPO, 'test/.tmp', ctx.prefix, 'cache'), ...(typecheck ? {} : { MOOR_SKIP_TYPECHECK: '1' }) };
    mkdirSync(this.dir, { recursive: true });
  }

  en(resource: string): string {
    return `${this.name}-${resource}`;
  }

  get toolsContext(): string {
    return path.relative(this.dir, TOOLS);
  }

  /** The stack file: `img` (busybox from test/fixtures/tools) and the builder's functions in scope. */
  write(body: string, extraImports = ''): void {
    const src = stackSource(this.name, this.toolsContext, body)
      .replace("({ image, network, volume, container })", '({ image, network, volume, container, backup })');
    writeFileSync(this.file, extraImports ? src.replace("import { stack } from 'moor';", `import { stack, ${extraImports} } from 'moor';`) : src);
  }

  run(args: string[], kill?: Kill): Promise<MoorRun> {
    const [cmd, ...rest] = args;
    const withFile = cmd === 'backup' ? [cmd, rest[0]!, this.relFile, ...rest.slice(1)] : [cmd!, this.relFile, ...rest];
    return moor(withFile, { proxy: this.ctx.proxy, env: this.env }, kill);
  }

  apply(...flags: string[]): Promise<MoorRun> { return this.run(['apply', '--yes', ...flags]); }
  plan(...flags: string[]): Promise<MoorRun> { return this.run(['plan', ...flags]); }

  async cleanup(): Promise<void> {
    await sweepEngine(this.ctx.client, this.name);
  }

  /** For stacks whose file names another stack name than the slug's (the bad-input corpus). */
  async cleanupAs(name: string): Promise<void> {
    await sweepEngine(this.ctx.client, name);
  }
}
