/**
 * Validate declarations with the zod schemas and turn them into the canonical desired state.
 * Every problem becomes a diagnostic; all of them are returned together.
 */
import path from 'node:path';
import { error, warning, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import { findCycles, topoSort } from '../graph.js';
import { builtImageRef, engineName, normalizeImageRef } from '../model/names.js';
import { containerDependencies } from '../model/spec.js';
import type {
  ContainerSpec, DesiredStack, ImageSpec, MountSpec, NetworkSpec, PortSpec, VolumeSpec,
} from '../model/spec.js';
import { getProvider, providerNames } from '../../providers/index.js';
import { providerSchema } from '../../providers/schemas/index.js';
import type { Declaration } from './collect.js';
import { healthcheckSpec } from './healthcheck.js';
import { resourceId, type Handle, type ResourceKind } from './handles.js';
import { durationToNanos, RESOURCE_NAME, sizeToBytes, STACK_NAME } from './schema/common.js';
import { containerOptionsSchema, type ContainerOptionsParsed } from './schema/container.js';
import { IMAGE_REF, imageOptionsSchema } from './schema/image.js';
import { networkOptionsSchema } from './schema/network.js';
import { volumeOptionsSchema } from './schema/volume.js';
import { backupSpec } from './backup.js';
import { backupOptionsSchema } from './schema/backup.js';
import { issuesToDiagnostics } from './zod-issues.js';
import { serviceOptionsSchema } from './schema/service.js';
import { checkServiceReferences, refusedBackupStops, refusedServiceOptions, serviceSpec } from './service.js';
import { lifecycleOf } from './lifecycle.js';
import { imageRefProblem } from './validate/image-ref.js';
import { validateStack } from './validate/index.js';
import { runtimeSpec } from './runtime-spec.js';
import { imagePullPolicy } from './pull-policy.js';
import type { Secret } from './secret.js';
import type { EnvValue } from '../model/secret.js';
import { readEnvFiles } from './env-file.js';

/** The engine's own rule for network names (an external network is named as the engine has it). */
const EXTERNAL_NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const sortRecord = (r: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(r ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export interface NormalizeResult {
  stack: DesiredStack;
  diagnostics: Diagnostic[];
  /** Files normalization read (env files), when it read any: the validated-stack cache must notice when they change. */
  readFiles?: string[];
}

export function normalizeStack(stackName: string, file: string, declarations: Declaration[], where: SourceLocation = { file }): NormalizeResult {
  const diags: Diagnostic[] = [];
  const readFiles: string[] = [];
  const dir = path.dirname(file);
  const stack: DesiredStack = { name: stackName, file, images: [], networks: [], volumes: [], containers: [], backups: [], services: [], locations: {}, lifecycle: {} };

  if (!STACK_NAME.test(stackName)) {
    diags.push(error(`invalid stack name ${JSON.stringify(stackName)}: use lower-case letters, digits, "-" and "_" (max 63)`, { field: 'name', location: where }));
  }

  const declared = new Map<string, Declaration>();
  for (const d of declarations) {
    const id = resourceId(d.kind, d.name);
    const isImageRef = d.kind === 'image' && d.options === undefined;
    // An external network keeps the engine's name as it is: the engine's rules for names apply.
    const isExternal = d.kind === 'network' && (d.options as { external?: unknown } | undefined)?.external === true;
    if (isExternal && !EXTERNAL_NETWORK_NAME.test(d.name)) {
      diags.push(error(`invalid network name ${JSON.stringify(d.name)}: an engine network name uses letters, digits, "_", "." and "-"`, { resource: id, location: d.location }));
    } else if (!isImageRef && !isExternal && !RESOURCE_NAME.test(d.name)) {
      diags.push(error(`invalid ${d.kind} name ${JSON.stringify(d.name)}: use lower-case letters, digits, "-" and "_", starting with a letter or digit`, { resource: id, location: d.location }));
    }
    if (declared.has(id)) {
      diags.push(error(`${d.kind} "${d.name}" is declared twice`, { resource: id, location: d.location, detail: `first declared at line ${declared.get(id)!.location.line ?? '?'}` }));
      continue;
    }
    declared.set(id, d);
    stack.locations[id] = d.location;
  }

  /** Check a handle belongs to this stack and names a declared resource. */
  const ref = (h: Handle<ResourceKind>, from: Declaration, field: string): string => {
    if (h.stack !== stackName) {
      diags.push(error(`refers to ${h.kind} "${h.name}" of another stack ("${h.stack}")`, { resource: resourceId(from.kind, from.name), field, location: from.location }));
    }
    return h.name;
  };

  for (const d of declared.values()) {
    const id = resourceId(d.kind, d.name);
    const where = { resource: id, location: d.location };
    /** An image referenced by string is an implicit image resource (pulled when missing). */
    const implicitImage = (reference: string, field: string) => {
      const imageId = resourceId('image', reference);
      const problem = imageRefProblem(reference);
      if (problem) {
        diags.push(error(`invalid image reference ${JSON.stringify(reference)}: ${problem}`, { ...where, field }));
      } else if (!declared.has(imageId) && !stack.images.some((i) => i.name === reference)) {
        stack.images.push({ kind: 'image', name: reference, ref: normalizeImageRef(reference), labels: {} });
        stack.locations[imageId] = d.location;
      }
    };
    switch (d.kind) {
      case 'image': {
        if (d.options === undefined) {
          const problem = imageRefProblem(d.name);
          if (problem) diags.push(error(`invalid image reference ${JSON.stringify(d.name)}: ${problem}`, where));
          stack.images.push({ kind: 'image', name: d.name, ref: normalizeImageRef(d.name), labels: {} });
          break;
        }
        const r = imageOptionsSchema.safeParse(d.options);
        if (!r.success) { diags.push(...issuesToDiagnostics(r.error.issues, where)); break; }
        const buildSecrets = Object.entries(r.data.build.secrets ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        stack.images.push({
          kind: 'image',
          name: d.name,
          ref: builtImageRef(stackName, d.name),
          build: {
            context: path.resolve(dir, r.data.build.context),
            dockerfile: r.data.build.dockerfile ?? 'Dockerfile',
            args: sortRecord(r.data.build.args),
            ...(r.data.build.target ? { target: r.data.build.target } : {}),
            ...(r.data.build.platform ? { platform: r.data.build.platform } : {}),
            ...(buildSecrets.length ? { secrets: Object.fromEntries(buildSecrets.map(([k, v]) => [k, secretRef(v, dir)])) } : {}),
            contextHash: '',
          },
          labels: sortRecord(r.data.labels),
        });
        break;
      }
      case 'network': {
        const r = networkOptionsSchema.safeParse(d.options ?? {});
        if (!r.success) { diags.push(...issuesToDiagnostics(r.error.issues, where)); break; }
        const o = r.data;
        if (o.external) {
          // The engine's own networks take no aliases and no other network: networkMode says them.
          if (['bridge', 'host', 'none'].includes(d.name)) {
            diags.push(error(`"${d.name}" is the engine's own network: use networkMode: '${d.name}' on the container instead of an external network`, { ...where, field: 'external' }));
          }
          (stack.externalNetworks ??= []).push(d.name);
          break;
        }
        const rules = lifecycleOf('network', o, where, diags);
        if (rules) stack.lifecycle[id] = rules;
        stack.networks.push({
          kind: 'network', name: d.name, driver: o.driver ?? 'bridge', internal: o.internal ?? false,
          attachable: o.attachable ?? false, subnet: o.subnet ?? null, gateway: o.gateway ?? null, labels: sortRecord(o.labels),
        } satisfies NetworkSpec);
        break;
      }
      case 'volume': {
        const r = volumeOptionsSchema.safeParse(d.options ?? {});
        if (!r.success) { diags.push(...issuesToDiagnostics(r.error.issues, where)); break; }
        const spec = r.data.provider ?? { provider: 'local', options: {} };
        const provider = getProvider(spec.provider);
        const schema = providerSchema(spec.provider);
        if (!provider || !schema) {
          diags.push(error(`unknown storage provider "${spec.provider}" (known: ${providerNames().join(', ')})`, { ...where, field: 'provider' }));
          break;
        }
        const p = schema.safeParse(spec.options);
        if (!p.success) {
          diags.push(...issuesToDiagnostics(p.error.issues, where).map((x) => ({ ...x, field: x.field ? `provider.${x.field}` : 'provider' })));
          break;
        }
        const rules = lifecycleOf('volume', r.data, where, diags);
        if (rules) stack.lifecycle[id] = rules;
        const pctx = { stack: stackName, volume: d.name, engineName: engineName(stackName, d.name), stackFile: file };
        const options = provider.resolve ? provider.resolve(p.data, pctx) : p.data;
        const engine = provider.toEngine(options, pctx);
        stack.volumes.push({
          kind: 'volume', name: d.name, provider: { name: provider.name, options },
          driver: engine.driver, driverOpts: sortRecord(engine.driverOpts), labels: sortRecord(r.data.labels),
        } satisfies VolumeSpec);
        break;
      }
      case 'container': {
        const r = containerOptionsSchema.safeParse(d.options);
        if (!r.success) { diags.push(...issuesToDiagnostics(r.error.issues, where)); break; }
        const spec = containerSpec(d, r.data, dir, ref, diags, readFiles);
        const rules = lifecycleOf('container', r.data, where, diags);
        if (rules) stack.lifecycle[id] = rules;
        if (typeof r.data.image === 'string') implicitImage(r.data.image, 'image');
        imagePullPolicy(stack, spec, r.data, where, diags);
        stack.containers.push(spec);
        break;
      }
      case 'service': {
        if (refusedServiceOptions(d, diags)) break;
        const r = serviceOptionsSchema.safeParse(d.options);
        if (!r.success) { diags.push(...issuesToDiagnostics(r.error.issues, where)); break; }
        const rules = lifecycleOf('service', r.data, where, diags);
        if (rules) stack.lifecycle[id] = rules;
        if (typeof r.data.image === 'string') implicitImage(r.data.image, 'image');
        stack.services!.push(serviceSpec(d, r.data, dir, ref, diags));
        break;
      }
      case 'backup': {
        if (refusedBackupStops(d, diags)) break;
        const r = backupOptionsSchema.safeParse(d.options);
        if (!r.success) { diags.push(...issuesToDiagnostics(r.error.issues, where)); break; }
        const imageRef = (h: Handle<'image'> | string) => {
          const name = typeof h === 'string' ? h : ref(h, d, 'image');
          return stack.images.find((i) => i.name === name)?.ref ?? normalizeImageRef(name);
        };
        if (typeof r.data.image === 'string') implicitImage(r.data.image, 'image');
        const spec = backupSpec(d, r.data, dir, ref, imageRef, diags);
        if (spec) stack.backups.push(spec);
        break;
      }
    }
  }

  const external = new Set(stack.externalNetworks ?? []);
  for (const c of stack.containers) for (const n of c.networks) if (external.has(n.network)) n.external = true;
  checkReferences(stack, declared, diags);
  validateStack(stack, diags);
  return { stack, diagnostics: diags, ...(readFiles.length ? { readFiles: [...new Set(readFiles)] } : {}) };
}

function containerSpec(
  d: Declaration,
  o: ContainerOptionsParsed,
  dir: string,
  ref: (h: Handle<ResourceKind>, from: Declaration, field: string) => string,
  diags: Diagnostic[],
  readFiles: string[],
): ContainerSpec {
  const id = resourceId('container', d.name);
  const where = { resource: id, location: d.location };
  const replicas = o.replicas ?? 1;
  const ports: PortSpec[] = [];
  (o.ports ?? []).forEach((p, i) => {
    const [c0, c1] = String(p.container).split('-').map(Number) as [number, number | undefined];
    const [h0, h1] = p.host === undefined ? [undefined, undefined] : (String(p.host).split('-').map(Number) as [number, number | undefined]);
    const cEnd = c1 ?? c0;
    const hEnd = h0 === undefined ? undefined : (h1 ?? h0);
    if (cEnd < c0 || (h0 !== undefined && hEnd! < h0)) {
      diags.push(error('a port range must go from low to high', { ...where, field: `ports[${i}]` }));
      return;
    }
    // Replicas: a host range of one port per replica for one container port (compose's way); each replica takes its own.
    if (replicas > 1 && h0 !== undefined && cEnd === c0 && hEnd! - h0 === replicas - 1) {
      ports.push({ containerPort: `${c0}/${p.protocol ?? 'tcp'}`, hostIp: p.hostIp ?? '', hostPort: `${h0}-${hEnd}` });
      return;
    }
    if (replicas > 1 && h0 !== undefined) {
      const n = hEnd! - h0 + 1;
      diags.push(error(`a fixed host port cannot be published by ${replicas} replicas: give a host range of ${replicas} ports (one per replica) for one container port, or no host port${n > 1 ? ` (this range has ${n} ports for ${cEnd - c0 + 1} container ports)` : ''}`, { ...where, field: `ports[${i}].host` }));
      return;
    }
    if (h0 !== undefined && hEnd! - h0 !== cEnd - c0) {
      diags.push(error(`host range (${hEnd! - h0 + 1} ports) and container range (${cEnd - c0 + 1} ports) differ in length`, { ...where, field: `ports[${i}].host` }));
      return;
    }
    for (let k = 0; k <= cEnd - c0; k++) {
      ports.push({
        containerPort: `${c0 + k}/${p.protocol ?? 'tcp'}`,
        hostIp: p.hostIp ?? '',
        hostPort: h0 === undefined ? '' : String(h0 + k),
      });
    }
  });
  ports.sort((a, b) => parseInt(a.containerPort) - parseInt(b.containerPort) || a.containerPort.localeCompare(b.containerPort) || a.hostIp.localeCompare(b.hostIp) || a.hostPort.localeCompare(b.hostPort));
  const seenBindings = new Set<string>();
  for (const p of ports) {
    const key = `${p.hostIp}:${p.hostPort}/${p.containerPort.split('/')[1]}`;
    if (p.hostPort && seenBindings.has(key)) diags.push(error(`host port ${p.hostPort} is published twice`, { ...where, field: 'ports' }));
    seenBindings.add(key);
  }

  const mounts: MountSpec[] = (o.mounts ?? []).map((m, i): MountSpec => {
    if ('volume' in m) return { type: 'volume', volume: ref(m.volume, d, `mounts[${i}].volume`), target: m.target, readOnly: m.readOnly ?? false };
    if ('bind' in m) return { type: 'bind', source: path.resolve(dir, m.bind), target: m.target, readOnly: m.readOnly ?? false, ...(m.selinux ? { selinux: m.selinux } : {}) };
    if (!('tmpfs' in m)) return { type: 'anonymous', target: m.target };
    const t = m.tmpfs === true ? {} : m.tmpfs;
    return { type: 'tmpfs', target: m.target, sizeBytes: t.size === undefined ? null : sizeToBytes(t.size), mode: t.mode ?? null };
  });
  const targets = new Set<string>();
  mounts.forEach((m, i) => {
    if (targets.has(m.target)) diags.push(error(`two mounts target ${m.target}`, { ...where, field: `mounts[${i}].target` }));
    targets.add(m.target);
  });
  mounts.sort((a, b) => a.target.localeCompare(b.target));

  const networks = (o.networks ?? []).map((n, i) => {
    const h = 'network' in n ? n.network : n;
    const aliases = 'network' in n ? (n.aliases ?? []) : [];
    const ipv4Address = 'network' in n ? n.ipv4Address : undefined;
    // The resource name is always an alias (added by moor, like compose's service name): not kept twice.
    return { network: ref(h, d, `networks[${i}]`), aliases: [...new Set(aliases)].filter((a) => a !== d.name).sort(), ...(ipv4Address ? { ipv4Address } : {}) };
  });
  networks.sort((a, b) => a.network.localeCompare(b.network));
  networks.forEach((n, i) => {
    if (i > 0 && networks[i - 1]!.network === n.network) diags.push(error(`network "${n.network}" is listed twice`, { ...where, field: 'networks' }));
  });

  let networkMode: ContainerSpec['networkMode'] = networks.length ? { type: 'networks' } : { type: 'bridge' };
  if (o.networkMode !== undefined) {
    if (networks.length) diags.push(error('use either networks or networkMode, not both', { ...where, field: 'networkMode' }));
    if (typeof o.networkMode === 'string') networkMode = { type: o.networkMode };
    else {
      const target = ref(o.networkMode.container, d, 'networkMode.container');
      if (target === d.name) diags.push(error('a container cannot join its own network namespace', { ...where, field: 'networkMode.container' }));
      networkMode = { type: 'container', container: target };
    }
    if ((networkMode.type === 'container' || networkMode.type === 'host' || networkMode.type === 'none') && ports.length) {
      diags.push(error(`ports cannot be published with networkMode "${networkMode.type}"`, { ...where, field: 'ports' }));
    }
    if (networkMode.type === 'container' && o.hostname) {
      diags.push(error('hostname cannot be set when sharing another container\'s network namespace', { ...where, field: 'hostname' }));
    }
  }

  const restart = o.restart === undefined
    ? { policy: 'no' as const, maxRetries: 0 }
    : typeof o.restart === 'string'
      ? { policy: o.restart, maxRetries: 0 }
      : { policy: o.restart.policy, maxRetries: o.restart.maxRetries };

  const healthcheck = healthcheckSpec(o.healthcheck);

  const dependsOn = new Map<string, ContainerSpec['dependsOn'][number]['condition']>();
  const strength = { started: 0, healthy: 1, completed: 2 } as const;
  (o.dependsOn ?? []).forEach((dep, i) => {
    const h = 'container' in dep ? dep.container : dep;
    const condition = 'container' in dep ? (dep.condition ?? 'started') : 'started';
    const name = ref(h, d, `dependsOn[${i}]`);
    if (name === d.name) diags.push(error('a container cannot depend on itself', { ...where, field: `dependsOn[${i}]` }));
    const before = dependsOn.get(name);
    dependsOn.set(name, before && strength[before] > strength[condition] ? before : condition);
  });
  if (o.runOnce && (restart.policy === 'always' || restart.policy === 'unless-stopped')) {
    diags.push(error(`a runOnce container cannot have restart "${restart.policy}": the engine would start it again each time it completes`, { ...where, field: 'restart' }));
  }

  if (replicas > 1) {
    if (o.runOnce) diags.push(error('a runOnce container runs one job: it cannot have replicas', { ...where, field: 'replicas' }));
    (o.networks ?? []).forEach((n, i) => {
      if ('network' in n && n.ipv4Address) diags.push(error(`a fixed ipv4Address cannot be held by ${replicas} replicas`, { ...where, field: `networks[${i}].ipv4Address` }));
    });
    if (o.hostname) diags.push(warning(`every replica gets the hostname "${o.hostname}"`, { ...where, field: 'hostname' }));
  }

  const envFiles = o.envFile === undefined ? [] : typeof o.envFile === 'string' ? [o.envFile] : o.envFile;
  const fromFiles = readEnvFiles(envFiles, dir);
  readFiles.push(...fromFiles.read);
  for (const p of fromFiles.problems) diags.push(error(p.message, { ...where, field: typeof o.envFile === 'string' ? 'envFile' : `envFile[${p.index}]` }));
  const env: Record<string, string | Secret> = { ...fromFiles.env, ...o.env };

  return {
    kind: 'container',
    name: d.name,
    image: typeof o.image === 'string' ? o.image : ref(o.image, d, 'image'),
    command: o.command ?? null,
    entrypoint: o.entrypoint ?? null,
    env: Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, envValue(v, dir)])),
    ports,
    publishAll: o.publishAll ?? false,
    networkMode,
    networks,
    mounts,
    volumesFrom: (o.volumesFrom ?? [])
      .map((v, i) => ('container' in v
        ? { container: ref(v.container, d, `volumesFrom[${i}]`), readOnly: v.readOnly ?? false }
        : { container: ref(v, d, `volumesFrom[${i}]`), readOnly: false }))
      .sort((a, b) => a.container.localeCompare(b.container)),
    restart,
    healthcheck,
    user: o.user ?? null,
    workingDir: o.workingDir ?? null,
    hostname: o.hostname ?? null,
    labels: sortRecord(o.labels),
    stopSignal: o.stopSignal ?? null,
    stopTimeout: o.stopTimeout === undefined ? null : Math.round(durationToNanos(o.stopTimeout) / 1e9),
    resources: {
      nanoCpus: o.resources?.cpus === undefined ? null : Math.round(o.resources.cpus * 1e9),
      memoryBytes: o.resources?.memory === undefined ? null : sizeToBytes(o.resources.memory),
      pids: o.resources?.pids ?? null,
    },
    dependsOn: [...dependsOn].map(([container, condition]) => ({ container, condition })).sort((a, b) => a.container.localeCompare(b.container)),
    ...(o.runOnce ? { runOnce: true as const } : {}),
    ...(replicas > 1 ? { replicas } : {}),
    ...runtimeSpec(o, where, diags),
  };
}

/** A secret's reference: 'env:NAME' or 'file:/absolute/path'. */
function secretRef(v: Secret, dir: string): string {
  return 'env' in v.source ? `env:${v.source.env}` : `file:${path.resolve(dir, v.source.file)}`;
}

/** A plain env value, or a secret's reference (sealed with its keyed hash once the engine's key is known). */
function envValue(v: string | Secret, dir: string): EnvValue {
  if (typeof v === 'string') return v;
  return { secret: secretRef(v, dir), digest: null };
}

/** Cross-resource checks: references point at declared resources, no container cycles. */
function checkReferences(stack: DesiredStack, declared: Map<string, Declaration>, diags: Diagnostic[]): void {
  const has = (kind: ResourceKind, name: string) => declared.has(resourceId(kind, name)) || (kind === 'image' && stack.images.some((i) => i.name === name));
  const containers = new Map(stack.containers.map((c) => [c.name, c]));
  for (const c of stack.containers) {
    const id = resourceId('container', c.name);
    const where = { resource: id, location: stack.locations[id] };
    const missing = (kind: ResourceKind, name: string, field: string) => {
      if (!has(kind, name)) diags.push(error(`refers to ${kind} "${name}", which is not declared in this stack`, { ...where, field }));
    };
    if (IMAGE_REF.test(c.image) || declared.has(resourceId('image', c.image))) missing('image', c.image, 'image');
    c.networks.forEach((n) => missing('network', n.network, 'networks'));
    c.mounts.forEach((m) => m.type === 'volume' && missing('volume', m.volume, 'mounts'));
    c.volumesFrom.forEach((v) => missing('container', v.container, 'volumesFrom'));
    c.dependsOn.forEach((dep) => {
      missing('container', dep.container, 'dependsOn');
      const target = containers.get(dep.container);
      if (target?.runOnce && dep.condition === 'started') dep.condition = 'completed';
      if (dep.condition === 'completed' && target && !target.runOnce) {
        diags.push(error(`waits for "${dep.container}" to complete, but "${dep.container}" is not declared runOnce: true (it is meant to keep running)`, { ...where, field: 'dependsOn' }));
      }
      if (dep.condition === 'healthy' && target?.runOnce) {
        diags.push(error(`waits for "${dep.container}" to be healthy, but "${dep.container}" runs once and exits; wait for "completed"`, { ...where, field: 'dependsOn' }));
      } else if (dep.condition === 'healthy' && target && !target.healthcheck) {
        diags.push(warning(`waits for "${dep.container}" to be healthy, but "${dep.container}" declares no healthcheck (the image must define one)`, { ...where, field: 'dependsOn' }));
      }
    });
    if (c.networkMode.type === 'container') missing('container', c.networkMode.container, 'networkMode');
    // Replicas: which one would it share? And `<stack>-<name>-N` must not be another container's name.
    const replicated = (name: string) => (containers.get(name)?.replicas ?? 1) > 1;
    c.volumesFrom.forEach((v, i) => {
      if (replicated(v.container)) diags.push(error(`volumesFrom "${v.container}", a container with replicas: say which data to share with a named volume mounted by both instead`, { ...where, field: `volumesFrom[${i}]` }));
    });
    if (c.networkMode.type === 'container' && replicated(c.networkMode.container)) {
      diags.push(error(`networkMode { container: "${c.networkMode.container}" } names a container with replicas: there is no one network namespace to share`, { ...where, field: 'networkMode' }));
    }
    for (let i = 1; i <= (c.replicas ?? 1) && (c.replicas ?? 1) > 1; i++) {
      if (containers.has(`${c.name}-${i}`)) diags.push(error(`replica ${i} would be named like container "${c.name}-${i}" on the engine (<stack>-${c.name}-${i}): rename one of them`, { ...where, field: 'replicas' }));
    }
  }
  checkServiceReferences(stack, has, (image) => IMAGE_REF.test(image) || declared.has(resourceId('image', image)), diags);
  let startOrder: string[] = stack.containers.map((c) => c.name);
  const graph = stack.containers.map((c) => ({ id: c.name, dependsOn: containerDependencies(c) }));
  const cycles = findCycles(graph);
  for (const cycle of cycles) {
    const first = cycle[0]!;
    diags.push(error(`containers depend on each other in a cycle: ${cycle.join(' → ')}`, { resource: resourceId('container', first), field: 'dependsOn', location: stack.locations[resourceId('container', first)] }));
  }
  if (!cycles.length) startOrder = topoSort(graph).map((n) => n.id);
  for (const b of stack.backups) {
    const id = resourceId('backup', b.name);
    const where = { resource: id, location: stack.locations[id] };
    const missing = (kind: ResourceKind, name: string, field: string) => {
      if (!has(kind, name)) diags.push(error(`refers to ${kind} "${name}", which is not declared in this stack`, { ...where, field }));
    };
    b.volumes.forEach((v) => missing('volume', v, 'volumes'));
    if (b.target.type === 'volume') missing('volume', b.target.volume, 'target');
    b.stop.forEach((c) => missing('container', c, 'stop'));
    const target = b.target.type === 'volume' ? stack.volumes.find((v) => v.name === (b.target as { volume: string }).volume) : undefined;
    if (target && getProvider(target.provider.name)?.data === 'memory') {
      diags.push(error(`volume "${target.name}" keeps its files in memory only: archives written there would be gone as soon as the worker stops`, { ...where, field: 'target' }));
    }
    [...b.hooks.before, ...b.hooks.after].forEach((h) => missing('container', h.container, 'hooks'));
    // Stopped in reverse dependency order and started in dependency order: keep the start order.
    b.stop = [...new Set(b.stop)].sort((x, y) => startOrder.indexOf(x) - startOrder.indexOf(y));
  }
}
