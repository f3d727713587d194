/** What runs and how: command, environment, restart, healthcheck, dependencies, resources, deploy. */
import { splitShellWords, ShlexError } from '../shlex.js';
import { listOrMap, namesOrMap } from '../syntax.js';
import { isDict, type Dict } from '../types.js';
import { bool, num, str } from './context.js';
import type { Handler, ServiceMap } from './service.js';

function words(key: string): Handler {
  return (v, s) => {
    if (v === null) return;
    if (typeof v === 'string') {
      try {
        s.set(key, splitShellWords(v));
      } catch (e) {
        if (e instanceof ShlexError) s.leftOut(key, `cannot split into words as compose does: ${e.message}`);
        else throw e;
      }
    } else if (Array.isArray(v)) s.set(key, v.map((x) => String(x)));
    else s.bad(key, v);
  };
}

const environment: Handler = (v, s) => {
  if (!Array.isArray(v) && !isDict(v)) return s.bad('environment', v);
  const env: Dict = {};
  for (const [k, raw] of Object.entries(listOrMap(v))) {
    if (s.ctx.secretEnv.has(k)) { env[k] = { $secret: k }; continue; }
    if (raw === null || raw === undefined) {
      // `- NAME` or `NAME:` alone: compose passes the shell's value, or nothing when unset.
      const value = s.ctx.options.lookup(k);
      if (value === undefined) s.info(`environment/${k}`, `no value and ${k} is not set here: compose leaves it unset too`);
      else { env[k] = value; s.info(`environment/${k}`, `value of ${k} read at import time`); }
      continue;
    }
    const value = str(raw) ?? JSON.stringify(raw);
    // A value that is (or holds) the value of a --secret-env variable never becomes a literal.
    const whole = [...s.ctx.secretEnv].find((n) => { const v = s.ctx.options.lookup(n); return !!v && v === value; });
    if (whole) { env[k] = { $secret: whole }; s.info(`environment/${k}`, `the value of ${whole} (--secret-env): secret('${whole}')`); continue; }
    const inside = [...s.ctx.secretEnv].find((n) => { const v = s.ctx.options.lookup(n); return !!v && v.length >= 3 && value.includes(v); });
    if (inside) { s.leftOut(`environment/${k}`, `its value holds the value of ${inside} (--secret-env), and env takes a secret only whole: set ${k} itself from a secret`); continue; }
    env[k] = value;
  }
  if (Object.keys(env).length) s.set('env', env);
};

const envFile: Handler = (v, s) => {
  const list = Array.isArray(v) ? v : [v];
  const files: string[] = [];
  list.forEach((e, i) => {
    const p = typeof e === 'string' ? e : isDict(e) && typeof e.path === 'string' ? e.path : undefined;
    if (!p) return s.bad(`env_file/${i}`, e);
    s.unknownKeys(`env_file/${i}`, e, ['path', 'required', 'format']);
    if (isDict(e) && e.format !== undefined) s.leftOut(`env_file/${i}/format`, 'only compose\'s default .env format is read');
    if (isDict(e) && bool(e.required) === false) s.note(`env_file/${i}`, `required: false — moor needs ${s.ctx.relative(p)} to exist`);
    files.push(s.ctx.relative(p));
  });
  if (files.length) s.set('envFile', files.length === 1 ? files[0] : files);
};

const restart: Handler = (v, s) => {
  const r = str(v);
  if (r === 'no' || r === 'always' || r === 'unless-stopped' || r === 'on-failure') return s.set('restart', r);
  const m = /^on-failure:(\d+)$/.exec(r ?? '');
  if (m && Number(m[1]) > 0) return s.set('restart', { policy: 'on-failure', maxRetries: Number(m[1]) });
  if (m) return s.set('restart', 'on-failure');
  s.bad('restart', v);
};

const DURATION = /^(\d+(?:\.\d+)?(?:ns|us|ms|s|m|h))+$/;
function duration(s: ServiceMap, key: string, v: unknown): string | number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && DURATION.test(v)) return v;
  s.bad(key, v);
  return undefined;
}

const healthcheck: Handler = (v, s) => {
  if (!isDict(v)) return s.bad('healthcheck', v);
  if (bool(v.disable) === true) return s.set('healthcheck', { test: ['NONE'] });
  const hc: Dict = {};
  const t = v.test;
  if (typeof t === 'string') hc.test = ['CMD-SHELL', t];
  else if (Array.isArray(t) && ['CMD', 'CMD-SHELL', 'NONE'].includes(String(t[0]))) hc.test = t.map(String);
  else if (t !== undefined) return s.bad('healthcheck/test', t);
  if (hc.test === undefined) {
    // Compose allows changing only the timings of the image's own healthcheck; moor needs the test.
    return s.leftOut('healthcheck', 'no test: moor needs the test command (the image\'s HEALTHCHECK is not read at import)');
  }
  for (const [k, o] of [['interval', 'interval'], ['timeout', 'timeout'], ['start_period', 'startPeriod']] as const) {
    const d = duration(s, `healthcheck/${k}`, v[k]);
    if (d !== undefined) hc[o] = d;
  }
  const retries = num(v.retries);
  if (retries !== undefined) hc.retries = retries;
  if (v.start_interval !== undefined) s.leftOut('healthcheck/start_interval', 'not a moor option yet (engine API 1.44+)');
  for (const k of Object.keys(v)) if (!['test', 'interval', 'timeout', 'start_period', 'retries', 'start_interval', 'disable'].includes(k)) s.bad(`healthcheck/${k}`, v[k]);
  s.set('healthcheck', hc);
};

