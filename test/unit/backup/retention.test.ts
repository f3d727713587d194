/** decideRetention: last N plus daily/weekly/monthly buckets over verified archives, the run's archive as the clock. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { calendarKeys, decideRetention, type ArchiveRef, type KeepPolicy, type RetentionDecision } from '../../../core/backup/retention.js';

/** An archive named after its time: `2026-11-23T03:00` (UTC). */
const archive = (iso: string, verified = true): ArchiveRef => ({ id: iso, time: new Date(`${iso}Z`), verified });
const failed = (iso: string) => archive(iso, false);

const policy = (p: Partial<KeepPolicy>): KeepPolicy => ({ last: 0, daily: 0, weekly: 0, monthly: 0, ...p });

/** `id: reason, reason` per kept archive, and the pruned ids: the decision as text. */
function text(d: RetentionDecision): { keep: string[]; prune: string[] } {
  return { keep: d.keep.map((k) => `${k.archive.id}: ${k.reasons.join(', ')}`), prune: d.prune.map((a) => a.id) };
}

/** One archive a day at 03:00 UTC, from `from` to `to` inclusive (YYYY-MM-DD). */
function daily(from: string, to: string): ArchiveRef[] {
  const out: ArchiveRef[] = [];
  for (let t = Date.parse(`${from}T03:00Z`); t <= Date.parse(`${to}T03:00Z`); t += 86_400_000) {
    out.push(archive(new Date(t).toISOString().slice(0, 16)));
  }
  return out;
}

const decide = suite('decideRetention');

decide('a year of daily archives, keep {last 3, daily 7, weekly 4, monthly 6}', () => {
  const archives = daily('2025-11-24', '2026-11-23');
  assert.is(archives.length, 365);
  const d = decideRetention(archives, { last: 3, daily: 7, weekly: 4, monthly: 6 }, 'UTC', '2026-11-23T03:00');
  assert.equal(text(d).keep, [
    '2026-11-23T03:00: newest verified, last 1, daily 2026-11-23, weekly 2026-W48, monthly 2026-11',
    '2026-11-22T03:00: last 2, daily 2026-11-22, weekly 2026-W47', // a Sunday: the end of ISO week 47
    '2026-11-21T03:00: last 3, daily 2026-11-21',
    '2026-11-20T03:00: daily 2026-11-20',
    '2026-11-19T03:00: daily 2026-11-19',
    '2026-11-18T03:00: daily 2026-11-18',
    '2026-11-17T03:00: daily 2026-11-17',
    '2026-11-15T03:00: weekly 2026-W46',
    '2026-11-08T03:00: weekly 2026-W45',
    '2026-10-31T03:00: monthly 2026-10',
    '2026-09-30T03:00: monthly 2026-09',
    '2026-08-31T03:00: monthly 2026-08',
    '2026-07-31T03:00: monthly 2026-07',
    '2026-06-30T03:00: monthly 2026-06',
  ]);
  assert.is(d.prune.length, 365 - 14);
  assert.is(d.prune[0]!.id, '2026-11-16T03:00');
  assert.is(d.prune.at(-1)!.id, '2025-11-24T03:00');
});

decide('the order of the input does not matter; output is newest first', () => {
  const archives = daily('2026-10-01', '2026-11-23');
  const keep = { last: 2, daily: 3, weekly: 2, monthly: 2 };
  const shuffled = [...archives].sort((a, b) => (a.id.slice(8) < b.id.slice(8) ? -1 : 1));
  assert.equal(text(decideRetention(shuffled, keep, 'UTC', '2026-11-23T03:00')), text(decideRetention(archives, keep, 'UTC', '2026-11-23T03:00')));
  const d = decideRetention(shuffled, keep, 'UTC', '2026-11-23T03:00');
  const times = [...d.keep.map((k) => k.archive), ...d.prune].map((a) => a.time.getTime());
  assert.ok(d.keep.every((k, i) => i === 0 || k.archive.time <= d.keep[i - 1]!.archive.time));
  assert.ok(d.prune.every((a, i) => i === 0 || a.time <= d.prune[i - 1]!.time));
  assert.is(times.length, archives.length);
});

decide('several archives a day: last counts archives, daily keeps the newest of each day', () => {
  const archives = [
    archive('2026-11-23T18:00'),
    archive('2026-11-23T12:00'),
    archive('2026-11-23T06:00'),
    archive('2026-11-22T18:00'),
    archive('2026-11-22T06:00'),
    archive('2026-11-21T06:00'),
  ];
  const d = decideRetention(archives, policy({ last: 2, daily: 2 }), 'UTC', '2026-11-23T18:00');
  assert.equal(text(d), {
    keep: [
      '2026-11-23T18:00: newest verified, last 1, daily 2026-11-23',
      '2026-11-23T12:00: last 2',
      '2026-11-22T18:00: daily 2026-11-22',
    ],
    prune: ['2026-11-23T06:00', '2026-11-22T06:00', '2026-11-21T06:00'],
  });
});

