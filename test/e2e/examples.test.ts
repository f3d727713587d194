/**
 * Every folder of examples/ with a stack.ts, for real: prepare busybox in its tools/ context,
 * apply, check what its README promises (on the published ports, on the host, on the engine),
 * require the next plan to be empty (`plan --detailed-exitcode` → 0), and destroy in a `finally`
 * (with --volumes, after taking `protect: true` out of the test's copy: it would refuse the
 * destroy; without --volumes for the storage-provider examples, whose volumes keep no data in the
 * engine, so that a plain destroy must remove them).
 *
 * Two examples need more than the engine:
 * - volume-nfs cannot mount here (no NFS server, and these hosts' kernels have no NFS client): its
 *   test only plans it, never applies. On a host without an NFS client the plan must refuse with
 *   "this host cannot mount NFS"; on any host `plan --skip-checks` must plan it.
 * - volume-sshfs mounts over SSH: its staged copy is pointed at an sshd the test starts on
 *   127.0.0.1 (test/fixtures/sshd.ts), and its mounts go under the test's own MOOR_STATE_DIR;
 *   whatever a failure leaves mounted there is unmounted in `finally`.
 *
 * from-compose joins an external network: the test creates one named after its prefix and points
 * the staged copy at it (and removes it, and the anonymous volume destroy leaves, in `finally`).
 * volume-device needs a block device: the test makes an ext4 image file, attaches it with
 * `losetup -f --show`, points the staged copy at it and detaches it in `finally`.
 *
 * backup-jobs also runs its jobs once (`moor backup run`, on the staged copy) and requires each new
 * archive to be listed as verified by `moor backup list --json`. Its archives go to the staged
 * copy's ./archives (removed with the copy) and to its volume `backups` (removed by destroy
 * --volumes); the job records are labelled with the stack, so "destroy leaves nothing labelled"
 * covers them and any worker container a failed run left.
 *
 * Isolation: each example is copied to test/.tmp/<prefix>/<example>/ (relative paths such as
 * ./tools and ./site come along; what the example's .gitignore lists, such as volume-bind's
 * ./data written by a run by hand, does not) and its stack renamed `<prefix>-<example>`, so this
 * test only ever creates, and removes, objects named after its own prefix — never a copy of the
 * example someone applied by hand. What cannot be renamed are the examples' fixed host ports
 * (127.0.0.1:18000-18999) and the ports-and-networks subnet: two runs of this file at the same
 * time, or an example applied by hand, make the second apply fail with a port or subnet conflict.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HELPER_IMAGE_REPO } from '../../core/volume-data/helper-image.js';
import { mountState } from '../../native/fuse.js';
import { hostLacksNfs } from '../../providers/nfs.js';
import { startSshd, type Sshd } from '../fixtures/sshd.js';
import { mountsUnder, unmountAll } from '../fixtures/mounts.js';
import { eventually, httpGet, newPrefix, REPO, runMoor, show, sweepPrefix, withStack, type RunResult, type StackOptions, type TestStack } from './helpers.js';

const EXAMPLES = path.join(REPO, 'examples');

/** Example folders: every directory of examples/ holding a stack.ts. */
const examples = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(EXAMPLES, d.name, 'stack.ts')))
  .map((d) => d.name)
  .sort();

const prefix = newPrefix();
/** sshfs mounts of this file: outside test/.tmp/<prefix>, which is removed recursively. */
const stateDir = path.join(REPO, 'test/.tmp', `${prefix}-state`);

/** What an example needs beyond apply → plan → destroy. */
interface ExampleCase {
  /** Environment of the example's moor commands. */
  env?: StackOptions['env'];
  /** Start what the example needs and adapt the staged copy; returns what undoes it (run in `finally`). */
  setup?: (s: TestStack) => Promise<() => Promise<void>>;
  /** What the README says you can observe after apply. */
  check?: (s: TestStack) => Promise<void>;
  /** Destroy without --volumes: every volume of the example keeps its data outside the engine. */
  plainDestroy?: boolean;
  /** What the README says about what destroy leaves behind. */
  afterDestroy?: (s: TestStack) => Promise<void>;
}

