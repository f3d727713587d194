/**
 * Deletions after the command, by a process of its own holding the stack's lock (startHolding).
 *
 * The old data a restore switched aside beside each volume's `_data` (`<stage>.old`, see
 * switch.ts), deleted by a process of its own once the containers run on the restored data: the
 * command ends without waiting for the deletion, and nothing else on the stack starts before it
 * ended. The process holds the stack's lock (StackLock.handOff) and the restore's `switch` record
 * is written again naming it, so it counts as a running command (model/intent.ts, ownerAlive)
 * until it removes the record. Killed at any point, the lock drops with it and the record stays:
 * the next command finishes the switch, which deletes what is left (backup/intents.ts).
 *
 * A backup's pruned files, renamed aside by the run (run.ts, pruneHere): deletePrunedLater.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { EngineClient } from '../engine/client.js';
import type { StackLock } from '../lock/stack-lock.js';
import { PRUNED } from './archive-file.js';
import { recordIntent } from './intents.js';
import type { OldData } from './restore.js';

/**
 * The deleting process: argv `<engine socket> <dir>…`, the stack's lock inherited as fd 3. It
 * waits for the name of its record on stdin (nothing, at the end of stdin: the record was not
 * written, it deletes nothing), syncs their file systems (the switch's renames durable before the
 * old data goes; see volume-data/durable.ts, whose fallback it repeats), deletes the directories,
 * then the record; it empties the lock file's holder record and exits, which drops the lock.
 */
const SCRIPT = `'use strict';
const fs = require('node:fs');
const [socket, ...dirs] = process.argv.slice(1);
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const record = Buffer.concat(chunks).toString().trim();
  let ok = !!record;
  const end = () => {
    try { fs.ftruncateSync(3, 0); } catch {}
    process.exit(ok ? 0 : 1);
  };
  if (!ok) return end();
  const { execFileSync } = require('node:child_process');
  try { execFileSync('sync', ['-f', '--', ...dirs], { stdio: 'ignore' }); } catch {
    try { execFileSync('sync', [], { stdio: 'ignore' }); } catch { ok = false; return end(); }
  }
  for (const d of dirs) {
    try { fs.rmSync(d, { recursive: true, force: true }); } catch { ok = false; }
  }
  if (!ok) return end();
  require('node:http').request({ socketPath: socket, method: 'DELETE', path: '/volumes/' + encodeURIComponent(record) }, (r) => {
    if (r.statusCode >= 300 && r.statusCode !== 404) ok = false;
    r.resume();
    r.on('end', end);
  }).on('error', () => { ok = false; end(); }).end();
});`;

/**
 * Hand `left` to a deleting process holding `lock` (the engine at `socket`, local); its pid. Throws
 * when it could not be handed over: the lock is then still this process's when the process did not
 * start, and the record stays as it was either way (the next command deletes the old data).
 */
export async function deleteOldDataLater(client: EngineClient, stack: string, left: OldData, lock: StackLock, socket: string, command: string): Promise<number> {
  const { child: c, pid } = startHolding(lock, SCRIPT, [socket, ...left.dirs], command);
  try {
    const { id: _id, pid: _pid, host: _host, since: _since, ...fields } = left.intent.intent;
    const record = await recordIntent(client, stack, fields, left.intent, pid);
    c.stdin!.end(`${record.volume}\n`);
  } catch (e) {
    c.stdin!.end();
    throw e;
  } finally {
    c.unref();
  }
  return pid;
}

/**
 * The process deleting a backup's pruned files (renamed aside by the run, see run.ts pruneHere),
 * the stack's lock inherited as fd 3. It reads the job folders on stdin, one per line, and starts
 * once stdin ends (the lock names it by then); it deletes every file of those folders named as a
 * pruned run file (PRUNED), empties the lock file's holder record and exits, which drops the
 * lock. Killed, the files stay, hidden; the next run's prune deletes them.
 */
const UNLINK_SCRIPT = `'use strict';
const fs = require('node:fs');
const path = require('node:path');
const PRUNED = new RegExp(${JSON.stringify(PRUNED.source)});
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  let ok = true;
  for (const dir of Buffer.concat(chunks).toString().split('\\n').filter(Boolean)) {
    let names = [];
    try { names = fs.readdirSync(dir); } catch { ok = false; }
    for (const n of names.filter((n) => PRUNED.test(n))) {
      try { fs.unlinkSync(path.join(dir, n)); } catch (e) { if (e.code !== 'ENOENT') ok = false; }
    }
  }
  try { fs.ftruncateSync(3, 0); } catch {}
  process.exit(ok ? 0 : 1);
});`;

/**
 * Hand the pruned files waiting in `folders` (RunResult.left) to a deleting process holding
 * `lock`; its pid. Throws when it could not be handed over (the lock is then still this
 * process's when the process did not start).
 */
export function deletePrunedLater(folders: string[], lock: StackLock, command: string): number {
  const { child, pid } = startHolding(lock, UNLINK_SCRIPT, [], command);
  child.stdin!.end(folders.map((f) => `${f}\n`).join(''));
  child.unref();
  return pid;
}

/**
 * Start node running `script` with `args`, detached, the stack's lock passed to it (inherited as
 * fd 3, StackLock.handOff); its stdin is a pipe the caller ends once the process may act.
 */
function startHolding(lock: StackLock, script: string, args: string[], command: string): { child: ChildProcess; pid: number } {
  if (!lock.handOff) throw new Error('the lock cannot be passed on');
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  let child: ChildProcess | undefined;
  const pid = lock.handOff((fd) => {
    child = spawn(process.execPath, ['-e', script, ...args], { detached: true, stdio: ['pipe', 'ignore', 'ignore', fd], env });
    if (child.pid === undefined) throw new Error('the deleting process could not be started');
    return child.pid;
  }, command);
  child!.on('error', () => undefined);
  child!.stdin!.on('error', () => undefined);
  return { child: child!, pid };
}