decide('failed archives: never counted, pruned when older than the run, kept when newer', () => {
  const archives = [
    failed('2026-11-24T03:00'), // a run still writing, or another host's clock
    archive('2026-11-23T03:00'),
    failed('2026-11-22T03:00'),
    failed('2026-11-21T03:00'),
    archive('2026-11-20T03:00'),
    archive('2026-11-19T03:00'),
  ];
  const d = decideRetention(archives, policy({ last: 2, daily: 3 }), 'UTC', '2026-11-23T03:00');
  assert.equal(text(d), {
    keep: [
      '2026-11-24T03:00: newer than the run',
      '2026-11-23T03:00: newest verified, last 1, daily 2026-11-23',
      // Days with only failed archives do not use up a daily bucket.
      '2026-11-20T03:00: last 2, daily 2026-11-20',
      '2026-11-19T03:00: daily 2026-11-19',
    ],
    prune: ['2026-11-22T03:00', '2026-11-21T03:00'],
  });
});

decide('a verified archive dated after the run (clock skew) is kept apart: it fills no bucket', () => {
  const archives = [archive('2027-01-01T00:00'), archive('2026-11-23T03:00'), archive('2026-11-22T03:00'), archive('2026-11-21T03:00')];
  const d = decideRetention(archives, policy({ last: 2 }), 'UTC', '2026-11-23T03:00');
  assert.equal(text(d), {
    keep: ['2027-01-01T00:00: newer than the run', '2026-11-23T03:00: newest verified, last 1', '2026-11-22T03:00: last 2'],
    prune: ['2026-11-21T03:00'],
  });
});

decide('keep all zeros: only the newest verified archive stays', () => {
  const archives = [archive('2026-11-23T03:00'), failed('2026-11-22T12:00'), archive('2026-11-22T03:00'), archive('2026-10-01T03:00')];
  const d = decideRetention(archives, policy({}), 'UTC', '2026-11-23T03:00');
  assert.equal(text(d), {
    keep: ['2026-11-23T03:00: newest verified'],
    prune: ['2026-11-22T12:00', '2026-11-22T03:00', '2026-10-01T03:00'],
  });
});

decide('one rule alone', () => {
  const archives = daily('2026-08-01', '2026-11-23');
  assert.equal(text(decideRetention(archives, policy({ monthly: 3 }), 'UTC', '2026-11-23T03:00')).keep, [
    '2026-11-23T03:00: newest verified, monthly 2026-11',
    '2026-10-31T03:00: monthly 2026-10',
    '2026-09-30T03:00: monthly 2026-09',
  ]);
  assert.equal(text(decideRetention(archives, policy({ last: 2 }), 'UTC', '2026-11-23T03:00')).keep, [
    '2026-11-23T03:00: newest verified, last 1',
    '2026-11-22T03:00: last 2',
  ]);
});

decide('more buckets than archives: everything verified stays', () => {
  const archives = daily('2026-11-20', '2026-11-23');
  const d = decideRetention(archives, { last: 10, daily: 10, weekly: 10, monthly: 10 }, 'UTC', '2026-11-23T03:00');
  assert.is(d.keep.length, 4);
  assert.equal(d.prune, []);
});

decide('the time zone moves the day boundary', () => {
  const archives = [archive('2026-11-23T03:00'), archive('2026-11-23T00:30'), archive('2026-11-22T23:30'), archive('2026-11-21T12:00')];
  // UTC: 23:30 is on the 22nd.
  assert.equal(text(decideRetention(archives, policy({ daily: 2 }), 'UTC', '2026-11-23T03:00')), {
    keep: ['2026-11-23T03:00: newest verified, daily 2026-11-23', '2026-11-22T23:30: daily 2026-11-22'],
    prune: ['2026-11-23T00:30', '2026-11-21T12:00'],
  });
  // Paris (UTC+1): 00:30 and 01:30 on the 23rd, so the day before with an archive is the 21st.
  assert.equal(text(decideRetention(archives, policy({ daily: 2 }), 'Europe/Paris', '2026-11-23T03:00')), {
    keep: ['2026-11-23T03:00: newest verified, daily 2026-11-23', '2026-11-21T12:00: daily 2026-11-21'],
    prune: ['2026-11-23T00:30', '2026-11-22T23:30'],
  });
  // New York (UTC-5): 03:00Z is still the 22nd there.
  assert.equal(text(decideRetention(archives, policy({ daily: 2 }), 'America/New_York', '2026-11-23T03:00')), {
    keep: ['2026-11-23T03:00: newest verified, daily 2026-11-22', '2026-11-21T12:00: daily 2026-11-21'],
    prune: ['2026-11-23T00:30', '2026-11-22T23:30'],
  });
});

