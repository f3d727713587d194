/** parseSchedule / nextRun / describeSchedule: classic cron in a stated time zone, DST as Vixie cron. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { describeSchedule, nextRun, parseSchedule, type Schedule } from '../../../core/backup/schedule.js';

function schedule(cron: string, timezone = 'UTC'): Schedule {
  const parsed = parseSchedule(cron, timezone);
  if (!parsed.ok) throw new Error(`expected "${cron}" to parse: ${parsed.error}`);
  return parsed.schedule;
}

function refusal(cron: string, timezone = 'UTC'): string {
  const parsed = parseSchedule(cron, timezone);
  if (parsed.ok) throw new Error(`expected "${cron}" (${timezone}) to be refused`);
  return parsed.error;
}

/** The next `n` runs after `from`, as ISO instants (UTC). */
function runs(s: Schedule, from: string, n: number): string[] {
  const out: string[] = [];
  let t = new Date(from);
  for (let i = 0; i < n; i++) {
    t = nextRun(s, t);
    out.push(t.toISOString());
  }
  return out;
}

const parse = suite('parseSchedule');

parse('5 fields, blanks collapsed; 6 fields have seconds first', () => {
  assert.equal(schedule('  0   3 * * * '), { cron: '0 3 * * *', timezone: 'UTC', seconds: false });
  assert.equal(schedule('*/10 * * * * *', 'Europe/Paris'), { cron: '*/10 * * * * *', timezone: 'Europe/Paris', seconds: true });
});

parse('lists, ranges, steps and names', () => {
  for (const cron of ['0,30 8-18/2 * * 1-5', '0 0 1 jan-mar/2 *', '0 0 * * MON-FRI', '0 0 * * mon,wed,fri', '0 0 * * 7', '0 0 * * 0-7', '*/59 * * * *', '0-10/10 * * * *', '0 0 29 2 *']) {
    assert.ok(parseSchedule(cron, 'UTC').ok, cron);
  }
});

parse('nicknames, any case', () => {
  for (const cron of ['@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually', '@DAILY']) {
    assert.equal(schedule(cron).cron, cron);
  }
});

parse('out of range values name the field and its range', () => {
  assert.is(refusal('61 * * * *'), 'minute 61 is out of range 0-59');
  assert.is(refusal('* 24 * * *'), 'hour 24 is out of range 0-23');
  assert.is(refusal('0 0 32 * *'), 'day-of-month 32 is out of range 1-31');
  assert.is(refusal('0 0 0 * *'), 'day-of-month 0 is out of range 1-31');
  assert.is(refusal('0 0 * 13 *'), 'month 13 is out of range 1-12');
  assert.is(refusal('0 0 * * 8'), 'day-of-week 8 is out of range 0-7');
  assert.is(refusal('60 * * * * *'), 'second 60 is out of range 0-59');
});

parse('bad shapes', () => {
  assert.is(refusal(''), 'the schedule is empty');
  assert.is(refusal('   '), 'the schedule is empty');
  assert.is(refusal('* * * *'), 'a schedule has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; "* * * *" has 4');
  assert.is(refusal('0 0 0 1 1 * 2030'), 'a schedule has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; "0 0 0 1 1 * 2030" has 7');
  assert.is(refusal('x * * * *'), 'minute "x" is not a number');
  assert.is(refusal('0 0 * MON *'), 'month "MON" is not a number or a name (JAN-DEC)');
  assert.is(refusal('0 0 * * WEDX'), 'day-of-week "WEDX" is not a number or a name (SUN-SAT)');
  assert.is(refusal('-5 * * * *'), 'minute "-5" is not a number, a range or a list');
  assert.is(refusal('1,,2 * * * *'), 'minute "1,,2" has an empty list item');
  assert.is(refusal('1-2-3 * * * *'), 'minute "1-2-3" is not a range');
  assert.is(refusal('1/2/3 * * * *'), 'minute "1/2/3" has two steps');
});

parse('ranges and steps', () => {
  assert.is(refusal('5-2 * * * *'), 'minute range 5-2 runs backwards');
  assert.is(refusal('0 0 * * SAT-SUN'), 'day-of-week range SAT-SUN runs backwards (Sunday is 0 or 7)');
  assert.is(refusal('*/0 * * * *'), 'minute step 0 must be at least 1');
  assert.is(refusal('*/x * * * *'), 'minute step "x" is not a number');
  // */60 would silently mean "0": refused rather than guessed.
  assert.is(refusal('*/60 * * * *'), 'minute step 60 is larger than the range 0-59');
  assert.is(refusal('0-10/11 * * * *'), 'minute step 11 is larger than the range 0-10');
  assert.is(refusal('5/15 * * * *'), 'minute "5/15": a step needs "*" or a range before it (write */15 or 5-59/15)');
});

