/**
 * The backup benchmark's unit prices (bench/lib/unit-costs.ts) and how the report shows them with
 * the bytes moor's process moved: numbers the closing notes of issue 18 quote.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { unitCosts } from '../../../bench/lib/unit-costs.js';
import { renderBackup } from '../../../bench/scenarios/backup.js';
import { tarOf, type TarEntry } from '../../fixtures/tar.js';

const test = suite('bench backup: unit costs and bytes moved');

test('unit costs are measured over the whole archive, each a price of its own (the read taken off)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moor-unit-costs-'));
  try {
    const entries: TarEntry[] = [{ header: { name: 'd/', type: 'directory', mode: 0o755 } }];
    for (let i = 0; i < 12; i++) entries.push({ header: { name: `d/f${i}`, mode: 0o644 }, content: Buffer.alloc(2_000_000 + i, i) });
    const file = path.join(dir, 'a.tar');
    const tar = await tarOf(entries);
    writeFileSync(file, tar);
    const c = unitCosts(file);
    assert.is(c.bytes, tar.length);
    for (const k of ['read', 'sha256', 'parse', 'parseHashTree'] as const) assert.ok(Number.isFinite(c[k]), `${k} is a number`);
    // Hashing every file costs more than finding its headers: the scanner with hashes did hash.
    assert.ok(c.parseHashTree > c.parse, `parse with hashing ${c.parseHashTree} > headers only ${c.parse}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const sample = (ms: number, machineCpuMs: number, extra: Record<string, number> = {}) => ({ ms, machineCpuMs, dockerdCpuMs: 10, ...extra });

test('the report gives bytes moved per byte of data and gzip\'s price from the floor\'s own runs', () => {
  const gib = 2 ** 30;
  const totals = { entries: 10, files: 8, directories: 2, bytes: gib };
  const moor = (ms: number) => sample(ms, 2000, { moorCpuMs: 1500, moorReadBytes: 2 * gib, moorWrittenBytes: gib / 2 });
  const samples = {
    gzip: { backup: { moor: [moor(1000)], floor: [sample(900, 14_000)] }, restore: { moor: [moor(1000)], floor: [sample(900, 5_500)] } },
    none: { backup: { moor: [moor(1000)], floor: [sample(900, 1_000)] }, restore: { moor: [moor(1000)], floor: [sample(900, 1_200)] } },
  };
  const text = renderBackup(totals, false, samples, true, { bytes: gib, read: 0.2, sha256: 0.6, parse: 0.05, parseHashTree: 0.7 });
  assert.match(text, "| backup: bytes moor's process read / wrote, per byte of volume data (median) | 2.00 / 0.50 |");
  assert.match(text, '| sha256 (Node\'s, of the bytes read) | 0.60 |');
  // gzip: 14 s − 1 s of the floor's machine CPU over 1 GiB; gunzip: 5.5 s − 1.2 s.
  assert.match(text, '| 13.00 |');
  assert.match(text, '| 4.30 |');
  // Without uncompressed rounds there is nothing to take gzip's price from: no such rows.
  const gzipOnly = { ...samples, none: { backup: { moor: [], floor: [] }, restore: { moor: [], floor: [] } } };
  assert.not.match(renderBackup(totals, false, gzipOnly, true, { bytes: gib, read: 0.2, sha256: 0.6, parse: 0.05, parseHashTree: 0.7 }), 'gzip: the floor');
});

test.run();
