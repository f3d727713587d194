/**
 * Writing and finishing the records of operations begun outside a plan (model/intent.ts).
 * A record is written before its step changes anything, replaced (new one first) when the step
 * moves on, removed when the step was undone normally. `finishIntent` does what a killed command
 * left undone: its workers removed, a restore's staged data discarded (killed before the switch)
 * or switched in (killed during it), the containers it stopped started again in dependency
 * order, the record removed. A restore that staged beside the volumes' `_data` (extracted by moor
 * on the engine's machine) is discarded or switched here, as it would have been (finishBeside).
 * Backup commands call `recoverStack` under the stack's lock; apply runs `finishIntent` as a step
 * of its plan (plan/intents.ts).
 */
import os from 'node:os';
import { MoorError } from '../errors.js';
import { randomBytes } from 'node:crypto';
import type { EngineClient } from '../engine/client.js';
import { EngineError, isNotFound } from '../engine/errors.js';
import { describeIntent, intentLabels, intentVolumeName, type Intent } from '../model/intent.js';
import { observeInterrupted, type ObservedIntent } from '../observe/intents.js';
import path from 'node:path';
import { localReadsPossible, plainLocalVolume, provenVolumeDir } from '../volume-data/local.js';
import { proveThroughWorker } from './local-archive.js';
import { discardBeside, DISCARD_STAGE_SCRIPT, removeOldData, switchBeside, SWITCH_SCRIPT } from './switch.js';
import { PROBE, RESTORE } from './target.js';
import { BACKUP_LABEL, runCommand, withWorker, workerName } from './worker.js';
import { HELPER_LABEL } from '../volume-data/helper-image.js';
import { OWNER_HOST, OWNER_PID } from '../model/intent.js';

export interface IntentHandle {
  volume: string;
  intent: Intent;
}

/** Write a record on the engine (before the step it describes); `replacing`: the record of the step before, removed after; `pid`: the process doing the step. */
export async function recordIntent(client: EngineClient, stack: string, fields: Omit<Intent, 'id' | 'pid' | 'host' | 'since'>, replacing?: IntentHandle, pid = process.pid): Promise<IntentHandle> {
  const intent: Intent = { id: randomBytes(4).toString('hex'), pid, host: os.hostname(), since: new Date().toISOString(), ...fields };
  const volume = intentVolumeName(stack, intent.id);
  await client.request('POST', '/volumes/create', { body: { Name: volume, Driver: 'local', Labels: intentLabels(stack, intent) } });
  if (replacing) await removeIntent(client, replacing.volume);
  return { volume, intent };
}

