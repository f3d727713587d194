/**
 * Crash scenarios of `moor apply`: a replacement of containers, a replacement of a network that
 * containers are attached to, and an image rebuild (which replaces the container using it).
 * Each run flips one attribute, so every run replaces again.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TOOLS } from '../e2e/helpers.js';
import type { CrashScenario } from './lib/crash.js';
import type { ChaosStack } from './lib/context.js';
import { fillVolume } from './lib/data.js';

/** A volume `data` with files, a `db` and a `web` container on network `backend`, both mounting it. */
function twoContainers(mode: string, internal: boolean): string {
  return `
  const backend = network('backend', { internal: ${internal} });
  const data = volume('data');
  const db = container('db', {
    image: img,
    command: ['sleep', '3600'],
    env: { MODE: ${JSON.stringify(mode)} },
    networks: [{ network: backend, aliases: ['database'] }],
    mounts: [{ volume: data, target: '/data' }],
    restart: 'unless-stopped',
    stopSignal: 'SIGKILL',
  });
  container('web', {
    image: img,
    command: ['httpd', '-f', '-p', '80', '-h', '/www'],
    env: { MODE: ${JSON.stringify(mode)} },
    networks: [backend],
    mounts: [{ volume: data, target: '/data', readOnly: true }],
    dependsOn: [db],
    restart: 'unless-stopped',
    stopSignal: 'SIGKILL',
  });
`;
}

const declared = (s: ChaosStack) => ({
  stack: s.name,
  containers: [s.en('db'), s.en('web')],
  networks: [s.en('backend')],
  volumes: [s.en('data')],
});

async function applyAndFill(s: ChaosStack): Promise<void> {
  const r = await s.apply();
  if (r.code !== 0) throw new Error(`setup of ${s.name}: apply exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  await fillVolume(s.ctx.client, s.ctx.checkerImage, s.en('data'), 'seed', 150, s.ctx.prefix);
}

export const replaceContainers: CrashScenario = {
  name: 'apply replacing 2 containers',
  slug: 'replace',
  async setup(s) {
    s.write(twoContainers('m0', false));
    await applyAndFill(s);
  },
  async prepare(s, i) {
    s.write(twoContainers(`m${i + 1}`, false));
    return ['apply', '--yes'];
  },
  declared,
  running: (s) => [s.en('db'), s.en('web')],
  volumes: (s) => [s.en('data')],
};

export const replaceNetwork: CrashScenario = {
  name: 'apply replacing a network with 2 containers attached',
  slug: 'network',
  async setup(s) {
    s.write(twoContainers('m', false));
    await applyAndFill(s);
  },
  async prepare(s, i) {
    s.write(twoContainers('m', i % 2 === 0));
    return ['apply', '--yes'];
  },
  declared,
  running: (s) => [s.en('db'), s.en('web')],
  volumes: (s) => [s.en('data')],
};

/** The image `app` is built from a context of its own; `version` in it changes every run. */
function rebuildStack(s: ChaosStack, version: number): void {
  const ctx = path.join(s.dir, 'ctx');
  mkdirSync(ctx, { recursive: true });
  copyFileSync(path.join(TOOLS, 'busybox'), path.join(ctx, 'busybox'));
  writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCOPY version /version\n');
  writeFileSync(path.join(ctx, 'version'), `v${version}\n`);
  s.write(`
  const app = image('app', { build: { context: './ctx' } });
  const data = volume('data');
  container('svc', {
    image: app,
    command: ['sleep', '3600'],
    mounts: [{ volume: data, target: '/data' }],
    restart: 'unless-stopped',
    stopSignal: 'SIGKILL',
  });
  container('side', { image: img, command: ['sleep', '3600'], stopSignal: 'SIGKILL' });
`);
}

export const rebuildImage: CrashScenario = {
  name: 'apply rebuilding an image (container replaced)',
  slug: 'rebuild',
  async setup(s) {
    rebuildStack(s, 0);
    await applyAndFill(s);
  },
  async prepare(s, i) {
    rebuildStack(s, i + 1);
    return ['apply', '--yes'];
  },
  declared: (s) => ({ stack: s.name, containers: [s.en('svc'), s.en('side')], networks: [], volumes: [s.en('data')] }),
  running: (s) => [s.en('svc'), s.en('side')],
  volumes: (s) => [s.en('data')],
};

export const APPLY_SCENARIOS = [replaceContainers, replaceNetwork, rebuildImage];