parse("croner's extensions and @reboot are refused", () => {
  const ext = (field: string, text: string) =>
    `${field} "${text}" uses a cron extension (L, W, #, ? or +) that moor does not accept: write numbers, names, "*", ",", "-" and "/"`;
  assert.is(refusal('0 0 L * *'), ext('day-of-month', 'L'));
  assert.is(refusal('0 0 15W * *'), ext('day-of-month', '15W'));
  assert.is(refusal('0 0 ? * *'), ext('day-of-month', '?'));
  assert.is(refusal('0 0 * * FRI#2'), ext('day-of-week', 'FRI#2'));
  assert.is(refusal('0 0 * * 5L'), ext('day-of-week', '5L'));
  assert.is(refusal('0 12 1 * +MON'), ext('day-of-week', '+MON'));
  assert.is(refusal('@reboot'), '@reboot is not a time: a backup job runs on a schedule');
  assert.is(refusal('@often'), 'unknown schedule "@often" (use @hourly, @daily, @weekly, @monthly, @yearly or cron fields)');
});

parse('a schedule that never runs is refused; one that runs on weekdays anyway is not', () => {
  assert.is(refusal('0 0 30 2 *'), 'the schedule never runs: day-of-month 30 never falls in month 2');
  assert.is(refusal('0 0 31 2,4 *'), 'the schedule never runs: day-of-month 31 never falls in month 2,4');
  // Both day fields restricted: OR, so every Monday of February runs.
  assert.ok(parseSchedule('0 0 30 2 MON', 'UTC').ok);
});

parse('time zones: IANA names, checked', () => {
  assert.is(refusal('0 3 * * *', 'Europe/Pariss'), 'unknown time zone "Europe/Pariss" (use an IANA name such as UTC or Europe/Paris)');
  assert.is(refusal('0 3 * * *', ''), 'unknown time zone "" (use an IANA name such as UTC or Europe/Paris)');
  assert.is(refusal('0 3 * * *', '+01:00'), 'unknown time zone "+01:00" (use an IANA name such as UTC or Europe/Paris)');
  for (const tz of ['UTC', 'Europe/Paris', 'America/New_York', 'Etc/GMT-1', 'Asia/Kolkata']) assert.ok(parseSchedule('0 3 * * *', tz).ok, tz);
});

const next = suite('nextRun');

next('strictly after: a run exactly at `after` is not next', () => {
  const s = schedule('0 3 * * *');
  assert.is(nextRun(s, new Date('2026-01-01T02:59:59.999Z')).toISOString(), '2026-01-01T03:00:00.000Z');
  assert.is(nextRun(s, new Date('2026-01-01T03:00:00.000Z')).toISOString(), '2026-01-02T03:00:00.000Z');
  assert.is(nextRun(s, new Date('2026-01-01T03:00:00.500Z')).toISOString(), '2026-01-02T03:00:00.000Z');
});

next('the seconds field: every second, every 10 seconds', () => {
  assert.equal(runs(schedule('* * * * * *'), '2026-01-01T12:00:00.400Z', 3), ['2026-01-01T12:00:01.000Z', '2026-01-01T12:00:02.000Z', '2026-01-01T12:00:03.000Z']);
  assert.equal(runs(schedule('*/10 * * * * *'), '2026-01-01T12:00:05Z', 3), ['2026-01-01T12:00:10.000Z', '2026-01-01T12:00:20.000Z', '2026-01-01T12:00:30.000Z']);
  // 5 fields run at second 0.
  assert.equal(runs(schedule('* * * * *'), '2026-01-01T12:00:05Z', 2), ['2026-01-01T12:01:00.000Z', '2026-01-01T12:02:00.000Z']);
});

next('read in the time zone', () => {
  // Paris is UTC+1 in winter, UTC+2 in summer.
  assert.equal(runs(schedule('0 3 * * *', 'Europe/Paris'), '2026-01-10T12:00:00Z', 1), ['2026-01-11T02:00:00.000Z']);
  assert.equal(runs(schedule('0 3 * * *', 'Europe/Paris'), '2026-07-10T12:00:00Z', 1), ['2026-07-11T01:00:00.000Z']);
  assert.equal(runs(schedule('0 3 * * *', 'Asia/Kolkata'), '2026-01-10T12:00:00Z', 1), ['2026-01-10T21:30:00.000Z']);
});

next('day-of-month and day-of-week: OR when both are restricted, AND when one starts with *', () => {
  // 2026-01-01 is a Thursday.
  assert.equal(runs(schedule('0 0 1 * MON'), '2026-01-25T12:00:00Z', 3), ['2026-01-26T00:00:00.000Z', '2026-02-01T00:00:00.000Z', '2026-02-02T00:00:00.000Z']);
  // Mondays that fall on an odd day.
  assert.equal(runs(schedule('0 0 */2 * MON'), '2026-01-01T12:00:00Z', 3), ['2026-01-05T00:00:00.000Z', '2026-01-19T00:00:00.000Z', '2026-02-09T00:00:00.000Z']);
  assert.equal(runs(schedule('0 0 * * SUN'), '2026-01-01T12:00:00Z', 2), ['2026-01-04T00:00:00.000Z', '2026-01-11T00:00:00.000Z']);
  assert.equal(runs(schedule('0 0 * * 7'), '2026-01-01T12:00:00Z', 1), ['2026-01-04T00:00:00.000Z']);
});

