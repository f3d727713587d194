/**
 * A backup's file names (core/backup/archive-file.ts): the names a pruned file is renamed aside
 * under (prunedName) are recognised again, and only for a run's own files, so that the sweep of a
 * killed deletion's leftovers never deletes anything else of the job's folder.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { prunedName, unprunedName } from '../../../core/backup/archive-file.js';

const t = suite('backup: archive file names');

t('a run file renamed aside is recognised; nothing else is', () => {
  for (const name of ['20261207T034157.246Z.tar', '20261207T034157.246Z.tar.gz', '20261207T034157.246Z.manifest.jsonl', '20261207T034157.246Z.tar.part']) {
    assert.is(prunedName(name), `.${name}.moor-pruned`);
    assert.is(unprunedName(prunedName(name)), name);
  }
  for (const other of ['.notes.txt.moor-pruned', '.20261207T034157.246Z.txt.moor-pruned', '20261207T034157.246Z.tar.moor-pruned', '.20261207T034157.246Z.tar', '.2026120T034157.246Z.tar.moor-pruned', '..moor-pruned']) {
    assert.is(unprunedName(other), null, other);
  }
});

t.run();
