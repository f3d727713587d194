/**
 * Applying a saved plan: under the stack's lock, observe the objects the plan depends on again,
 * read the secrets again, and go on only when both are as they were when the plan was made.
 */
import { hasSecrets, readSecretValues, sealSecrets } from '../stack/secret-values.js';
import { readEnvSources } from '../stack/environment.js';
import { observeStack } from '../observe/observe.js';
import { checkVolumeProviders, hostContext } from '../observe/provider-checks.js';
import { fingerprint, stackNames, staleReasons } from '../plan/fingerprint.js';
import { readPlanFile } from '../plan/plan-file.js';
import { isSecretRef } from '../model/secret.js';
import type { DesiredStack } from '../model/spec.js';
import { RefusedError } from './errors.js';
import type { EngineClient } from '../engine/client.js';
import type { ObservedState } from '../observe/types.js';
import { measureVolumes } from '../observe/volume-usage.js';
import type { Plan } from '../plan/types.js';
import { showUsage } from '../render/plan-text.js';
import { hashContext } from '../stack/context-hash.js';
import type { Output } from './output.js';
import { failOnDiagnostics, newClient, takeLock, type Session, type SessionOptions } from './session.js';

/** References whose value hashes differently now than when the plan was made. */
function changedSecrets(saved: DesiredStack, now: DesiredStack): string[] {
  const changed = new Set<string>();
  saved.containers.forEach((c, i) => {
    for (const [k, v] of Object.entries(c.env)) {
      const n = now.containers[i]?.env[k];
      if (isSecretRef(v) && (!isSecretRef(n) || n.digest !== v.digest)) changed.add(v.secret.startsWith('env:') ? v.secret.slice(4) : `from file ${v.secret.slice(5)}`);
    }
  });
  (saved.services ?? []).forEach((s, i) => {
    for (const [k, v] of Object.entries(s.secrets)) {
      const n = now.services?.[i]?.secrets[k];
      if (!n || n.digest !== v.digest) changed.add(v.secret.startsWith('env:') ? v.secret.slice(4) : `from file ${v.secret.slice(5)}`);
    }
  });
  return [...changed].sort();
}

/** A build the plan makes must build what was planned: the context as it was hashed then. */
async function buildContextsChanged(plan: Plan): Promise<string[]> {
  const reasons: string[] = [];
  for (const n of plan.nodes) {
    if (n.op.type !== 'image.build' || !n.op.image.build) continue;
    const now = await hashContext(n.op.image.build.context, n.op.image.build.dockerfile).catch(() => 'unreadable');
    if (now !== n.op.image.build.contextHash) reasons.push(`the build context of image ${n.name} (${n.op.image.build.context}) changed`);
  }
  return reasons;
}

/** A volume the plan replaces or deletes without a data-loss guard was empty then: it must still be. */
async function emptyVolumesFilled(client: EngineClient, plan: Plan, observed: ObservedState): Promise<string[]> {
  // Volumes keeping their data elsewhere (dataHome) lose nothing: only empty ones were unguarded for being empty.
  const unguarded = plan.nodes.filter((n) => n.kind === 'volume' && (n.action === 'replace' || n.action === 'delete') && !n.dataLoss && !n.dataHome);
  if (!unguarded.length) return [];
  const usage = await measureVolumes(client, observed.volumes.filter((v) => unguarded.some((n) => n.engineName === v.name)));
  return unguarded.flatMap((n) => {
    const u = usage[n.engineName];
    if (u && u.complete && u.files === 0) return [];
    return [`volume ${n.engineName} was empty when the plan was made and now holds ${u ? showUsage(u) : 'data moor cannot measure'}`];
  });
}

export async function savedPlanSession(file: string, io: Output, opts: Pick<SessionOptions, 'concurrency' | 'lock' | 'skipChecks' | 'context' | 'inputs'>): Promise<Session> {
  const saved = readPlanFile(file);
  const env = opts.inputs?.env;
  if (env !== undefined && env !== saved.desired.env) {
    throw new RefusedError(`the saved plan ${file} is for ${saved.desired.env === undefined ? 'no environment' : `the environment "${saved.desired.env}"`} (stack ${saved.desired.name}), not "${env}". Nothing was changed.`);
  }
  const client = newClient(opts.concurrency, opts.context);
  let lock: Session['lock'] = null;
  // The lock goes first, over the client: an engine-side lock is removed through it.
  const close = async () => {
    try {
      await lock?.release();
    } finally {
      client.close();
    }
  };
  try {
    const { desired, plan } = saved;
    lock = await takeLock(client, desired.name, opts.lock, io);
    // Secrets are read again where the plan's stack would read them: .env beside it, --env-file, the environment.
    const read = readEnvSources(desired.file, opts.inputs?.envFiles);
    failOnDiagnostics(read.diagnostics, io);
    const secrets = readSecretValues(desired, read.sources);
    failOnDiagnostics(secrets.diagnostics, io);
    const host = hostContext(client.endpoint, !!opts.skipChecks);
    const observed = await observeStack(client, desired, { refresh: saved.refresh, host });
    const reasons = staleReasons(saved.fingerprint, fingerprint(observed, stackNames(desired)));
    if (client.endpoint.display !== saved.engine) reasons.unshift(`the plan was made for the engine at ${saved.engine}, this is ${client.endpoint.display}`);
    if (hasSecrets(desired)) {
      const key = observed.secretKey?.key ?? plan.secretKey;
      if (key) {
        for (const name of changedSecrets(desired, sealSecrets(desired, Buffer.from(key, 'base64'), secrets.values))) {
          reasons.push(`secret ${name} has another value than when the plan was made`);
        }
      }
    }
    reasons.push(...(await buildContextsChanged(plan)), ...(await emptyVolumesFilled(client, plan, observed)));
    if (reasons.length) {
      throw new RefusedError(`the saved plan ${file} is stale: what it was made from has changed since.\n  ${reasons.join('\n  ')}\nNothing was changed. Make a new plan.`);
    }
    // What the providers' checks found then may not hold now (a server went away): check again.
    plan.diagnostics = [...plan.diagnostics.filter((d) => !(d.field ?? '').startsWith('provider')), ...(await checkVolumeProviders(plan, desired, host))];
    return { client, stack: desired, plan, observed, secrets: secrets.values, fingerprint: () => saved.fingerprint, lock, host, close };
  } catch (e) {
    await close();
    throw e;
  }
}
