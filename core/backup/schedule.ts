/**
 * A backup job's schedule: a classic cron expression read in a stated time zone.
 *
 * The grammar is classic (Vixie) cron, checked here so a mistake gets a plain message
 * ("minute 61 is out of range 0-59") before croner computes the run times:
 * - 5 fields `minute hour day-of-month month day-of-week`, or 6 with seconds first
 *   (`*\/10 * * * * *`: for tests and fast jobs). No year field.
 * - each field a list of `*`, `n`, `a-b`, `*\/step` or `a-b/step`; months JAN-DEC and days
 *   SUN-SAT by name too; day-of-week 0-7, 0 and 7 both Sunday.
 * - `@hourly`, `@daily` (`@midnight`), `@weekly`, `@monthly`, `@yearly` (`@annually`).
 * - refused: croner's extensions `L`, `W`, `#`, `?` and the `+` AND-modifier, `5/15` (write
 *   `5-59/15`), steps larger than their range (`*\/60` would silently mean `0`), `@reboot`, and a
 *   schedule that never runs (`0 0 30 2 *`). A backup needs none of them, and each reads differently
 *   from one cron to the next.
 *
 * Day-of-month and day-of-week combine as in Vixie cron: when both fields are restricted, a day
 * matching either runs (`0 3 1 * MON`: the 1st and every Monday); when either field starts with `*`,
 * both must match (`0 3 *\/2 * MON`: Mondays on odd days). Croner's own default is OR whenever
 * neither field is exactly `*`, so its `domAndDow` option is set from the fields here.
 *
 * Daylight-saving time, as Vixie cron (croner `fixedTimeRule: 'no-wildcard'`):
 * - a fixed-time job (no `*` or step in seconds, minutes and hours: `30 2 * * *`, `0 2,14 * * *`)
 *   whose time falls in the spring-forward gap runs once at the end of the gap (03:00 in
 *   Europe/Paris), the same day; a time that occurs twice (fall back) runs once, at the first one.
 * - an interval job (`*\/15 * * * *`, `0 * * * *`) skips times in the gap and runs on both
 *   occurrences of a repeated time: it keeps its rhythm in real time.
 */
import { Cron } from 'croner';

/** A parsed, valid schedule: plain data (it can sit in a plan or a label); run times come from nextRun. */
export interface Schedule {
  /** The expression as written, blanks collapsed: `0 3 * * *`, `@daily`, `*\/10 * * * * *`. */
  readonly cron: string;
  /** The IANA time zone the expression is read in, as written: `UTC`, `Europe/Paris`. */
  readonly timezone: string;
  /** True when the expression has a leading seconds field. */
  readonly seconds: boolean;
}

export type ParsedSchedule = { ok: true; schedule: Schedule } | { ok: false; error: string };

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Names accepted for values, index + offset = value. */
  names?: string[];
  offset?: number;
}

const SECOND: FieldSpec = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldSpec = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldSpec = { name: 'hour', min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldSpec = {
  name: 'month', min: 1, max: 12, offset: 1,
  names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
};
const DAY_OF_WEEK: FieldSpec = { name: 'day-of-week', min: 0, max: 7, offset: 0, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] };

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Croner's extensions: `?`, `L`, `LW`, `15W`, `5L`/`FRIL`, `5#2`/`FRI#L`, `+MON`. */
const EXTENSION = /^(\?|L|LW|\d+W|\d+L|[A-Z]{3}L|\w+#\w+|\+.*)$/i;

/** The longest each month can be (February in a leap year). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Read one field into the set of values it matches, or say what is wrong with it. */
function readField(text: string, f: FieldSpec): { values: Set<number> } | { error: string } {
  const values = new Set<number>();
  const value = (token: string): number | string => {
    if (/^\d+$/.test(token)) {
      const n = Number(token);
      return n < f.min || n > f.max ? `${f.name} ${token} is out of range ${f.min}-${f.max}` : n;
    }
    const named = f.names?.indexOf(token.toUpperCase()) ?? -1;
    if (named >= 0) return named + (f.offset ?? 0);
    if (EXTENSION.test(token)) {
      return `${f.name} "${text}" uses a cron extension (L, W, #, ? or +) that moor does not accept: write numbers, names, "*", ",", "-" and "/"`;
    }
    if (token === '') return `${f.name} "${text}" is not a number, a range or a list`;
    return `${f.name} "${token}" is not a number${f.names ? ` or a name (${f.names[0]}-${f.names.at(-1)})` : ''}`;
  };
  for (const item of text.split(',')) {
    if (item === '') return { error: `${f.name} "${text}" has an empty list item` };
    const [range = '', step, extra] = item.split('/');
    if (extra !== undefined) return { error: `${f.name} "${item}" has two steps` };
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = f.min;
      hi = f === DAY_OF_WEEK ? 6 : f.max;
    } else {
      const [a = '', b, more] = range.split('-');
      if (more !== undefined) return { error: `${f.name} "${item}" is not a range` };
      const from = value(a);
      if (typeof from === 'string') return { error: from };
      const to = b === undefined ? from : value(b);
      if (typeof to === 'string') return { error: to };
      if (to < from) return { error: `${f.name} range ${range} runs backwards${f === DAY_OF_WEEK ? ' (Sunday is 0 or 7)' : ''}` };
      if (b === undefined && step !== undefined) {
        return { error: `${f.name} "${item}": a step needs "*" or a range before it (write */${step} or ${a}-${f.max}/${step})` };
      }
      lo = from;
      hi = to;
    }
    let every = 1;
    if (step !== undefined) {
      if (!/^\d+$/.test(step)) return { error: `${f.name} step "${step}" is not a number` };
      every = Number(step);
      if (every < 1) return { error: `${f.name} step ${step} must be at least 1` };
      const span = range === '*' ? `${f.min}-${f.max}` : range;
      if (every > (range === '*' ? f.max - f.min : hi - lo)) return { error: `${f.name} step ${step} is larger than the range ${span}` };
    }
    for (let v = lo; v <= hi; v += every) values.add(f === DAY_OF_WEEK && v === 7 ? 0 : v);
  }
  return { values };
}

