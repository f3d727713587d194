#!/usr/bin/env node
/**
 * The raw Engine API floor: the fewest calls that bring up (or tear down) the benchmark's stack,
 * with the same concurrency as moor, and nothing else — no stack file, no type-check, no plan,
 * no labels. Timed as a whole process by the harness, like moor and docker-compose.
 *
 *   node bench/raw.mjs up   <prefix> <n> <image> [concurrency=4]
 *   node bench/raw.mjs down <prefix> <n> [concurrency=4]
 *
 * up:   GET /version; create the network and the n volumes (pool of `concurrency`);
 *       then create + start each container (pool of `concurrency`).
 * down: force-remove each container (SIGKILL, like stop -t 0) then its volume (pool), then the network.
 */
import { createEngine, pool } from './lib/engine-http.mjs';

const names = (prefix, n) => ({
  network: `${prefix}-net`,
  volumes: Array.from({ length: n }, (_, i) => `${prefix}-v${String(i).padStart(2, '0')}`),
  containers: Array.from({ length: n }, (_, i) => `${prefix}-c${String(i).padStart(2, '0')}`),
});

async function up(engine, prefix, n, image, concurrency) {
  const { network, volumes, containers } = names(prefix, n);
  await engine.version();
  await pool([network, ...volumes], concurrency, (name) =>
    name === network
      ? engine.request('POST', '/networks/create', { body: { Name: network, Driver: 'bridge', CheckDuplicate: true } })
      : engine.request('POST', '/volumes/create', { body: { Name: name, Driver: 'local' } }),
  );
  await pool(containers.map((c, i) => [c, volumes[i]]), concurrency, async ([name, volume]) => {
    const body = {
      Image: image,
      Cmd: ['sleep', '3600'],
      HostConfig: { NetworkMode: network, Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }] },
    };
    const { Id } = await engine.request('POST', `/containers/create?name=${encodeURIComponent(name)}`, { body });
    await engine.request('POST', `/containers/${Id}/start`, { ok: [304] });
  });
}

async function down(engine, prefix, n, concurrency) {
  const { network, volumes, containers } = names(prefix, n);
  await engine.version();
  await pool(containers.map((c, i) => [c, volumes[i]]), concurrency, async ([name, volume]) => {
    await engine.request('DELETE', `/containers/${encodeURIComponent(name)}?force=true`, { ok: [404] });
    await engine.request('DELETE', `/volumes/${encodeURIComponent(volume)}`, { ok: [404] });
  });
  await engine.request('DELETE', `/networks/${encodeURIComponent(network)}`, { ok: [404] });
}

async function main(argv) {
  const [mode, prefix, nArg, ...rest] = argv;
  const n = Number(nArg);
  if (!['up', 'down'].includes(mode) || !prefix || !Number.isInteger(n) || n < 1) {
    console.error('usage: raw.mjs up <prefix> <n> <image> [concurrency] | raw.mjs down <prefix> <n> [concurrency]');
    return 2;
  }
  const image = mode === 'up' ? rest.shift() : undefined;
  if (mode === 'up' && !image) {
    console.error('raw.mjs up needs an image');
    return 2;
  }
  const concurrency = Number(rest[0] ?? 4);
  const engine = createEngine({ maxSockets: Math.max(8, concurrency * 2) });
  try {
    if (mode === 'up') await up(engine, prefix, n, image, concurrency);
    else await down(engine, prefix, n, concurrency);
    if (process.env.MOOR_COUNT_REQUESTS === '1') process.stderr.write(`raw: ${engine.requests} engine requests\n`);
    return 0;
  } catch (e) {
    console.error(`raw ${mode}: ${e.message}`);
    return 1;
  } finally {
    engine.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
