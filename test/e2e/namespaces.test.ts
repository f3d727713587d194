/**
 * Containers sharing things: another container's network namespace (networkMode: { container }),
 * its volumes (volumesFrom), plus tmpfs and bind mounts — checked by inspect and from inside the
 * containers (a web server in the shared namespace serves what it sees).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort, httpGet, newPrefix, show, sweepPrefix, withStack } from './helpers.js';

const prefix = newPrefix();
const namespaces = suite('e2e: namespaces');
namespaces.after(() => sweepPrefix(prefix));

const body = (port: number, mode: string) => `
  const data = volume('data');
  // db owns the network namespace and publishes its port 80; web listens on it from inside.
  const db = container('db', {
    image: img,
    command: ['sleep', '3600'],
    env: { MODE: ${JSON.stringify(mode)} },
    ports: [{ host: ${port}, container: 80, hostIp: '127.0.0.1' }],
    mounts: [{ volume: data, target: '/data' }],
    stopSignal: 'SIGKILL',
  });
  container('web', {
    image: img,
    networkMode: { container: db },
    command: ['sh', '-c', 'mkdir -p /scratch/www && cp /site/index.html /scratch/www/ && grep " /scratch " /proc/mounts > /scratch/www/mounts && exec httpd -f -p 80 -h /scratch/www'],
    mounts: [
      { bind: './site', target: '/site', readOnly: true },
      { tmpfs: { size: '8m', mode: 0o1777 }, target: '/scratch' },
    ],
    stopSignal: 'SIGKILL',
  });
  container('reader', {
    image: img,
    command: ['sleep', '3600'],
    volumesFrom: [{ container: db, readOnly: true }],
    stopSignal: 'SIGKILL',
  });
`;

namespaces('networkMode container, volumesFrom, tmpfs and bind mounts reach the engine and the containers', () =>
  withStack(prefix, 'ns', async (s) => {
    const port = await freePort();
    const site = path.join(s.dir, 'site');
    mkdirSync(site, { recursive: true });
    writeFileSync(path.join(site, 'index.html'), `bound ${s.name}\n`);
    s.write(body(port, 'one'));

    // One step at a time: the order alone must satisfy namespace and volumes-from dependencies.
    const applied = await s.apply('--concurrency', '1');
    assert.is(applied.code, 0, show(applied));
    const db = await s.container('db');
    const web = await s.container('web');
    const reader = await s.container('reader');
    assert.ok(db?.State.Running && web?.State.Running && reader?.State.Running, 'all three run');

    // Network namespace: the engine records container:<db id>; web's server answers on db's published port.
    assert.match(web.HostConfig.NetworkMode, new RegExp(`^container:(${db.Id}|${s.en('db')})$`), web.HostConfig.NetworkMode);
    const index = await httpGet(port, '/index.html');
    assert.is(index.body, `bound ${s.name}\n`, 'the bind mount is visible inside web, served through db\'s namespace');

    // tmpfs: configured with size and mode, and mounted as tmpfs inside the container.
    const tmpfs = web.HostConfig.Mounts?.find((m) => m.Target === '/scratch');
    assert.is(tmpfs?.Type, 'tmpfs');
    assert.is(tmpfs?.TmpfsOptions?.SizeBytes, 8 * 1024 * 1024);
    assert.is(tmpfs?.TmpfsOptions?.Mode, 0o1777);
    const mounts = await httpGet(port, '/mounts');
    assert.match(mounts.body, /^tmpfs \/scratch tmpfs .*size=8192k/, mounts.body);

    // bind: resolved against the stack file's directory, read-only.
    const bind = web.Mounts.find((m) => m.Destination === '/site');
    assert.is(bind?.Type, 'bind');
    assert.is(bind?.Source, site);
    assert.is(bind?.RW, false);

    // volumesFrom: reader mounts db's volume, read-only.
    assert.equal(reader.HostConfig.VolumesFrom, [`${s.en('db')}:ro`]);
    const shared = reader.Mounts.find((m) => m.Destination === '/data');
    assert.is(shared?.Type, 'volume');
    assert.is(shared?.Name, s.en('data'));
    assert.is(shared?.RW, false);

    const again = await s.plan('--detailed-exitcode');
    assert.is(again.code, 0, show(again));
    assert.match(again.stdout, /No changes\./, show(again));

    // Replacing db replaces what uses its namespace and its volumes; all work again afterwards.
    s.write(body(port, 'two'));
    const plan = await s.plan('--detailed-exitcode');
    assert.is(plan.code, 2, show(plan));
    assert.match(plan.stdout, /Plan: 0 to create, 0 to update, 3 to replace, 0 to delete\./, show(plan));
    const replaced = await s.apply();
    assert.is(replaced.code, 0, show(replaced));
    const db2 = await s.container('db');
    const web2 = await s.container('web');
    const reader2 = await s.container('reader');
    assert.ok(db2 && web2 && reader2);
    assert.ok(db2.Id !== db.Id && web2.Id !== web.Id && reader2.Id !== reader.Id, 'all three are new containers');
    assert.ok(db2.State.Running && web2.State.Running && reader2.State.Running, 'all three run');
    assert.match(web2.HostConfig.NetworkMode, new RegExp(`^container:(${db2.Id}|${s.en('db')})$`), web2.HostConfig.NetworkMode);
    assert.is((await httpGet(port, '/index.html')).body, `bound ${s.name}\n`);
    const after = await s.plan('--detailed-exitcode');
    assert.is(after.code, 0, show(after));
  }, { skipTypecheck: true }));

namespaces.run();