/** The validated schedule's croner options: how it runs, once the text is known to be classic cron. */
function cronerFor(fields: string[], timezone: string): Cron {
  const dom = fields.at(-3)!;
  const dow = fields.at(-1)!;
  return new Cron(fields.join(' '), {
    paused: true,
    timezone,
    mode: fields.length === 6 ? '6-part' : '5-part',
    // Vixie cron: a field starting with "*" makes the two day fields AND; otherwise OR.
    domAndDow: dom.startsWith('*') || dow.startsWith('*'),
    fixedTimeRule: 'no-wildcard',
  });
}

/** Is `name` a time zone the platform knows (an IANA name such as UTC or Europe/Paris)? */
export function isTimeZone(name: string): boolean {
  // The common case without loading the platform's time-zone data (≈13 ms on a warm plan).
  if (name === 'UTC' || name === 'Etc/UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name.trim() !== '';
  } catch {
    return false;
  }
}

/** The fields of an expression, a nickname expanded, or what is wrong with its shape. */
function fieldsOf(cron: string): string[] | string {
  if (cron === '') return 'the schedule is empty';
  if (cron.startsWith('@')) {
    const expanded = NICKNAMES[cron.toLowerCase()];
    if (expanded) return expanded.split(' ');
    if (cron.toLowerCase() === '@reboot') return '@reboot is not a time: a backup job runs on a schedule';
    return `unknown schedule "${cron}" (use @hourly, @daily, @weekly, @monthly, @yearly or cron fields)`;
  }
  const fields = cron.split(' ');
  if (fields.length !== 5 && fields.length !== 6) {
    return `a schedule has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; "${cron}" has ${fields.length}`;
  }
  return fields;
}

/** Parse a cron expression read in `timezone`; every refusal is a plain sentence for the user. */
export function parseSchedule(cron: string, timezone: string): ParsedSchedule {
  const text = cron.trim().replace(/\s+/g, ' ');
  const fields = fieldsOf(text);
  if (typeof fields === 'string') return { ok: false, error: fields };
  const specs = fields.length === 6 ? [SECOND, MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK] : [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK];
  const sets: Set<number>[] = [];
  for (const [i, spec] of specs.entries()) {
    const read = readField(fields[i]!, spec);
    if ('error' in read) return { ok: false, error: read.error };
    sets.push(read.values);
  }
  const [days, months] = [sets.at(-3)!, sets.at(-2)!];
  const dom = fields.at(-3)!;
  const dow = fields.at(-1)!;
  // With AND (either day field starts with "*"), only the month's days can run: some must exist.
  // With OR, the day-of-week field alone always finds days.
  const domDecides = dom.startsWith('*') || dow.startsWith('*');
  if (domDecides && ![...months].some((m) => [...days].some((d) => d <= MONTH_DAYS[m - 1]!))) {
    return { ok: false, error: `the schedule never runs: day-of-month ${dom} never falls in month ${fields.at(-2)}` };
  }
  if (!isTimeZone(timezone)) {
    return { ok: false, error: `unknown time zone "${timezone}" (use an IANA name such as UTC or Europe/Paris)` };
  }
  try {
    cronerFor(fields, timezone);
  } catch (e) {
    // The checks above should leave croner nothing to refuse; if it does, say so in its words.
    return { ok: false, error: `schedule "${text}": ${(e as Error).message}` };
  }
  return { ok: true, schedule: { cron: text, timezone, seconds: fields.length === 6 } };
}

const crons = new WeakMap<Schedule, Cron>();

function cronOf(schedule: Schedule): Cron {
  let cron = crons.get(schedule);
  if (!cron) {
    const parsed = parseSchedule(schedule.cron, schedule.timezone);
    if (!parsed.ok) throw new Error(`invalid schedule: ${parsed.error}`);
    cron = cronerFor(fieldsOf(parsed.schedule.cron) as string[], schedule.timezone);
    crons.set(schedule, cron);
  }
  return cron;
}

/** The first run strictly after `after` (whole seconds: a run at exactly `after` is not next). */
export function nextRun(schedule: Schedule, after: Date): Date {
  const next = cronOf(schedule).nextRun(after);
  // parseSchedule refuses schedules that never run; only the year 9999 could end one.
  if (!next) throw new Error(`the schedule ${describeSchedule(schedule)} has no run after ${after.toISOString()}`);
  return next;
}

/** `0 3 * * * (Europe/Paris)`: the expression as written and its time zone. */
export function describeSchedule(schedule: Schedule): string {
  return `${schedule.cron} (${schedule.timezone})`;
}
