import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EngineClient } from '../../../core/engine/client.js';
import { copyVolume, VolumeCopyError } from '../../../core/volume-data/copy.js';
import { startFakeEngine, type FakeEngine } from '../../fixtures/fake-engine.js';
import type { Manifest } from '../../../core/volume-data/manifest.js';

const resume = suite('copyVolume: a copy resumed over what a cut-off one left');

const DATA = { 'PG_VERSION': '16\n', 'base/1/table': 'rows '.repeat(1000), 'base/2/table': 'more rows\n' };

/** A fake engine with volume `src` holding DATA, and the manifest a whole copy of it has. */
async function withSource(fn: (engine: FakeEngine, client: EngineClient, expected: Manifest) => Promise<void>): Promise<void> {
  const engine = await startFakeEngine();
  const client = new EngineClient({ socketPath: engine.socketPath, display: 'fake' });
  try {
    engine.addImage('busybox');
    engine.addVolume('src', {}, DATA);
    engine.addVolume('ref');
    await fn(engine, client, await copyVolume(client, 'src', 'ref'));
  } finally {
    client.close();
    await engine.close();
  }
}

resume('a destination holding only part of the copy (a truncated file too) is written over and reads back identical', () => withSource(async (engine, client, expected) => {
    // What a restore cut off half way leaves in a host directory that outlived its engine volume.
    engine.addVolume('dst', {}, { 'PG_VERSION': '16\n', 'base/1/table': 'rows rows' });
    const copied = await copyVolume(client, 'src', 'dst', { resumeOf: expected });
    assert.equal(copied, expected);
    assert.equal(engine.volumes.get('dst')!.files.snapshot(), engine.volumes.get('src')!.files.snapshot());
}));

resume('anything the copy would not write refuses, naming it, and nothing is written', () => withSource(async (engine, client, expected) => {
    engine.addVolume('dst', {}, { 'PG_VERSION': '16\n', 'notes.txt': 'mine' });
    const before = engine.volumes.get('dst')!.files.snapshot();
    try {
      await copyVolume(client, 'src', 'dst', { resumeOf: expected });
      assert.unreachable('copied over a file the copy does not hold');
    } catch (e) {
      assert.instance(e, VolumeCopyError);
      assert.match((e as Error).message, /the destination is not empty \(it holds notes\.txt, which the copy does not\)/);
    }
    assert.equal(engine.volumes.get('dst')!.files.snapshot(), before);
    // Without resumeOf any content refuses, as before.
    engine.addVolume('dst2', {}, { 'PG_VERSION': '16\n' });
    try {
      await copyVolume(client, 'src', 'dst2');
      assert.unreachable('copied into a non-empty volume');
    } catch (e) {
      assert.match((e as Error).message, /the destination is not empty$/);
    }
}));

resume.run();