next('nicknames', () => {
  assert.equal(runs(schedule('@daily', 'Europe/Paris'), '2026-01-10T12:00:00Z', 1), ['2026-01-10T23:00:00.000Z']);
  assert.equal(runs(schedule('@weekly'), '2026-01-01T12:00:00Z', 1), ['2026-01-04T00:00:00.000Z']);
  assert.equal(runs(schedule('@monthly'), '2026-01-01T12:00:00Z', 1), ['2026-02-01T00:00:00.000Z']);
  assert.equal(runs(schedule('@hourly'), '2026-01-01T12:00:00Z', 1), ['2026-01-01T13:00:00.000Z']);
});

next('leap day', () => {
  assert.equal(runs(schedule('0 0 29 2 *'), '2026-01-01T00:00:00Z', 2), ['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']);
});

next('a schedule rebuilt from plain data (a label) runs the same', () => {
  const fromLabel = JSON.parse(JSON.stringify(schedule('30 2 * * *', 'Europe/Paris'))) as Schedule;
  assert.equal(runs(fromLabel, '2026-01-10T12:00:00Z', 1), ['2026-01-11T01:30:00.000Z']);
  assert.throws(() => nextRun({ cron: '61 * * * *', timezone: 'UTC', seconds: false }, new Date()), /invalid schedule: minute 61 is out of range 0-59/);
});

// Europe/Paris, 2026: clocks go 02:00 CET → 03:00 CEST on Sunday 29 March, and 03:00 CEST → 02:00 CET
// on Sunday 25 October.
const dst = suite('nextRun across DST (Europe/Paris)');

dst('spring forward: a 02:30 job runs once at 03:00 CEST, the first time after the gap, the same day', () => {
  assert.equal(runs(schedule('30 2 * * *', 'Europe/Paris'), '2026-03-27T12:00:00Z', 4), [
    '2026-03-28T01:30:00.000Z', // 02:30 CET
    '2026-03-29T01:00:00.000Z', // 03:00 CEST: 02:30 does not exist that day
    '2026-03-30T00:30:00.000Z', // 02:30 CEST
    '2026-03-31T00:30:00.000Z',
  ]);
});

dst('fall back: a 02:30 job runs once, at the first 02:30 (CEST)', () => {
  assert.equal(runs(schedule('30 2 * * *', 'Europe/Paris'), '2026-10-24T12:00:00Z', 3), [
    '2026-10-25T00:30:00.000Z', // 02:30 CEST; the second 02:30 (CET, 01:30Z) does not run
    '2026-10-26T01:30:00.000Z', // 02:30 CET
    '2026-10-27T01:30:00.000Z',
  ]);
});

dst('a list of hours is a fixed-time job too (Vixie cron): 02:30 runs at 03:00 on the spring-forward day', () => {
  assert.equal(runs(schedule('30 2,14 * * *', 'Europe/Paris'), '2026-03-28T12:00:00Z', 3), [
    '2026-03-28T13:30:00.000Z',
    '2026-03-29T01:00:00.000Z',
    '2026-03-29T12:30:00.000Z',
  ]);
});

dst('an interval job keeps real-time rhythm: skips the gap, runs through the repeated hour twice', () => {
  // Spring: 01:45 CET, then 03:00 CEST (01:00Z); nothing in 02:00-02:59.
  assert.equal(runs(schedule('*/15 * * * *', 'Europe/Paris'), '2026-03-29T00:40:00Z', 3), ['2026-03-29T00:45:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:15:00.000Z']);
  // Fall: 02:45 CEST (00:45Z), then 02:00 CET (01:00Z) again.
  assert.equal(runs(schedule('*/15 * * * *', 'Europe/Paris'), '2026-10-25T00:40:00Z', 3), ['2026-10-25T00:45:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T01:15:00.000Z']);
});

dst('a daily job is 23 or 25 hours apart across the changes, and 24 hours otherwise', () => {
  const s = schedule('0 3 * * *', 'Europe/Paris');
  const gap = (from: string) => {
    const a = nextRun(s, new Date(from));
    return (nextRun(s, a).getTime() - a.getTime()) / 3_600_000;
  };
  assert.is(gap('2026-03-28T00:00:00Z'), 23);
  assert.is(gap('2026-10-24T00:00:00Z'), 25);
  assert.is(gap('2026-06-01T00:00:00Z'), 24);
});

const describe = suite('describeSchedule');

describe('the expression as written and its time zone', () => {
  assert.is(describeSchedule(schedule('0 3 * * *', 'Europe/Paris')), '0 3 * * * (Europe/Paris)');
  assert.is(describeSchedule(schedule('@daily')), '@daily (UTC)');
  assert.is(describeSchedule(schedule('*/5  * * * * *')), '*/5 * * * * * (UTC)');
});

parse.run();
next.run();
dst.run();
describe.run();
