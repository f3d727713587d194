/**
 * Adopting running containers: a three-service project started with Debian's docker-compose 1.29
 * → `moor import --project` → an empty plan, same container ids → an env change replaces only
 * that container (now under moor's name and labels), the others keep running untouched → empty
 * plan → destroy. And refusals: objects another stack owns, by labels or by adoption record.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EngineClient } from '../../core/engine/client.js';
import { buildToolsImage, freePort, httpGet, inspectContainer, inspectNetwork, newPrefix, REPO, runMoor, show, sweepPrefix } from './helpers.js';

const prefix = newPrefix();
const project = `${prefix}-ad`;
const tools = `${prefix}-tools:latest`;
const dir = path.join(REPO, 'test/.tmp', prefix, 'compose');
const stackFile = path.join(dir, 'stack.ts');
const test = suite('moor import --project (adopting a running compose project)');

function compose(...args: string[]): Promise<{ code: number; out: string }> {
  return composeIn(project, dir, ...args);
}

function composeIn(proj: string, cwd: string, ...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker-compose', ['-p', proj, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** Service → container id, of the project's containers (compose's labels). */
async function projectIds(client: EngineClient): Promise<Record<string, string>> {
  const list = await client.request<{ Id: string; Labels: Record<string, string> }[]>('GET', '/containers/json', {
    query: { all: 1, filters: JSON.stringify({ label: [`com.docker.compose.project=${project}`] }) },
  });
  return Object.fromEntries(list.map((c) => [c.Labels['com.docker.compose.service']!, c.Id]));
}

/** A compose file in `cwd` with these services (and what follows them). */
function writeCompose(cwd: string, services: string): void {
  mkdirSync(cwd, { recursive: true });
  writeFileSync(path.join(cwd, 'docker-compose.yml'), `version: "3.8"\nservices:${services}`);
}

const loop = `trap 'exit 0' TERM; while true; do sleep 1 & wait $$!; done`;

test.after(async () => {
  await compose('down', '-v', '--remove-orphans').catch(() => undefined);
  await sweepPrefix(prefix);
});