decide('the time zone moves the month boundary too', () => {
  const archives = [archive('2026-11-23T03:00'), archive('2026-10-31T23:30'), archive('2026-10-15T12:00')];
  assert.equal(text(decideRetention(archives, policy({ monthly: 2 }), 'UTC', '2026-11-23T03:00')).keep, [
    '2026-11-23T03:00: newest verified, monthly 2026-11',
    '2026-10-31T23:30: monthly 2026-10',
  ]);
  // In Paris 23:30Z on 31 October is 00:30 on 1 November: the same month as the run.
  assert.equal(text(decideRetention(archives, policy({ monthly: 2 }), 'Europe/Paris', '2026-11-23T03:00')).keep, [
    '2026-11-23T03:00: newest verified, monthly 2026-11',
    '2026-10-15T12:00: monthly 2026-10',
  ]);
});

decide("the run's archive is the newest verified one even when another has the same time", () => {
  const archives = [archive('2026-11-23T03:00'), { id: 'zzz', time: new Date('2026-11-23T03:00Z'), verified: true }];
  const d = decideRetention(archives, policy({}), 'UTC', '2026-11-23T03:00');
  assert.equal(text(d), { keep: ['2026-11-23T03:00: newest verified'], prune: ['zzz'] });
});

decide('older verified archives never outrank the run: the run is always kept', () => {
  const archives = daily('2026-11-01', '2026-11-23');
  for (const keep of [policy({}), policy({ last: 1 }), policy({ daily: 1 }), policy({ weekly: 1 }), policy({ monthly: 1 })]) {
    const d = decideRetention(archives, keep, 'UTC', '2026-11-23T03:00');
    assert.is(d.keep[0]!.archive.id, '2026-11-23T03:00');
    assert.is(d.keep.length, 1);
  }
});

decide("callers' bugs throw: no verified run archive, duplicates, bad counts, bad time zone", () => {
  const archives = [archive('2026-11-23T03:00'), failed('2026-11-24T03:00')];
  assert.throws(() => decideRetention(archives, policy({}), 'UTC', 'missing'), /the run's archive missing is not in the list; nothing is pruned before a new archive exists/);
  assert.throws(() => decideRetention(archives, policy({}), 'UTC', '2026-11-24T03:00'), /the run's archive 2026-11-24T03:00 is not verified/);
  assert.throws(() => decideRetention([...archives, archive('2026-11-23T03:00')], policy({}), 'UTC', '2026-11-23T03:00'), /archive 2026-11-23T03:00 is listed twice/);
  assert.throws(() => decideRetention(archives, policy({ daily: -1 }), 'UTC', '2026-11-23T03:00'), /keep.daily must be a whole number ≥ 0, got -1/);
  assert.throws(() => decideRetention(archives, policy({ last: 1.5 }), 'UTC', '2026-11-23T03:00'), /keep.last must be a whole number/);
  assert.throws(() => decideRetention(archives, { last: 1 } as KeepPolicy, 'UTC', '2026-11-23T03:00'), /keep.daily must be a whole number ≥ 0, got undefined/);
  assert.throws(() => decideRetention(archives, policy({}), 'Mars/Olympus', '2026-11-23T03:00'), /unknown time zone "Mars\/Olympus"/);
  assert.throws(() => decideRetention([{ id: 'x', time: new Date('nope'), verified: true }], policy({}), 'UTC', 'x'), /archive x has an invalid time/);
});

const keys = suite('calendarKeys');

keys('day, ISO week and month, in the time zone', () => {
  assert.equal(calendarKeys(new Date('2026-11-23T03:00Z'), 'UTC'), { day: '2026-11-23', week: '2026-W48', month: '2026-11' });
  assert.equal(calendarKeys(new Date('2026-11-22T23:30Z'), 'Europe/Paris'), { day: '2026-11-23', week: '2026-W48', month: '2026-11' });
  assert.equal(calendarKeys(new Date('2026-11-23T03:00Z'), 'America/New_York'), { day: '2026-11-22', week: '2026-W47', month: '2026-11' });
});

keys('UTC, read without Intl, gives what Intl gives for Etc/UTC: at day, month and year boundaries, and over a leap day', () => {
  for (const t of ['2026-11-22T23:59:59.999Z', '2026-11-23T00:00Z', '2026-12-31T23:59:59Z', '2027-01-01T00:00Z', '2028-02-29T12:00Z', '2024-12-30T00:00Z', '1999-12-31T23:59Z']) {
    assert.equal(calendarKeys(new Date(t), 'UTC'), calendarKeys(new Date(t), 'Etc/UTC'), t);
  }
});

keys('ISO weeks at year ends belong to the year of their Thursday', () => {
  const week = (d: string) => calendarKeys(new Date(`${d}T12:00Z`), 'UTC').week;
  assert.is(week('2024-12-30'), '2025-W01'); // Monday
  assert.is(week('2021-01-03'), '2020-W53'); // Sunday
  assert.is(week('2027-01-01'), '2026-W53'); // Friday: 2026 has 53 weeks
  assert.is(week('2026-01-01'), '2026-W01'); // Thursday
  assert.is(week('2025-12-29'), '2026-W01'); // Monday of that week
  assert.is(week('2026-12-31'), '2026-W53');
});

decide.run();
keys.run();