/** The engine volume's driver options, as the engine reports them. */
async function volumeOptions(s: TestStack, resource: string): Promise<Record<string, string>> {
  return (await s.engine.request<{ Options: Record<string, string> | null }>('GET', `/volumes/${s.en(resource)}`)).Options ?? {};
}

function sshfsCase(): ExampleCase {
  let sshd: Sshd | undefined;
  const remote = (file: string) => path.join(sshd!.remoteDir, file);
  return {
    env: { MOOR_STATE_DIR: stateDir },
    async setup(s) {
      const started = (sshd = await startSshd(prefix));
      const undo = async () => {
        unmountAll(stateDir);
        await started.stop();
      };
      try {
        // Point the staged copy at the test's sshd: one replacement per option, inside sshfs({ … }).
        const source = readFileSync(s.file, 'utf8');
        const block = /sshfs\(\{[\s\S]*?\}\)/.exec(source);
        assert.ok(block, 'examples/volume-sshfs/stack.ts should declare sshfs({ … })');
        const values: Record<string, string | number> = {
          host: started.host, port: started.port, user: started.user, path: started.remoteDir, identityFile: started.identityFile, hostKey: started.hostKey,
        };
        let rewritten = block[0];
        for (const [key, value] of Object.entries(values)) {
          const option = new RegExp(`\\b${key}: (?:'[^']*'|\\d+)`, 'g');
          assert.is(rewritten.match(option)?.length, 1, `sshfs({ … }) should set ${key} once, as a literal`);
          rewritten = rewritten.replace(option, `${key}: ${JSON.stringify(value)}`);
        }
        s.writeRaw(source.replace(block[0], rewritten));
      } catch (e) {
        await undo();
        throw e;
      }
      return undo;
    },
    async check(s) {
      const mountpoint = path.join(stateDir, 'mounts', s.en('reports'));
      assert.equal(await volumeOptions(s, 'reports'), { type: 'none', o: 'bind', device: mountpoint });
      assert.is((await mountState(mountpoint, 3000)).state, 'mounted');
      // Written by reporter in the container, read in the server's directory and served by web.
      const log = await eventually('reporter wrote into the remote directory', async () =>
        existsSync(remote('reporter.log')) && readFileSync(remote('reporter.log'), 'utf8'));
      assert.match(log, /written by reporter/);
      assert.match((await httpGet(18530, '/reporter.log', 20_000)).body, /written by reporter/);
    },
    plainDestroy: true,
    async afterDestroy(s) {
      assert.equal(mountsUnder(stateDir), [], 'destroy leaves nothing mounted under the state dir');
      assert.not.ok(existsSync(path.join(stateDir, 'mounts', s.en('reports'))), 'the mountpoint is removed');
      assert.match(readFileSync(remote('reporter.log'), 'utf8'), /written by reporter/, 'the remote data stays');
    },
  };
}

/** Replace one literal in the staged stack.ts, asserting it is there exactly once. */
function rewrite(s: TestStack, from: string, to: string): void {
  const source = readFileSync(s.file, 'utf8');
  assert.is(source.split(from).length, 2, `the example's stack.ts should contain ${from} once`);
  s.writeRaw(source.replace(from, to));
}