test('import → empty plan, same ids → env change replaces only that container → empty plan → destroy', async () => {
  const client = new EngineClient();
  try {
    await buildToolsImage(client, tools);
    const port = await freePort();
    writeCompose(dir, `
  web:
    image: ${tools}
    command: ["sh", "-c", "trap 'exit 0' TERM; httpd -p 80 -h /www; while true; do sleep 1 & wait $$!; done"]
    ports: ["127.0.0.1:${port}:80"]
    volumes: ["data:/data"]
    restart: unless-stopped
  api:
    image: ${tools}
    command: ["sh", "-c", "${loop}"]
    environment: { MODE: one }
    volumes: ["data:/data"]
    networks: [default, back]
  worker:
    image: ${tools}
    command: ["sh", "-c", "${loop}"]
    environment: { ROLE: worker }
    networks: [back]
networks:
  back: {}
volumes:
  data: {}
`);
    const up = await compose('up', '-d');
    assert.is(up.code, 0, up.out);
    const before = await projectIds(client);
    assert.equal(Object.keys(before).sort(), ['api', 'web', 'worker']);

    const imported = await runMoor(['import', '--project', project, '-o', stackFile]);
    assert.is(imported.code, 0, show(imported));
    const source = readFileSync(stackFile, 'utf8');
    assert.match(source, /container\('api', \{/);
    assert.match(source, /env: \{ MODE: 'one' \}/);
    // The image's own settings are the image's: not repeated in the stack.
    assert.not.match(source, /PATH=/);

    const plan = await runMoor(['plan', stackFile, '--detailed-exitcode']);
    assert.is(plan.code, 0, show(plan));
    assert.match(plan.stdout, /No changes/);
    assert.equal(await projectIds(client), before);

    // Another stack cannot adopt what this one adopted: refused, naming the stack.
    const again = await runMoor(['import', 'container', `${project}_web_1`, '--name', `${prefix}-other`, '-o', path.join(dir, 'other.ts')]);
    assert.is(again.code, 1, show(again));
    assert.match(again.stderr, new RegExp(`container ${project}_web_1 belongs to stack "${project}" \\(adoption record\\)`));

    writeFileSync(stackFile, source.replace("MODE: 'one'", "MODE: 'two'"));
    const apply = await runMoor(['apply', stackFile, '--yes']);
    assert.is(apply.code, 0, show(apply));
    assert.match(apply.stdout, /0 created, 0 updated, 1 replaced, 0 removed/);
    const after = await projectIds(client);
    assert.is(after.web, before.web);
    assert.is(after.worker, before.worker);
    assert.is(after.api, undefined, 'the adopted api container is gone');
    const api = await inspectContainer(client, `${project}-api`);
    assert.ok(api, 'the replacement is named as moor names containers');
    assert.is(api!.Config.Labels?.['moor.stack'], project);
    assert.ok(api!.Config.Env?.includes('MODE=two'));
    // It joined the adopted networks and volume, under their compose names.
    assert.equal(Object.keys(api!.NetworkSettings.Networks ?? {}).sort(), [`${project}_back`, `${project}_default`]);
    assert.equal(api!.Mounts.map((m) => m.Name), [`${project}_data`]);
    assert.is((await httpGet(port, '/')).status < 500, true, 'web still serves on its port');

    const settled = await runMoor(['plan', stackFile, '--detailed-exitcode']);
    assert.is(settled.code, 0, show(settled));

    const destroy = await runMoor(['destroy', stackFile, '--yes', '--volumes']);
    assert.is(destroy.code, 0, show(destroy));
    assert.equal(await projectIds(client), {});
    const vols = await client.request<{ Volumes: { Name: string }[] | null }>('GET', '/volumes', { query: { filters: JSON.stringify({ name: [project] }) } });
    assert.equal((vols.Volumes ?? []).map((v) => v.Name), [], 'the data volume and the adoption record are gone');
  } finally {
    client.close();
  }
});

/** Engine name → id of the containers whose names start with `start`. */
async function idsByName(client: EngineClient, start: string): Promise<Record<string, string>> {
  const list = await client.request<{ Id: string; Names: string[] }[]>('GET', '/containers/json', { query: { all: 1, filters: JSON.stringify({ name: [start] }) } });
  return Object.fromEntries(list.map((c) => [c.Names[0]!.replace(/^\//, ''), c.Id]).filter(([n]) => n!.startsWith(start)).sort(([a], [b]) => (a! < b! ? -1 : 1)));
}

test('a service scaled with `up --scale web=3` adopts as one container with replicas: 3 → empty plan, same ids → scale down removes the third only → env change replaces the two, one at a time → destroy', async () => {
  const client = new EngineClient();
  const proj = `${prefix}-sc`;
  const cwd = path.join(REPO, 'test/.tmp', prefix, 'scaled');
  const file = path.join(cwd, 'stack.ts');
  try {
    await buildToolsImage(client, tools);
    writeCompose(cwd, `
  web:
    image: ${tools}
    command: ["sh", "-c", "${loop}"]
    environment: { MODE: one }
    ports: ["80"]
  db:
    image: ${tools}
    command: ["sh", "-c", "${loop}"]
`);
    const up = await composeIn(proj, cwd, 'up', '-d', '--scale', 'web=3');
    assert.is(up.code, 0, up.out);
    const before = await idsByName(client, `${proj}_`);
    assert.equal(Object.keys(before), [`${proj}_db_1`, `${proj}_web_1`, `${proj}_web_2`, `${proj}_web_3`]);

    const imported = await runMoor(['import', '--project', proj, '-o', file]);
    assert.is(imported.code, 0, show(imported));
    assert.match(imported.stdout, /4 container\(s\)/);
    const source = readFileSync(file, 'utf8');
    assert.match(source, /container\('web', \{\s+image: '[^']+',\s+replicas: 3,/);
    assert.not.match(source, /web-2|web-3/);
    const plan = await runMoor(['plan', file, '--detailed-exitcode']);
    assert.is(plan.code, 0, show(plan));
    assert.match(plan.stdout, /No changes/);
    assert.equal(await idsByName(client, `${proj}_`), before, 'nothing recreated');

    writeFileSync(file, source.replace('replicas: 3', 'replicas: 2'));
    const down = await runMoor(['apply', file, '--yes']);
    assert.is(down.code, 0, show(down));
    assert.match(down.stdout, /0 created, 0 updated, 0 replaced, 1 removed/);
    const { [`${proj}_web_3`]: third, ...kept } = before;
    assert.ok(third);
    assert.equal(await idsByName(client, `${proj}_`), kept, 'the highest replica went; the others kept their ids');
    const settled = await runMoor(['plan', file, '--detailed-exitcode']);
    assert.is(settled.code, 0, show(settled));

    writeFileSync(file, source.replace('replicas: 3', 'replicas: 2').replace("MODE: 'one'", "MODE: 'two'"));
    const roll = await runMoor(['apply', file, '--yes']);
    assert.is(roll.code, 0, show(roll));
    assert.match(roll.stdout, /0 created, 0 updated, 2 replaced, 0 removed/);
    assert.match(roll.stdout, /rolling: after container\.web#1/);
    const after = await idsByName(client, proj);
    assert.equal(Object.keys(after), [`${proj}-web-1`, `${proj}-web-2`, `${proj}_db_1`], 'replaced under moor\'s replica names; db still adopted');
    for (const n of [1, 2]) assert.ok((await inspectContainer(client, `${proj}-web-${n}`))!.Config.Env?.includes('MODE=two'));
    const again = await runMoor(['plan', file, '--detailed-exitcode']);
    assert.is(again.code, 0, show(again));

    const destroy = await runMoor(['destroy', file, '--yes']);
    assert.is(destroy.code, 0, show(destroy));
    assert.equal(await idsByName(client, proj), {});
  } finally {
    await composeIn(proj, cwd, 'down', '-v', '--remove-orphans').catch(() => undefined);
    client.close();
  }
});

test('a container another stack owns by its labels is refused, naming the stack; nothing is written', async () => {
  const client = new EngineClient();
  const name = `${prefix}-owned`;
  try {
    await buildToolsImage(client, tools);
    await client.request('POST', '/containers/create', {
      query: { name }, body: { Image: tools, Cmd: ['sh'], Labels: { 'moor.stack': `${prefix}-billing`, 'moor.kind': 'container', 'moor.name': 'owned' } },
    });
    const out = path.join(dir, 'refused.ts');
    const r = await runMoor(['import', 'container', name, '--name', `${prefix}-mine`, '-o', out]);
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, new RegExp(`container ${name} belongs to stack "${prefix}-billing" \\(labels\\)`));
    assert.not.ok((() => { try { readFileSync(out); return true; } catch { return false; } })(), 'no stack file written');
    const records = await client.request<{ Volumes: { Name: string }[] | null }>('GET', '/volumes', { query: { filters: JSON.stringify({ label: [`moor.stack=${prefix}-mine`] }) } });
    assert.equal(records.Volumes ?? [], []);
  } finally {
    await client.request('DELETE', `/containers/${name}`, { query: { force: true } }).catch(() => undefined);
    client.close();
  }
});

test('named objects: a container, its network and volume adopted by name (a setting listed as left out) → empty plan → destroy --volumes removes them', async () => {
  const client = new EngineClient();
  const [net, vol, name, stackName] = [`${prefix}-net`, `${prefix}-vol`, `${prefix}-solo`, `${prefix}-named`];
  try {
    await buildToolsImage(client, tools);
    await client.request('POST', '/networks/create', { body: { Name: net } });
    await client.request('POST', '/volumes/create', { body: { Name: vol } });
    const { Id } = await client.request<{ Id: string }>('POST', '/containers/create', {
      query: { name },
      body: {
        Image: tools, Cmd: ['sh', '-c', loop.replace('$$', '$')], Env: ['GREETING=hi'],
        HostConfig: { NetworkMode: net, Mounts: [{ Type: 'volume', Source: vol, Target: '/data' }], RestartPolicy: { Name: 'always' }, Memory: 64 * 1024 * 1024, CpuShares: 512 },
      },
    });
    await client.request('POST', `/containers/${Id}/start`);
    const file = path.join(dir, 'named.ts');
    const r = await runMoor(['import', 'container', name, '--name', stackName, '-o', file]);
    // CPU shares have no option: adopted all the same, listed on stderr and in the file, exit 3.
    assert.is(r.code, 3, show(r));
    assert.match(r.stderr, /container [^:]+: HostConfig\.CpuShares — moor sets CPUs as a limit/);
    const source = readFileSync(file, 'utf8');
    assert.match(source, /HostConfig\.CpuShares/);
    assert.match(source, /restart: 'always'/);
    assert.match(source, /resources: \{ memory: 67108864 \}/);
    const plan = await runMoor(['plan', file, '--detailed-exitcode']);
    assert.is(plan.code, 0, show(plan));
    assert.is((await inspectContainer(client, name))?.Id, Id);
    const destroy = await runMoor(['destroy', file, '--yes', '--volumes']);
    assert.is(destroy.code, 0, show(destroy));
    assert.is(await inspectContainer(client, name), undefined);
    const vols = await client.request<{ Volumes: { Name: string }[] | null }>('GET', '/volumes', { query: { filters: JSON.stringify({ name: [vol] }) } });
    assert.equal((vols.Volumes ?? []).filter((v) => v.Name === vol), []);
    assert.is(await inspectNetwork(client, net), undefined);
    const records = await client.request<{ Volumes: { Name: string }[] | null }>('GET', '/volumes', { query: { filters: JSON.stringify({ label: [`moor.stack=${stackName}`] }) } });
    assert.equal(records.Volumes ?? [], [], 'the adoption record is gone with the last adopted object');
  } finally {
    await client.request('DELETE', `/containers/${name}`, { query: { force: true } }).catch(() => undefined);
    await client.request('DELETE', `/networks/${net}`).catch(() => undefined);
    await client.request('DELETE', `/volumes/${vol}`).catch(() => undefined);
    client.close();
  }
});

test.run();