const dependsOn: Handler = (v, s) => {
  if (!Array.isArray(v) && !isDict(v)) return s.bad('depends_on', v);
  const deps: unknown[] = (s.options.dependsOn as unknown[] | undefined) ?? [];
  for (const [name, o] of Object.entries(namesOrMap(v))) {
    const key = `depends_on/${name}`;
    if (!s.ctx.services.has(name)) {
      const off = s.ctx.project.disabled.find((d) => d.name === name);
      if (off || bool(o?.required) === false) s.leftOut(key, off ? `${name} is in profile ${off.profiles.join(', ')}, not enabled (--profile)` : `${name} is not defined (required: false)`);
      else s.leftOut(key, `${name} is not a service of this project`);
      continue;
    }
    s.unknownKeys(key, o, ['condition', 'restart', 'required']);
    const condition = o?.condition ?? 'service_started';
    const ref = { $ref: `svc:${name}` };
    if (condition === 'service_started') deps.push(ref);
    else if (condition === 'service_healthy') deps.push({ container: ref, condition: 'healthy' });
    else if (condition === 'service_completed_successfully') {
      deps.push({ container: ref, condition: 'completed' });
      s.ctx.runOnce.add(name);
    } else s.bad(`${key}/condition`, condition);
    if (o && bool(o.restart) === true) s.leftOut(`${key}/restart`, 'moor does not restart a container when its dependency is replaced');
  }
  if (deps.length) s.set('dependsOn', deps);
};

const links: Handler = (v, s) => {
  if (!Array.isArray(v)) return s.bad('links', v);
  const deps = (s.options.dependsOn as unknown[] | undefined) ?? [];
  for (const [i, l] of v.entries()) {
    const [name, alias] = String(l).split(':') as [string, string | undefined];
    if (!s.ctx.services.has(name)) { s.leftOut(`links/${i}`, `${name} is not a service of this project`); continue; }
    if (!deps.some((d) => JSON.stringify(d).includes(`"svc:${name}"`))) deps.push({ $ref: `svc:${name}` });
    if (alias && alias !== name) s.leftOut(`links/${i}`, `the link alias ${alias}: moor's networks resolve ${name} by its name only`);
    else s.info(`links/${i}`, `a link to ${name}: kept as a dependency; the shared network resolves its name`);
  }
  if (deps.length) s.set('dependsOn', deps);
};

function resources(s: ServiceMap): Dict {
  return (s.options.resources as Dict | undefined) ?? (s.options.resources = {});
}

const deploy: Handler = (v, s) => {
  if (!isDict(v)) return s.bad('deploy', v);
  for (const [k, o] of Object.entries(v)) {
    if (k === 'resources' && isDict(o)) {
      for (const [rk, ro] of Object.entries(o)) {
        if (rk === 'limits' && isDict(ro)) {
          for (const [lk, lv] of Object.entries(ro)) {
            if (lk === 'cpus' && num(lv) !== undefined) resources(s).cpus = num(lv);
            else if (lk === 'memory' && (typeof lv === 'string' || typeof lv === 'number')) resources(s).memory = lv;
            else if (lk === 'pids' && num(lv) !== undefined) resources(s).pids = num(lv);
            else s.bad(`deploy/resources/limits/${lk}`, lv);
          }
        } else if (rk === 'reservations' && isDict(ro)) {
          for (const [lk, lv] of Object.entries(ro)) {
            if (lk === 'devices' && Array.isArray(lv)) gpus(lv, s, 'deploy/resources/reservations/devices');
            else s.leftOut(`deploy/resources/reservations/${lk}`, 'moor\'s resources are limits; reservations are a swarm scheduling hint');
          }
        } else s.bad(`deploy/resources/${rk}`, ro);
      }
    } else if (k === 'restart_policy' && isDict(o)) {
      s.unknownKeys('deploy/restart_policy', o, ['condition', 'delay', 'max_attempts', 'window']);
      if (s.def.restart !== undefined) { s.info('deploy/restart_policy', 'restart: is set and wins outside swarm'); continue; }
      const max = num(o.max_attempts);
      const cond = str(o.condition) ?? 'any';
      if (cond === 'none') s.set('restart', 'no');
      else if (cond === 'on-failure') s.set('restart', max ? { policy: 'on-failure', maxRetries: max } : 'on-failure');
      else if (cond === 'any') s.set('restart', 'always');
      else s.bad('deploy/restart_policy/condition', o.condition);
      for (const rk of ['delay', 'window']) if (o[rk] !== undefined) s.leftOut(`deploy/restart_policy/${rk}`, 'the engine\'s restart policy has no delay or window');
      if (cond === 'any' && max) s.leftOut('deploy/restart_policy/max_attempts', 'the engine counts retries only for on-failure');
    } else if (k === 'replicas' && num(o) === 1) s.info('deploy/replicas', 'one replica: one container');
    else if (k === 'labels') s.leftOut('deploy/labels', 'labels of the swarm service, not of the container (use labels:)');
    else s.leftOut(`deploy/${k}`, k === 'replicas' ? 'one container per service() in moor: use service() for replicas' : 'swarm-only: moor runs one container per service');
  }
};