function fromComposeCase(): ExampleCase {
  const anonymous: string[] = [];
  return {
    async setup(s) {
      const net = `${s.name}-proxy`;
      rewrite(s, "network('ex-proxy'", `network('${net}'`);
      await s.engine.request('POST', '/networks/create', { body: { Name: net, CheckDuplicate: true } });
      return async () => {
        await s.engine.request('DELETE', `/networks/${net}`).catch(() => undefined);
        for (const v of anonymous) await s.engine.request('DELETE', `/volumes/${v}`).catch(() => undefined);
      };
    },
    async check(s) {
      const body = (await httpGet(18730, '/', 20_000)).body;
      assert.match(body, /moor from-compose example[\s\S]*hello from web\.env; set in web\.env # not a comment; from stack\.ts\nweb stage\nstarts: 1/, body);
      const c = await s.container('web');
      assert.equal(Object.keys(c?.NetworkSettings.Networks ?? {}), [`${s.name}-proxy`]);
      const data = c?.Mounts.find((m) => m.Destination === '/data');
      assert.ok(data?.Type === 'volume' && data.Name, JSON.stringify(c?.Mounts));
      anonymous.push(data.Name!);
    },
    async afterDestroy(s) {
      assert.is((await s.engine.request<{ Name: string }>('GET', `/networks/${s.name}-proxy`)).Name, `${s.name}-proxy`, 'destroy leaves the external network');
    },
  };
}

function volumeDeviceCase(): ExampleCase {
  let loop = '';
  return {
    plainDestroy: true,
    async setup(s) {
      const img = path.join(s.dir, 'disk.img');
      writeFileSync(img, '');
      execFileSync('truncate', ['-s', '16M', img]);
      execFileSync('mkfs.ext4', ['-q', '-F', img]);
      loop = execFileSync('losetup', ['-f', '--show', img], { encoding: 'utf8' }).trim();
      rewrite(s, "device: '/dev/loop3'", `device: '${loop}'`);
      return async () => { execFileSync('losetup', ['-d', loop]); };
    },
    async check(s) {
      assert.equal(await volumeOptions(s, 'disk'), { type: 'ext4', device: loop, o: 'noatime' });
      const body = (await httpGet(18740, '/', 20_000)).body;
      assert.match(body, new RegExp(`^start at \\d\\d:\\d\\d:\\d\\d\\n${loop} /disk ext4 [^ ]*noatime`), body);
    },
    async afterDestroy() {
      // The file system and what web wrote stay on the device.
      assert.match(execFileSync('debugfs', ['-R', 'cat /starts', loop], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), /^start at /);
    },
  };
}

/** `moor backup <sub> <the staged stack.ts> …args`, with the stack's cache directory. */
function backupCmd(s: TestStack, sub: string, ...args: string[]): Promise<RunResult> {
  return runMoor(['backup', sub, s.relFile, ...args], { env: { MOOR_CACHE_DIR: path.join(s.dir, '..', 'cache') } });
}

function backupJobsCase(): ExampleCase {
  const archiveDir = (s: TestStack, job: string) => path.join(s.dir, 'archives', s.name, job);
  return {
    async check(s) {
      // app serves what it "receives" into uploads.
      assert.match((await httpGet(18600, '/upload-1.txt', 20_000)).body, /^upload 1 received at /);
      const made: Record<string, string> = {};
      for (const job of ['nightly', 'hourly']) {
        const run = await backupCmd(s, 'run', job);
        assert.is(run.code, 0, show(run));
        const id = new RegExp(`^${job}: archive (\\d{8}T\\d{6}\\.\\d{3}Z)\\.tar\\.gz verified \\(`).exec(run.stdout)?.[1];
        assert.ok(id, `moor backup run ${job} names its verified archive${show(run)}`);
        made[job] = id;
      }
      // A run goes in the order the README gives (its progress lines, on stderr).
      const again = await backupCmd(s, 'run', 'nightly');
      assert.is(again.code, 0, show(again));
      const steps = ['hooks before[0]', 'stop', 'archive', 'restart', 'verify', 'hooks after[0]'].map((step) => again.stderr.indexOf(`nightly: ${step}: `));
      assert.ok(steps.every((at, i) => at >= 0 && (i === 0 || at > steps[i - 1]!)), `steps in order${show(again)}`);

      const list = await backupCmd(s, 'list', '--json');
      assert.is(list.code, 0, show(list));
      const listed = JSON.parse(list.stdout) as { job: string; id: string; status: string; volumes: string[]; files: { name: string }[] }[];
      for (const [job, id] of Object.entries(made)) {
        const archive = listed.find((a) => a.job === job && a.id === id);
        assert.ok(archive, `moor backup list --json shows ${job}'s archive ${id}${show(list)}`);
        assert.is(archive.status, 'verified', show(list));
        assert.equal(archive.files.map((f) => f.name).sort(), [`${id}.manifest.jsonl`, `${id}.tar.gz`]);
      }
      assert.equal(listed.find((a) => a.id === made.nightly)?.volumes, ['dumps', 'uploads']);
      // The host-directory target: <target>/<stack>/<job>/<id>.tar.gz, the manifest beside it.
      const manifest = readFileSync(path.join(archiveDir(s, 'nightly'), `${made.nightly}.manifest.jsonl`), 'utf8').split('\n');
      assert.is(JSON.parse(manifest[0]!).status, 'verified');
      assert.ok(manifest.some((l) => l.includes('"path":"dumps/table.dump"')), 'the dump the hook wrote is archived');
      const verify = await backupCmd(s, 'verify', 'nightly', made.nightly!);
      assert.is(verify.code, 0, show(verify));
      assert.match(verify.stdout, /verified: it matches its manifest/);
    },
    afterDestroy: async (s) => {
      // destroy removes the jobs, not their archives.
      assert.ok(readdirSync(archiveDir(s, 'nightly')).some((f) => f.endsWith('.tar.gz')), 'the archives in ./archives stay after destroy');
    },
  };
}

/**
 * environments: the plain apply (defaults) is the shared part; each environment is applied too, its
 * page checked, its next plan empty, and destroyed by --env (also on failure, in `finally`).
 */
function environmentsCase(): ExampleCase {
  const envs = (s: TestStack) => [
    { env: 'dev', port: 18701, page: 'hello from dev (workers: 1, debug: on, API token: 20 characters)', flags: ['--env', 'dev'] },
    { env: 'prod', port: 18702, page: 'hello from prod (workers: 3, debug: off, API token: 34 characters)', flags: ['--env', 'prod', '--env-file', path.join(s.dir, 'prod.env')] },
  ];
  return {
    async check(s) {
      assert.is((await httpGet(18720, '/', 20_000)).body.trim(), 'hello from the defaults (workers: 1, debug: off, API token: 20 characters)');
      const destroys: RunResult[] = [];
      try {
        for (const e of envs(s)) {
          const applied = await s.apply(...e.flags);
          assert.is(applied.code, 0, show(applied));
          assert.ok(await s.engine.request('GET', `/containers/${s.name}-${e.env}-web/json`), `the container ${s.name}-${e.env}-web`);
          assert.is((await httpGet(e.port, '/', 20_000)).body.trim(), e.page);
          const plan = await s.plan(...e.flags, '--detailed-exitcode');
          assert.is(plan.code, 0, show(plan));
          for (const r of [applied, plan]) assert.not.match(r.stdout + r.stderr, /token-0123456789|\$ecret/, show(r));
        }
      } finally {
        for (const e of envs(s)) destroys.push(await s.destroy(...e.flags));
      }
      for (const d of destroys) assert.is(d.code, 0, show(d));
    },
  };
}

const cases: Record<string, ExampleCase> = {
  'backup-jobs': backupJobsCase(),
  environments: environmentsCase(),
  'from-compose': fromComposeCase(),
  'volume-device': volumeDeviceCase(),
  'web-and-worker': {
    check: async () => assert.match((await httpGet(18080, '/', 20_000)).body, /written by the worker/),
  },
  replicas: {
    check: async (s) => {
      // One host port per replica, each answered by its own container; the gateway's page is what the DNS says `api` is.
      const hosts = new Set<string>();
      for (const port of [18750, 18751, 18752]) hosts.add((await httpGet(port, '/', 20_000)).body.trim());
      assert.is(hosts.size, 3, [...hosts].join('\n'));
      for (const i of [1, 2, 3]) assert.ok(await s.engine.request('GET', `/containers/${s.name}-api-${i}/json`), `replica ${i}`);
      const page = await eventually('the gateway resolved api to three addresses', async () => {
        const body = (await httpGet(18753, '/', 20_000)).body;
        return (body.match(/^Address: \d+\.\d+\.\d+\.\d+$/gm) ?? []).length === 3 && body;
      }, 20_000);
      assert.match(page, /Name:\s+api/);
    },
  },
  'data-container': {
    check: async () => {
      assert.is((await httpGet(18100, '/', 20_000)).body.trim(), 'hello from the data container');
      assert.match((await httpGet(18101, '/', 20_000)).body, /hello from the sidecar/);
    },
  },
  mounts: {
    check: async () => assert.match((await httpGet(18200, '/', 20_000)).body, /moor mounts example/),
  },
  'compose-import': {
    // seed (runOnce) copied the page into the volume web serves; the bind mount serves it too.
    check: async () => {
      assert.match((await httpGet(18740, '/index.html', 20_000)).body, /imported from docker-compose\.yml/);
      assert.match((await httpGet(18740, '/static/index.html', 20_000)).body, /imported from docker-compose\.yml/);
    },
  },
  'ports-and-networks': {
    check: async () => {
      for (const port of [18300, 18301, 18302]) {
        assert.is((await httpGet(port, '/', 20_000)).body.trim(), `api on container port ${port - 10300}`);
      }
    },
  },
  'safe-changes': {
    check: async () => assert.match((await httpGet(18400, '/', 20_000)).body, /^written by db at \d{4}-\d\d-\d\dT/),
  },
  'volume-tmpfs': {
    check: async (s) => {
      assert.equal(await volumeOptions(s, 'cache'), { type: 'tmpfs', device: 'tmpfs', o: 'size=67108864,mode=1777' });
      // The page quotes the cache's line of /proc/mounts in the renderer: a tmpfs of 64 MiB.
      const page = (await httpGet(18500, '/', 20_000)).body;
      assert.match(page, /^page \d+ rendered by renderer at /);
      assert.match(page, /cache: tmpfs \/cache tmpfs rw,.*size=65536k/);
    },
    plainDestroy: true,
  },
  'volume-bind': {
    check: async (s) => {
      const dir = path.join(s.dir, 'data');
      // The relative path is resolved against the stack file; apply created the directory.
      assert.equal(await volumeOptions(s, 'logs'), { type: 'none', o: 'bind', device: dir });
      const log = await eventually('writer wrote into the host directory', async () =>
        existsSync(path.join(dir, 'access.log')) && readFileSync(path.join(dir, 'access.log'), 'utf8'));
      assert.match(log, /written by writer/);
      assert.match((await httpGet(18510, '/access.log', 20_000)).body, /written by writer/);
    },
    plainDestroy: true,
    afterDestroy: async (s) => {
      assert.match(readFileSync(path.join(s.dir, 'data', 'access.log'), 'utf8'), /written by writer/, 'destroy leaves the files in the directory');
    },
  },
  'volume-sshfs': sshfsCase(),
  hardening: {
    check: async () => {
      // What the container reports about itself: only CAP_NET_BIND_SERVICE (bit 10), no new privileges, the limits, init as PID 1, a read-only root.
      const page = (await httpGet(18700, '/', 20_000)).body;
      for (const line of [/CapEff:\s*0000000000000400/, /NoNewPrivs:\s*1/, /Groups:.*\b2000\b/, /nofile 1024 2048/, /somaxconn 1024/, /pid1 \/sbin\/docker-init/, /\s16384\s+\d+\s+\d+\s+\d+% \/dev\/shm/, /touch: \/probe: Read-only file system/]) {
        assert.match(page, line, page);
      }
    },
  },
  'logging-and-dns': {
    check: async (s) => {
      const page = (await httpGet(18710, '/', 20_000)).body;
      for (const line of [/search internal\.example/, /options ndots:1 timeout:2/, /10\.213\.71\.20\s+metrics\.internal/, /inet 10\.213\.71\.10\/24/]) assert.match(page, line, page);
      const web = await s.engine.request<{ HostConfig: { LogConfig: unknown; Dns: string[] } }>('GET', `/containers/${s.en('web')}/json`);
      assert.equal(web.HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-file': '3', 'max-size': '1m' } });
      assert.equal(web.HostConfig.Dns, ['10.213.71.20']);
      const console = await s.engine.request<{ Config: { Tty: boolean; OpenStdin: boolean }; State: { Running: boolean } }>('GET', `/containers/${s.en('console')}/json`);
      assert.equal([console.Config.Tty, console.Config.OpenStdin, console.State.Running], [true, true, true]);
    },
  },
};

/** Only planned: nothing answers at 192.0.2.10, and these hosts cannot mount NFS. */
const PLAN_ONLY = new Set(['volume-nfs', 'swarm-services']);

/** Top-level entries an example's .gitignore lists (what a run by hand leaves there): not staged. */
function ignoredEntries(src: string): Set<string> {
  const file = path.join(src, '.gitignore');
  if (!existsSync(file)) return new Set();
  return new Set(
    readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => l.replace(/^\/|\/$/g, '')),
  );
}

/** Copy the example next to the test's other files, renamed to the test's own stack name. */
function stage(s: TestStack, example: string): void {
  const src = path.join(EXAMPLES, example);
  if (existsSync(path.join(src, 'tools'))) {
    execFileSync('bash', [path.join(REPO, 'scripts/prepare-busybox.sh'), path.join(src, 'tools')], { stdio: 'inherit' });
  }
  const ignored = ignoredEntries(src);
  cpSync(src, s.dir, { recursive: true, filter: (p) => path.dirname(p) !== src || !ignored.has(path.basename(p)) });
  const source = readFileSync(path.join(src, 'stack.ts'), 'utf8');
  const named = /\bstack\(\s*(['"])[a-z0-9][a-z0-9_-]*\1/g;
  assert.is(source.match(named)?.length, 1, `examples/${example}/stack.ts should call stack('<name>', …) exactly once`);
  s.writeRaw(source.replace(named, `stack('${s.name}'`));
}

/**
 * The engine's images (top-level: tagged, or untagged and no other's parent), by ID; but moor's own
 * helper image (core/volume-data/helper-image.ts), made once per engine and kept by design.
 */
async function imageIds(s: TestStack): Promise<Set<string>> {
  const images = await s.engine.request<{ Id: string; RepoTags: string[] | null }[]>('GET', '/images/json');
  return new Set(images.filter((i) => !(i.RepoTags ?? []).some((t) => t.startsWith(`${HELPER_IMAGE_REPO}:`))).map((i) => i.Id));
}

const test = suite('e2e: examples');
test.after(async () => {
  unmountAll(stateDir);
  // sshfs leaves its empty mountpoints immutable (chattr +i) until it releases them.
  try { execFileSync('chattr', ['-R', '-i', stateDir], { stdio: 'ignore' }); } catch { /* no such attribute here, or gone */ }
  rmSync(stateDir, { recursive: true, force: true });
  await sweepPrefix(prefix);
});

test('examples/ has example folders', () => {
  assert.ok(examples.length >= 4, `found ${examples.join(', ')}`);
});

for (const example of examples.filter((e) => !PLAN_ONLY.has(e))) {
  const c = cases[example] ?? {};
  const destroyFlags = c.plainDestroy ? [] : ['--volumes'];
  const destroy = ['destroy', ...destroyFlags].join(' ');
  test(`examples/${example}: apply, the next plan is empty, ${destroy}`, () =>
    withStack(prefix, example, async (s) => {
      stage(s, example);
      const imagesBefore = await imageIds(s);
      let undo: (() => Promise<void>) | undefined;
      try {
        let destroyed: RunResult | undefined;
        try {
          undo = await c.setup?.(s);
          const applied = await s.apply();
          assert.is(applied.code, 0, show(applied));
          await c.check?.(s);

          const plan = await s.plan('--detailed-exitcode');
          assert.is(plan.code, 0, show(plan));
          assert.match(plan.stdout, /No changes\./, show(plan));
        } finally {
          // Also after a failure; a failed destroy is reported below, and withStack sweeps what is left.
          // protect: true (examples/safe-changes) refuses destroy: take it out of the test's copy first.
          s.writeRaw(readFileSync(s.file, 'utf8').replace(/^[ \t]*protect: true,[^\n]*\n/gm, ''));
          destroyed = await s.destroy(...destroyFlags);
        }
        assert.is(destroyed.code, 0, show(destroyed));
        assert.is(await s.labelledCount(), 0, `${destroy} leaves nothing labelled with the stack`);
        // Nor an image: what the example built is gone with it, and so is every stage the build made
        // (the classic builder builds each stage before the target, and an unused one stays untagged).
        const left = [...(await imageIds(s))].filter((id) => !imagesBefore.has(id));
        assert.equal(left, [], `${destroy} leaves images this example's apply made: ${left.join(', ')}`);
        await c.afterDestroy?.(s);
      } finally {
        // What the example needed outside the engine (an sshd), after anything mounted from it is gone.
        await undo?.();
      }
    }, { env: c.env }));
}

test('examples/volume-nfs: plan refuses it on a host that cannot mount NFS; --skip-checks plans it; nothing is applied', () =>
  withStack(prefix, 'volume-nfs', async (s) => {
    stage(s, 'volume-nfs');
    const lacks = await hostLacksNfs();
    if (lacks) {
      const plan = await s.plan();
      assert.is(plan.code, 1, show(plan));
      assert.match(plan.stderr, /volume\.share › provider: this host cannot mount NFS: its kernel \(.*\) has no NFS client/, show(plan));
      assert.match(plan.stderr, /volume\.share › provider\.server: NFS server 192\.0\.2\.10 does not answer on port 2049/, show(plan));
      assert.match(plan.stderr, /nothing was changed/, show(plan));
    }
    const skipped = await s.plan('--skip-checks');
    assert.is(skipped.code, 0, show(skipped));
    assert.match(skipped.stdout, /\+ +volume share +\(NFS v4 192\.0\.2\.10:\/exports\/share, options hard,timeo=600\)/, show(skipped));
    assert.is(await s.labelledCount(), 0, 'plan creates nothing');
  }));

/**
 * swarm-services needs a swarm manager. This file never makes the engine one (a swarm changes the
 * engine for every test running beside it): test/e2e/swarm.test.ts applies the example, checks it
 * and destroys it while it holds its own single-node swarm. Here it is planned only: on an engine
 * that is not a manager the plan must refuse with how to make one, on a manager it must plan.
 */
test('examples/swarm-services: planned only here (swarm.test.ts applies it); without a swarm, the plan says how to make one', () =>
  withStack(prefix, 'swarm-services', async (s) => {
    stage(s, 'swarm-services');
    const state = execFileSync('docker', ['info', '--format', '{{.Swarm.ControlAvailable}}'], { encoding: 'utf8' }).trim();
    const plan = await runMoor(['plan', s.relFile], { env: { EX_SWARM_TOKEN: 'example-token', MOOR_CACHE_DIR: path.join(s.dir, '..', 'cache') } });
    if (state === 'true') {
      assert.is(plan.code, 0, show(plan));
      assert.match(plan.stdout, /\+ +service web/, show(plan));
    } else {
      assert.is(plan.code, 1, show(plan));
      assert.match(plan.stderr, /service\.web: the engine is not a swarm manager, so it cannot run services web, worker/, show(plan));
      assert.match(plan.stderr, /docker swarm init/, show(plan));
    }
    assert.is(await s.labelledCount(), 0, 'plan creates nothing');
  }));

test.run();
