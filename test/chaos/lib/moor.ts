/**
 * The moor CLI as the chaos suite runs it: `node bin/moor.js …` in a subprocess whose engine is
 * the counting proxy (DOCKER_HOST), optionally killed by a trap on the k-th mutating request or
 * after a delay. Never throws on a non-zero exit.
 */
import { spawn } from 'node:child_process';
import { MOOR_BIN, REPO } from '../../e2e/helpers.js';
import type { EngineProxy, When } from './proxy.js';

export interface Kill {
  signal: 'SIGKILL' | 'SIGINT';
  /** The k-th mutating request, before it is forwarded or after the engine answered it… */
  k?: number;
  when?: When;
  /** …or this long after the command started. */
  afterMs?: number;
  /** Instead of the signal: what to do when the trap fires (the engine-restart fault). */
  onTrap?: () => void;
}

export interface MoorRun {
  code: number;
  signal: string | null;
  stdout: string;
  stderr: string;
  command: string;
  ms: number;
  /** Mutating requests the proxy saw (up to the kill). */
  mutations: number;
  /** The mutating requests, `POST /containers/create`… */
  requests: string[];
  /** ms from the start to the first and to the last mutating request (0 when there was none). */
  firstMs: number;
  lastMs: number;
  /** Whether the kill happened (a trap on a request that never came does not fire). */
  killed: boolean;
}

export interface MoorEnv {
  proxy: EngineProxy;
  env: Record<string, string | undefined>;
  timeoutMs?: number;
}

export function moor(args: string[], o: MoorEnv, kill?: Kill): Promise<MoorRun> {
  const command = `moor ${args.join(' ')}`;
  const started = Date.now();
  const child = spawn(process.execPath, [MOOR_BIN, ...args], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...o.env, DOCKER_HOST: o.proxy.dockerHost },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let killed = false;
  const fire = () => {
    killed = true;
    if (kill!.onTrap) kill!.onTrap();
    else child.kill(kill!.signal);
  };
  o.proxy.reset(kill?.k !== undefined ? { k: kill.k, when: kill.when ?? 'before', fire } : undefined);
  const timer = kill?.afterMs !== undefined ? setTimeout(fire, kill.afterMs) : undefined;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const limit = setTimeout(() => {
    stderr += `\n[chaos] killed after ${(o.timeoutMs ?? 300_000) / 1000}s: did not finish`;
    child.kill('SIGKILL');
  }, o.timeoutMs ?? 300_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      if (timer) clearTimeout(timer);
      const mutations = o.proxy.mutations.length;
      const ms = o.proxy.mutations.map((m) => m.at - started);
      const firstMs = ms.length ? ms[0]! : 0;
      const lastMs = ms.length ? ms[ms.length - 1]! : 0;
      const requests = o.proxy.mutations.map((m) => `${m.method} ${m.path.split('?')[0]}`);
      o.proxy.reset();
      resolve({ code: code ?? 128, signal, stdout, stderr, command, ms: Date.now() - started, mutations, requests, killed, firstMs, lastMs });
    });
  });
}

/** The last lines of a run's output, for a symptom. */
export function tail(r: MoorRun, lines = 3): string {
  const text = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
  return text.slice(-lines).join(' | ').slice(0, 400);
}
