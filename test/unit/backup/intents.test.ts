/**
 * A backup or restore killed part-way, finished by the next command (core/backup/intents.ts
 * recoverStack), against the fake engine and its emulated workers: the record written before the
 * containers stopped is found, a restore's switch resumed from where it stopped, the containers
 * started again, the workers and the record removed.
 *
 * "Killed": from a chosen moment, no request of the running moor gets an answer (it never acts
 * again); the next command talks to the engine with a client of its own.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { recoverStack } from '../../../core/backup/intents.js';
import { planRestore, runRestore } from '../../../core/backup/restore.js';
import { runBackup } from '../../../core/backup/run.js';
import { EngineClient } from '../../../core/engine/client.js';
import { backupRig, type BackupRig } from '../../fixtures/fake-backup.js';
import type { FakeEngine, Program } from '../../fixtures/fake-engine.js';
import { archiveProgram, isWorker, switchProgram } from '../../fixtures/fake-workers.js';

/** From now on the engine answers nothing (moor is dead); `revive` lets the next command's requests through. */
function killMoor(engine: FakeEngine): { revive: () => void } {
  const rule = engine.fail(() => true, { hang: true }, { always: true });
  return { revive: () => void engine.rules.splice(engine.rules.indexOf(rule), 1) };
}

/** `program` the first time, after which moor is killed (`ran` resolves); `then` the next times (the next command's workers). */
function killedAfter(rig: BackupRig, program: Program, then: Program): { program: Program; ran: Promise<{ revive: () => void }> } {
  let done!: (k: { revive: () => void }) => void;
  let once = false;
  return {
    ran: new Promise<{ revive: () => void }>((r) => (done = r)),
    program: async (p) => {
      if (once) return then(p);
      once = true;
      const killed = killMoor(rig.engine);
      const code = await program(p);
      // Once the engine took its exit (and removed it, AutoRemove).
      setImmediate(() => done(killed));
      return code;
    },
  };
}

/** Waits for the kill; the command ending first (it failed before), or 3 s without, fails the test instead of waiting. */
async function ran(kill: { ran: Promise<{ revive: () => void }> }, command: Promise<unknown>): Promise<{ revive: () => void }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      kill.ran,
      command.then((e) => assert.unreachable(`the command ended before it was killed: ${String(e)}`) as never),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the command was not killed within 3 s')), 3000))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The next command: recoverStack with a client of its own; its log. */
async function nextCommand(rig: BackupRig): Promise<string[]> {
  const client = new EngineClient({ socketPath: rig.engine.socketPath, display: `unix://${rig.engine.socketPath}` });
  const log: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      recoverStack(client, 'shop', (l) => log.push(l)),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the next command did not finish within 3 s: ${log.join('; ')}`)), 3000))),
    ]);
  } finally {
    clearTimeout(timer);
    client.close();
  }
  return log;
}

const workers = (rig: BackupRig) => rig.engine.containerStates().filter((s) => s.includes('.moor-backup-'));

const killed = suite('recoverStack: what a killed backup or restore left is finished by the next command');

killed('a backup killed while archiving: its worker stops when moor goes away, the next command starts the containers again', async () => {
  const rig = await backupRig();
  try {
    // Killed once the archive is under way: moor's connection to the worker goes (its stdin ends).
    const kill = killedAfter(rig, async (p) => {
      const archiving = archiveProgram({ chunk: 1024 })(p);
      p.container.attached!.socket.destroy();
      return archiving;
    }, archiveProgram());
    rig.engine.program(isWorker('archive'), kill.program);
    const running = runBackup(rig.engine.client, 'shop', rig.job, { now: () => new Date('2026-12-01T03:00:00.000Z') }).catch((e: Error) => e);
    const { revive } = await ran(kill, running);
    // The worker ended (its watchdog, or its dd on the closed pipe) and the engine removed it (AutoRemove).
    assert.equal(rig.engine.containerStates().filter((s) => s.includes('moor-backup-archive')), []);
    assert.equal(rig.engine.containerStates().filter((s) => !s.includes('.moor-backup-')), ['shop-db exited', 'shop-web exited']);
    assert.equal(rig.intents(), [{ step: 'stop', stopped: ['shop-db', 'shop-web'] }]);
    revive();
    const log = await nextCommand(rig);
    assert.match(log.join('\n'), /moor backup run nightly \(pid \d+ on host .*\) did not finish \(stop\); finishing it/);
    assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web running']);
    assert.equal(rig.intents(), []);
    assert.equal(workers(rig), []);
    void running;
  } finally {
    await rig.close();
  }
});

for (const [when, renames] of [
  ['while the old entries went aside', 2],
  ['after the staged copy was renamed, while its entries moved into place', 5],
] as const) {
  killed(`a restore killed during the switch (${when}): the next command finishes the switch and starts the containers`, async () => {
    const rig = await backupRig();
    try {
      const original = rig.data.snapshot();
      await runBackup(rig.engine.client, 'shop', rig.job, { now: () => new Date('2026-12-01T03:00:00.000Z') });
      rig.data.writeFile('dump.sql', 'DROP TABLE t;\n');
      rig.data.writeFile('new-file', 'written after the backup\n');
      const plan = await planRestore(rig.engine.client, 'shop', rig.job, {});
      const kill = killedAfter(rig, switchProgram({ killAfter: renames }), switchProgram());
      rig.engine.program(isWorker('switch'), kill.program);
      const restoring = runRestore(rig.engine.client, 'shop', rig.job, plan).catch((e: Error) => e);
      const { revive } = await ran(kill, restoring);
      // Half switched: the volume holds neither the old data nor the restored one; the user is stopped; the record says switch.
      assert.not.equal(rig.data.snapshot(), original);
      assert.ok(rig.data.walk('').some(([k]) => /^\.moor-restore-[0-9a-f]{8}(\.new|\.old)?$/.test(k)));
      assert.equal(rig.engine.containerStates().filter((s) => !s.includes('.moor-backup-')), ['shop-db exited', 'shop-web running']);
      assert.equal(rig.intents(), [{ step: 'switch', stopped: ['shop-db'] }]);
      revive();
      const log = await nextCommand(rig);
      assert.ok(log.some((l) => /^switch: finishing the switch of shop-data to the restored data$/.test(l)), log.join('\n'));
      assert.equal(rig.data.snapshot(), original);
      assert.equal(rig.engine.containerStates(), ['shop-db running', 'shop-web running']);
      assert.equal(rig.intents(), []);
      void restoring;
    } finally {
      await rig.close();
    }
  });
}

killed.run();
