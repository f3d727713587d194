/** Writes the record of live updates (model/ledger.ts): one generation after another, serialized. */
import type { EngineClient } from '../engine/client.js';
import { ledgerLabels, ledgerVolumeName, type LiveRecord } from '../model/ledger.js';
import type { Plan } from '../plan/types.js';
import { deleteVolume } from './volume.js';

export class LedgerWriter {
  private entries: Record<string, LiveRecord>;
  private generation: number;
  private volumes: string[];
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly client: EngineClient, private readonly stack: string, ledger: Plan['ledger']) {
    this.entries = { ...ledger.entries };
    this.generation = ledger.generation;
    this.volumes = [...ledger.volumes];
  }

  /** Record what was applied live to a container; resolves once the record is on the engine. */
  record(containerId: string, values: LiveRecord): Promise<void> {
    const next = this.queue.then(async () => {
      this.entries[containerId] = values;
      const generation = this.generation + 1;
      const name = ledgerVolumeName(this.stack, generation);
      await this.client.request('POST', '/volumes/create', { body: { Name: name, Driver: 'local', Labels: ledgerLabels(this.stack, this.entries) } });
      // The new generation exists from here on, whatever happens to the old ones: a later record
      // must never try to create it again (the engine would return it unchanged, labels and all).
      const older = this.volumes;
      this.generation = generation;
      this.volumes = [...older, name];
      for (const old of older) {
        await deleteVolume(this.client, old);
        this.volumes = this.volumes.filter((v) => v !== old);
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