function gpus(list: unknown[], s: ServiceMap, key: string): void {
  const out: Dict[] = [];
  list.forEach((d, i) => {
    if (!isDict(d)) return s.bad(`${key}/${i}`, d);
    const g: Dict = {};
    if (d.driver !== undefined) g.driver = str(d.driver);
    if (d.count !== undefined) g.count = d.count === 'all' ? 'all' : num(d.count);
    if (Array.isArray(d.device_ids)) g.deviceIds = d.device_ids.map(String);
    if (Array.isArray(d.capabilities)) g.capabilities = d.capabilities.map(String);
    if (d.options !== undefined) s.leftOut(`${key}/${i}/options`, 'device request options are not a moor option');
    s.unknownKeys(`${key}/${i}`, d, ['driver', 'count', 'device_ids', 'capabilities', 'options']);
    out.push(g);
  });
  if (out.length) s.set('gpus', out);
}

const simple = (option: string, conv: (v: unknown) => unknown = str): Handler => (v, s) => {
  const out = conv(v);
  if (out === undefined) s.bad(option, v);
  else s.set(option, out);
};

export const PROCESS_HANDLERS: Record<string, Handler> = {
  command: words('command'),
  entrypoint: words('entrypoint'),
  environment,
  env_file: envFile,
  restart,
  healthcheck,
  depends_on: dependsOn,
  links,
  deploy,
  gpus: (v, s) => (v === 'all' ? s.set('gpus', 'all') : Array.isArray(v) ? gpus(v, s, 'gpus') : s.bad('gpus', v)),
  user: simple('user'),
  working_dir: simple('workingDir'),
  hostname: simple('hostname'),
  stop_signal: simple('stopSignal'),
  stop_grace_period: (v, s) => {
    const d = duration(s, 'stop_grace_period', v);
    if (d === undefined) return;
    // Whole seconds stay a number; other durations use the duration string.
    const secs = typeof d === 'number' ? d : /^\d+s$/.test(d) ? Number(d.slice(0, -1)) : /^\d+m$/.test(d) ? Number(d.slice(0, -1)) * 60 : undefined;
    s.set('stopTimeout', secs !== undefined && Number.isInteger(secs) ? secs : d);
  },
  labels: (v, s) => {
    if (!Array.isArray(v) && !isDict(v)) return s.bad('labels', v);
    const labels = Object.fromEntries(Object.entries(listOrMap(v)).map(([k, x]) => [k, str(x) ?? '']));
    const reserved = Object.keys(labels).filter((k) => k.startsWith('moor.'));
    for (const k of reserved) { s.leftOut(`labels/${k}`, 'labels starting with moor. are reserved for moor'); delete labels[k]; }
    if (Object.keys(labels).length) s.set('labels', labels);
  },
  init: simple('init', bool),
  tty: simple('tty', bool),
  stdin_open: simple('stdinOpen', bool),
  privileged: simple('privileged', bool),
  read_only: simple('readOnlyRoot', bool),
  platform: simple('platform'),
  pull_policy: (v, s) => {
    const p = str(v) === 'if_not_present' ? 'missing' : str(v);
    if (p === 'always' || p === 'missing' || p === 'never' || p === 'build') s.set('pullPolicy', p);
    else s.leftOut('pull_policy', `${JSON.stringify(v)} has no moor equivalent (always, missing, never, build)`);
  },
  mem_limit: (v, s) => { if (typeof v === 'string' || typeof v === 'number') resources(s).memory = v; else s.bad('mem_limit', v); },
  cpus: (v, s) => { const n = num(v); if (n !== undefined) resources(s).cpus = n; else s.bad('cpus', v); },
  pids_limit: (v, s) => { const n = num(v); if (n !== undefined && n > 0) resources(s).pids = n; else if (n === -1 || n === 0) s.info('pids_limit', 'no limit'); else s.bad('pids_limit', v); },
};
