import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseListing } from '../../../core/backup/list.js';
import { archiveFileName, archiveId, manifestFileName, parseManifest, serializeManifest, timeOfId, type ArchiveSummary } from '../../../core/backup/archive-file.js';

const summary = (id: string, status: 'verified' | 'failed'): ArchiveSummary => ({
  moor_backup_manifest: 1, stack: 'shop', job: 'nightly', id, archive: archiveFileName(id, 'gzip'), created: timeOfId(id)!.toISOString(),
  compression: 'gzip', volumes: ['data'], archiveBytes: 10, archiveSha256: 'ab', entries: 3, files: 2, directories: 1, symlinks: 0, bytes: 9, status,
});

const names = suite('archive files');

names('ids are the run time in UTC, sortable, and read back', () => {
  const at = new Date('2026-11-23T03:00:00.123Z');
  assert.is(archiveId(at), '20261123T030000.123Z');
  assert.equal(timeOfId('20261123T030000.123Z'), at);
  assert.is(timeOfId('20261123T030000Z'), null);
  assert.is(archiveFileName('20261123T030000.123Z', 'none'), '20261123T030000.123Z.tar');
  assert.is(manifestFileName('20261123T030000.123Z'), '20261123T030000.123Z.manifest.jsonl');
});

names('a manifest is a summary line and one line per entry; damaged ones are refused', () => {
  const m = { summary: summary('20261123T030000.123Z', 'verified'), entries: [{ path: 'data', type: 'directory' as const, mode: 0o755, uid: 0, gid: 0, size: 0 }] };
  assert.equal(parseManifest(serializeManifest(m).toString()), m);
  assert.is(parseManifest('{"not":"moor"}\n'), null);
  assert.is(parseManifest(''), null);
});

const listing = suite('parseListing');

listing('groups files by archive, newest first; an archive without a manifest shows as such', () => {
  const a = '20261122T030000.000Z';
  const b = '20261123T030000.000Z';
  const c = '20261124T030000.000Z';
  const out = [
    `M ${JSON.stringify(summary(a, 'verified'))}`, `F 10 ${a}.tar.gz`, `F 400 ${a}.manifest.jsonl`,
    `M ${JSON.stringify(summary(b, 'failed'))}`, `F 10 ${b}.tar.gz`, `F 380 ${b}.manifest.jsonl`,
    `F 4096 ${c}.tar.gz.part`, 'F 1 notes.txt', 'M {broken',
  ].join('\n');
  const listed = parseListing(out);
  assert.equal(listed.map((l) => [l.id, l.summary?.status ?? null, l.files.map((f) => f.name)]), [
    [c, null, [`${c}.tar.gz.part`]],
    [b, 'failed', [`${b}.tar.gz`, `${b}.manifest.jsonl`]],
    [a, 'verified', [`${a}.tar.gz`, `${a}.manifest.jsonl`]],
  ]);
});

names.run();
listing.run();
