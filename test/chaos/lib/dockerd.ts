/**
 * A second, private dockerd for the engine-restart scenario: its own data root, exec root,
 * pidfile and socket under a temp dir, its own default bridge and no iptables rules, so it
 * coexists with the machine's engine, which is never touched.
 *
 * NOT `--bridge=none`: a dockerd started with it deletes the host's `docker0` interface at
 * start-up (moby removeDefaultBridgeInterface), which breaks the default bridge network of the
 * machine's engine. The private one gets a bridge of its own (`mc<hex>`), made here and deleted
 * in destroy(). stop() and start() restart it with the same state;
 * destroy() stops it and deletes its directories.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export class PrivateDockerd {
  readonly socket: string;
  private readonly pidfile: string;

  readonly bridge = `mc${randomBytes(3).toString('hex')}`;

  constructor(readonly root: string) {
    this.socket = path.join(root, 'd.sock');
    this.pidfile = path.join(root, 'dockerd.pid');
  }

  private makeBridge(): void {
    try {
      execFileSync('ip', ['link', 'show', this.bridge], { stdio: 'ignore' });
      return;
    } catch { /* not there yet */ }
    execFileSync('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    execFileSync('ip', ['addr', 'add', `10.213.${randomBytes(1)[0]! % 250}.1/24`, 'dev', this.bridge]);
    execFileSync('ip', ['link', 'set', this.bridge, 'up']);
  }

  get dockerHost(): string {
    return `unix://${this.socket}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.root, { recursive: true });
    this.makeBridge();
    const log = openSync(path.join(this.root, 'dockerd.log'), 'a');
    const child = spawn('dockerd', [
      '--data-root', path.join(this.root, 'data'),
      '--exec-root', path.join(this.root, 'exec'),
      '--pidfile', this.pidfile,
      '-H', this.dockerHost,
      `--bridge=${this.bridge}`, '--iptables=false', '--ip-masq=false',
    ], { detached: true, stdio: ['ignore', log, log] });
    child.unref();
    const deadline = Date.now() + 30_000;
    while (!(await this.ping())) {
      if (Date.now() > deadline) throw new Error(`the private dockerd did not answer within 30 s (log: ${path.join(this.root, 'dockerd.log')})`);
      await sleep(200);
    }
  }

  /** SIGTERM the daemon (its containers stop with it) and wait until it is gone. */
  async stop(): Promise<void> {
    const pid = this.pid();
    if (!pid) return;
    try { process.kill(pid, 'SIGTERM'); } catch { return; }
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      try { process.kill(pid, 0); } catch { return; }
      await sleep(100);
    }
    process.kill(pid, 'SIGKILL');
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.root, { recursive: true, force: true });
    try { execFileSync('ip', ['link', 'del', this.bridge], { stdio: 'ignore' }); } catch { /* never made */ }
  }

  private pid(): number | undefined {
    if (!existsSync(this.pidfile)) return undefined;
    const n = Number(readFileSync(this.pidfile, 'utf8').trim());
    return n > 0 ? n : undefined;
  }

  ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = http.get({ socketPath: this.socket, path: '/_ping', timeout: 1000 }, (r) => {
        r.resume();
        resolve(r.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => { req.destroy(); resolve(false); });
    });
  }
}
