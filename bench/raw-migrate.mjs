#!/usr/bin/env node
/**
 * The raw floor of a volume migration: the same safe work as `moor apply --replace data` on a
 * `migrate: true` volume, with plain Engine API calls and busybox doing the copying inside the
 * engine's host. Timed as a whole process by the harness, like moor.
 *
 *   node bench/raw-migrate.mjs <prefix> <image>
 *
 * With volume <prefix>-data used by container <prefix>-app (`sleep 3600` from <image>):
 *   1. force-remove <prefix>-app (SIGKILL, like a stop with timeout 0)
 *   2. create <prefix>-data.stash; run a container of <image> that copies <prefix>-data (read-only)
 *      into it with `tar -cf - . | tar -xf -`, lists both sides (modes, owners, sizes, links, the
 *      sha256 of every file; see lib/volume-scripts.mjs) at once and requires them identical
 *   3. remove <prefix>-data, create it again
 *   4. the same copy, stash → new volume, verified the same way
 *   5. remove the stash; create and start <prefix>-app again
 * Each copy container is removed once it exited. With MOOR_COUNT_REQUESTS=1 it prints its request
 * count; it always prints how long each step took (`raw: steps {…}` on stderr, milliseconds),
 * grouped like moor's two migration steps: `stash` (create the stash, copy, verify, remove the
 * old volume) and `restore` (create the volume, copy back, verify, remove the stash).
 */
import { createEngine } from './lib/engine-http.mjs';
import { copyScript } from './lib/volume-scripts.mjs';

/** Run `cmd` in a container of `image` with `mounts` until it exits; its output is the error when it fails. */
async function runToEnd(engine, name, image, cmd, mounts) {
  const body = { Image: image, Cmd: cmd, NetworkDisabled: true, HostConfig: { NetworkMode: 'none', Mounts: mounts } };
  const { Id } = await engine.request('POST', `/containers/create?name=${encodeURIComponent(name)}`, { body });
  try {
    await engine.request('POST', `/containers/${Id}/start`);
    const { StatusCode } = await engine.request('POST', `/containers/${Id}/wait`);
    if (StatusCode !== 0) {
      // Docker's multiplexed log frames: drop the 8-byte headers' binary bytes for the message.
      const logs = await engine.requestText('GET', `/containers/${Id}/logs?stdout=1&stderr=1&tail=30`);
      throw new Error(`${name} exited with ${StatusCode}:\n${logs.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]+/g, '').trim()}`);
    }
  } finally {
    await engine.request('DELETE', `/containers/${Id}?force=true`, { ok: [404] });
  }
}

const volumeMount = (source, target, readOnly = false) => ({ Type: 'volume', Source: source, Target: target, ReadOnly: readOnly });

async function migrate(engine, prefix, image) {
  const volume = `${prefix}-data`;
  const stash = `${volume}.stash`;
  const app = `${prefix}-app`;
  const steps = {};
  let mark = performance.now();
  const step = (name) => {
    const now = performance.now();
    steps[name] = Math.round(now - mark);
    mark = now;
  };
  await engine.version();
  step('version');
  await engine.request('DELETE', `/containers/${encodeURIComponent(app)}?force=true`);
  step('remove-container');
  await engine.request('POST', '/volumes/create', { body: { Name: stash, Driver: 'local' } });
  await runToEnd(engine, `${prefix}-copy-out`, image, copyScript(), [volumeMount(volume, '/src', true), volumeMount(stash, '/dst')]);
  await engine.request('DELETE', `/volumes/${encodeURIComponent(volume)}`);
  step('stash');
  await engine.request('POST', '/volumes/create', { body: { Name: volume, Driver: 'local' } });
  await runToEnd(engine, `${prefix}-copy-back`, image, copyScript(), [volumeMount(stash, '/src', true), volumeMount(volume, '/dst')]);
  await engine.request('DELETE', `/volumes/${encodeURIComponent(stash)}`);
  step('restore');
  const body = { Image: image, Cmd: ['sleep', '3600'], HostConfig: { Mounts: [volumeMount(volume, '/data')] } };
  const { Id } = await engine.request('POST', `/containers/create?name=${encodeURIComponent(app)}`, { body });
  await engine.request('POST', `/containers/${Id}/start`, { ok: [304] });
  step('start-container');
  return steps;
}

async function main(argv) {
  const [prefix, image] = argv;
  if (!prefix || !image || argv.length > 2) {
    console.error('usage: raw-migrate.mjs <prefix> <image>');
    return 2;
  }
  const engine = createEngine({ maxSockets: 4 });
  try {
    const steps = await migrate(engine, prefix, image);
    process.stderr.write(`raw: steps ${JSON.stringify(steps)}\n`);
    if (process.env.MOOR_COUNT_REQUESTS === '1') process.stderr.write(`raw: ${engine.requests} engine requests\n`);
    return 0;
  } catch (e) {
    console.error(`raw migrate: ${e.message}`);
    return 1;
  } finally {
    engine.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
