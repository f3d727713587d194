/**
 * Odd values never crash the importer: every service key and top-level section, given values of
 * every YAML shape, either maps, is reported (left out, with file:line), or is a ComposeError —
 * never an internal error, never a reference emitStack cannot resolve.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { importCompose } from '../../../../core/import/compose/index.js';
import { ComposeError } from '../../../../core/import/compose/types.js';
import { UNSUPPORTED } from '../../../../core/import/compose/map/unsupported.js';
import { writeProject } from './helpers.js';

const SHAPES = ['null', '"text"', '42', 'true', '[]', '["a", 1]', '{}', '{ a: 1, b: [x] }', '[{ target: 1 }]', '"a:b:c:d"'];
const KEYS = [...new Set([
  'image', 'build', 'command', 'entrypoint', 'environment', 'env_file', 'ports', 'expose', 'networks', 'network_mode', 'volumes', 'tmpfs',
  'volumes_from', 'secrets', 'configs', 'depends_on', 'links', 'restart', 'healthcheck', 'user', 'working_dir', 'hostname', 'stop_signal',
  'stop_grace_period', 'labels', 'deploy', 'mem_limit', 'cpus', 'pids_limit', 'cap_add', 'cap_drop', 'privileged', 'read_only', 'init',
  'security_opt', 'sysctls', 'ulimits', 'devices', 'shm_size', 'extra_hosts', 'dns', 'dns_search', 'dns_opt', 'logging', 'tty',
  'stdin_open', 'platform', 'pull_policy', 'group_add', 'gpus', 'profiles', 'extends', 'x-custom', ...Object.keys(UNSUPPORTED),
])];

const robust = suite('importCompose: odd values');

robust('every service key with every value shape: mapped, reported, or a ComposeError', async () => {
  const p = writeProject({});
  const { writeFileSync } = await import('node:fs');
  // Keys that decide whether the service exists at all are tried one by one; the others all at once.
  const alone = ['image', 'build', 'extends', 'profiles'];
  const together = KEYS.filter((k) => !alone.includes(k));
  const cases = SHAPES.flatMap((shape) => [
    { what: `every key: ${shape}`, body: together.map((k) => `    ${k}: ${shape}`).join('\n'), reported: together },
    ...alone.map((k) => ({ what: `${k}: ${shape}`, body: `    ${k}: ${shape}`, reported: [] as string[] })),
  ]);
  let reported = 0;
  try {
    for (const c of cases) {
      const file = p.file('compose.yml');
      const image = c.what.startsWith('image:') ? '' : '    image: x\n';
      writeFileSync(file, `services:\n  other:\n    image: o\n  svc:\n${image}${c.body}\nvolumes:\n  a: {}\nnetworks:\n  a: {}\n`);
      try {
        const r = await importCompose({ files: [file], out: p.file('stack.ts'), name: 'x', env: {}, profiles: ['a'] });
        assert.type(r.text, 'string');
        reported += c.reported.filter((k) => r.items.some((i) => i.kind === 'left-out' && i.key.startsWith(`services.svc.${k}`))).length;
      } catch (e) {
        if (!(e instanceof ComposeError)) throw new Error(`${c.what} → ${(e as Error).stack}`);
      }
    }
  } finally {
    p.remove();
  }
  assert.ok(reported > KEYS.length, `odd values are reported (${reported})`);
});

robust('top-level sections with odd values', async () => {
  const p = writeProject({});
  try {
    for (const section of ['networks', 'volumes', 'secrets', 'configs', 'name', 'version', 'include', 'services']) {
      for (const shape of SHAPES) {
        const file = p.file(`t-${section}.yml`);
        const base = section === 'services' ? '' : 'services:\n  svc:\n    image: x\n    volumes: [a:/a]\n    networks: [a]\n';
        (await import('node:fs')).writeFileSync(file, `${base}${section}: ${shape}\n`);
        try {
          await importCompose({ files: [file], out: p.file('stack.ts'), name: 'x', env: {} });
        } catch (e) {
          if (!(e instanceof ComposeError)) throw new Error(`${section}: ${shape} → ${(e as Error).stack}`);
        }
        for (const inner of SHAPES) {
          if (!['networks', 'volumes', 'secrets', 'configs'].includes(section) || shape !== SHAPES[0]) break;
          (await import('node:fs')).writeFileSync(file, `${base}${section}:\n  a: ${inner}\n`);
          try {
            await importCompose({ files: [file], out: p.file('stack.ts'), name: 'x', env: {} });
          } catch (e) {
            if (!(e instanceof ComposeError)) throw new Error(`${section}.a: ${inner} → ${(e as Error).stack}`);
          }
        }
      }
    }
  } finally {
    p.remove();
  }
});

robust.run();