export async function removeIntent(client: EngineClient, volume: string): Promise<void> {
  try {
    await client.request('DELETE', `/volumes/${encodeURIComponent(volume)}`);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/**
 * Remove containers, forcibly (a worker still running is stopped); gone already is fine, and so is
 * a removal already under way (the engine removing an attached worker that exited): it is waited for.
 */
export async function removeHelpers(client: EngineClient, ids: string[]): Promise<void> {
  for (const id of ids) {
    try {
      await client.request('DELETE', `/containers/${id}`, { query: { force: true }, okStatuses: [404] });
    } catch (e) {
      if (!(e instanceof EngineError && e.status === 409 && /already in progress/.test(e.message))) throw e;
      await client.request('POST', `/containers/${id}/wait`, { query: { condition: 'removed' }, okStatuses: [404] });
    }
  }
}

/** Start containers in the given order; a container gone since is skipped. Throws naming those that would not start. */
async function startAgain(client: EngineClient, names: string[], log: (line: string) => void): Promise<void> {
  const failed: string[] = [];
  for (const c of names) {
    log(`start: ${c}`);
    try {
      await client.request('POST', `/containers/${encodeURIComponent(c)}/start`, { okStatuses: [304] });
    } catch (e) {
      if (!isNotFound(e)) failed.push(`${c}: ${(e as Error).message}`);
    }
  }
  if (failed.length) throw new Error(`could not start again: ${failed.join('; ')}`);
}

/** Finish or undo what a dead command left: see the module comment. The record stays when something fails. */
export async function finishIntent(client: EngineClient, stack: string, found: IntentHandle, log: (line: string) => void = () => undefined): Promise<void> {
  const { intent } = found;
  log(`${describeIntent(intent)} did not finish (${intent.step}); finishing it`);
  // Its workers first: a switch still running on its own must not race the one below.
  const mine = await client.request<{ Id: string }[]>('GET', '/containers/json', {
    query: { all: 1, filters: JSON.stringify({ label: [`${HELPER_LABEL}=1`, `${OWNER_PID}=${intent.pid}`, `${OWNER_HOST}=${intent.host}`], name: [`${stack}-`] }) },
  });
  await removeHelpers(client, mine.map((c) => c.Id));
  const r = intent.restore;
  // Killed between writing the switch record and removing this stage record: the switch record
  // owns the staged data now (it finishes the restore with it); discarding it here would race that.
  const followed = r && intent.step === 'stage' && (await observeInterrupted(client, stack)).intents.some((o) => o.intent.step === 'switch' && o.intent.restore?.stage === r.stage);
  if (followed) log(`the switch that followed it finishes the restore with the data it staged (${r.stage}/)`);
  else if (r?.beside && (intent.step === 'stage' || intent.step === 'switch')) await finishBeside(client, stack, found, log);
  else if (r && (intent.step === 'stage' || intent.step === 'switch')) {
    const spec = {
      image: r.image, labels: { [BACKUP_LABEL]: `${stack}/${intent.job}` },
      mounts: r.volumes.map((v) => ({ type: 'volume' as const, source: v.engineVolume, target: `${RESTORE}/${v.volume}`, readOnly: false })),
      env: { VOLUMES: r.volumes.map((v) => v.volume).join(' '), STAGE: r.stage },
    };
    if (intent.step === 'stage') {
      log(`discard: the data it staged (${r.stage}/ in ${r.volumes.map((v) => v.engineVolume).join(', ')}); the volumes keep their data`);
      await runCommand(client, { ...spec, name: workerName(stack, intent.job, 'discard'), cmd: ['sh', '-c', DISCARD_STAGE_SCRIPT] }, 'removing the staging directories of the interrupted restore');
    } else {
      log(`switch: finishing the switch of ${r.volumes.map((v) => v.engineVolume).join(', ')} to the restored data`);
      const args = r.volumes.flatMap((v) => [v.volume, v.mode ?? '755', v.owner ?? '0:0']);
      await runCommand(client, { ...spec, name: workerName(stack, intent.job, 'switch'), cmd: ['sh', '-c', SWITCH_SCRIPT, 'sh', ...args] }, 'finishing the switch of the interrupted restore');
    }
  }
  await startAgain(client, intent.stopped, log);
  await removeIntent(client, found.volume);
}

/**
 * A restore that staged beside each volume's `_data` (restore.ts, extracting here): its staged data
 * discarded, or its switch finished (switchBeside and the old data deleted), here, as the restore
 * does. That takes this machine being the engine's, proven with the record's own volume (a probe
 * put into a worker mounting it, found here); when it is not, a discard only says where the staged
 * data is (outside the volumes, it changes nothing in them) and a switch fails, its record kept for
 * a command run there.
 */
async function finishBeside(client: EngineClient, stack: string, found: IntentHandle, log: (line: string) => void): Promise<void> {
  const { intent } = found;
  const r = intent.restore!;
  // The proof: a worker (never started) mounting the record's own volume, which the probe goes into.
  const record = localReadsPossible(client) ? await plainLocalVolume(client, found.volume).catch(() => null) : null;
  const prover = { image: r.image, name: workerName(stack, intent.job, 'prove'), labels: { [BACKUP_LABEL]: `${stack}/${intent.job}` }, mounts: [{ type: 'volume' as const, source: found.volume, target: PROBE, readOnly: false }], cmd: ['true'] };
  const proven = record ? await withWorker(client, prover, (w) => proveThroughWorker(client, w, PROBE, record)).catch(() => false) : false;
  const dirs = await Promise.all(r.volumes.map(async (v) => {
    const data = proven ? await provenVolumeDir(client, v.engineVolume).catch(() => null) : null;
    return { v, at: data ? { data, beside: path.dirname(data) } : null };
  }));
  const missing = dirs.filter((d) => !d.at).map((d) => d.v.engineVolume);
  if (intent.step === 'stage') {
    log(`discard: the data it staged (${r.stage}/ beside the data of ${r.volumes.map((v) => v.engineVolume).join(', ')}); the volumes keep their data`);
    for (const d of dirs) if (d.at) await discardBeside(d.at, r.stage);
    if (missing.length) log(`could not remove it from here (moor is not on the engine's machine, as root): ${r.stage}/ is left in the engine's volumes directory, beside the _data of ${missing.join(', ')}; it is not in the volumes`);
    return;
  }
  if (missing.length) throw new Error(`the restored data of ${missing.join(', ')} is staged beside the volume's _data (${r.stage}/ in the engine's volumes directory): only moor on the engine's machine, as root, can finish the switch`);
  log(`switch: finishing the switch of ${r.volumes.map((v) => v.engineVolume).join(', ')} to the restored data`);
  for (const { v, at } of dirs) {
    const [uid, gid] = (v.owner ?? '0:0').split(':').map(Number);
    await switchBeside(at!, r.stage, parseInt(v.mode ?? '755', 8), uid!, gid!);
  }
  for (const { at } of dirs) await removeOldData(at!, r.stage);
}

/**
 * Before a backup command changes anything: finish every record of a dead command and remove the
 * workers of dead commands. Records and workers of live commands are left alone.
 */
export async function recoverStack(client: EngineClient, stack: string, log: (line: string) => void = () => undefined): Promise<void> {
  const found = await observeInterrupted(client, stack);
  if (found.helpers.length) {
    log(`removing ${found.helpers.length} worker(s) left by moor commands that did not finish: ${found.helpers.map((h) => h.name).join(', ')}`);
    await removeHelpers(client, found.helpers.map((h) => h.id));
  }
  const failed: string[] = [];
  for (const i of found.intents.filter((x: ObservedIntent) => !x.alive)) {
    await finishIntent(client, stack, i, log).catch((e: Error) => failed.push(`${describeIntent(i.intent)}: ${e.message}`));
  }
  if (failed.length) throw new InterruptedOperationError(stack, failed);
}

export class InterruptedOperationError extends MoorError {
  constructor(stack: string, failed: string[]) {
    super(`stack ${stack}: could not finish what an interrupted moor command left: ${failed.join('; ')}. Its record stays on the engine; moor tries again on the next backup or apply.`);
    this.name = 'InterruptedOperationError';
  }
}
