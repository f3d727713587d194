/**
 * Which archives a backup job keeps after a run, and which it prunes. Pure: the run's own archive
 * (just made and verified) is the clock, the time zone is passed in.
 *
 * The rules, as restic's and borg's `forget`/`prune`:
 * - Only verified archives count. Walking them newest first:
 *   - `last N` keeps the N newest;
 *   - `daily D` keeps, for each of the D most recent calendar days (in `timezone`) that have a verified
 *     archive, the newest archive of that day; `weekly W` the same per ISO week (weeks start on Monday,
 *     `2026-W48`), `monthly M` per calendar month. Days without an archive do not use up a bucket.
 *   - An archive kept by several rules lists every reason: `last 1`, `daily 2026-11-23`,
 *     `weekly 2026-W48`, `monthly 2026-11`.
 * - The newest verified archive is always kept (`newest verified`), even when every count is 0.
 *   It is the run's own archive: pruning happens only after a run made and verified one, so
 *   `justVerified` must name a verified archive of the list (anything else is a bug: it throws).
 * - Anything dated after the run's archive (clock skew, another host's clock) is kept and set apart,
 *   verified or not (`newer than the run`): it neither fills buckets nor gets pruned.
 * - Unverified archives (a failed or interrupted run) not newer than the run's are pruned.
 *
 * Archives are ordered newest first: by time, the run's own archive first among equal times, then by id.
 */

export interface ArchiveRef {
  id: string;
  time: Date;
  verified: boolean;
}

export interface KeepPolicy {
  last: number;
  daily: number;
  weekly: number;
  monthly: number;
}

export interface RetentionDecision {
  /** Newest first, each with why it stays. */
  keep: { archive: ArchiveRef; reasons: string[] }[];
  /** Newest first. */
  prune: ArchiveRef[];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar date of an instant in a time zone. UTC (the schedules' default) without Intl: its
 * first formatter costs ≈ 13 ms (ICU's zone data loaded), as much as a backup's whole prune here.
 */
function calendarDate(time: Date, timezone: string): { year: number; month: number; day: number } {
  if (timezone === 'UTC') return { year: time.getUTCFullYear(), month: time.getUTCMonth() + 1, day: time.getUTCDate() };
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric', month: 'numeric', day: 'numeric' });
    formatters.set(timezone, f);
  }
  const parts = f.formatToParts(time);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: part('year'), month: part('month'), day: part('day') };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The buckets an archive falls in: `2026-11-23`, `2026-W48`, `2026-11`. */
export interface CalendarKeys {
  day: string;
  week: string;
  month: string;
}

export function calendarKeys(time: Date, timezone: string): CalendarKeys {
  const { year, month, day } = calendarDate(time, timezone);
  // ISO 8601 week: the week (Monday to Sunday) belongs to the year of its Thursday.
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = (date.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = new Date(date.getTime() + (3 - weekday) * 86_400_000);
  const weekYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * 86_400_000)) + 1;
  return { day: `${year}-${pad(month)}-${pad(day)}`, week: `${weekYear}-W${pad(week)}`, month: `${year}-${pad(month)}` };
}

function checkInputs(archives: ArchiveRef[], keep: KeepPolicy, timezone: string, justVerified: string): ArchiveRef {
  for (const rule of ['last', 'daily', 'weekly', 'monthly'] as const) {
    const n = keep[rule];
    if (!Number.isInteger(n) || n < 0) throw new Error(`retention: keep.${rule} must be a whole number ≥ 0, got ${n}`);
  }
  const ids = new Set<string>();
  for (const a of archives) {
    if (ids.has(a.id)) throw new Error(`retention: archive ${a.id} is listed twice`);
    if (Number.isNaN(a.time.getTime())) throw new Error(`retention: archive ${a.id} has an invalid time`);
    ids.add(a.id);
  }
  try {
    if (timezone !== 'UTC') new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new Error(`retention: unknown time zone "${timezone}"`);
  }
  const run = archives.find((a) => a.id === justVerified);
  if (!run) throw new Error(`retention: the run's archive ${justVerified} is not in the list; nothing is pruned before a new archive exists`);
  if (!run.verified) throw new Error(`retention: the run's archive ${justVerified} is not verified; nothing is pruned before a verified archive exists`);
  return run;
}

/** Decide what stays and what goes; throws only on a caller's bug (see checkInputs), never on the archives themselves. */
export function decideRetention(archives: ArchiveRef[], keep: KeepPolicy, timezone: string, justVerified: string): RetentionDecision {
  const run = checkInputs(archives, keep, timezone, justVerified);
  const runTime = run.time.getTime();
  const sorted = [...archives].sort(
    (a, b) => b.time.getTime() - a.time.getTime() || Number(b.id === justVerified) - Number(a.id === justVerified) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  );
  const reasons = new Map<string, string[]>();
  const because = (a: ArchiveRef, why: string) => reasons.set(a.id, [...(reasons.get(a.id) ?? []), why]);

  const counted: ArchiveRef[] = [];
  for (const a of sorted) {
    if (a.time.getTime() > runTime) because(a, 'newer than the run');
    else if (a.verified) counted.push(a);
  }
  // The run's archive is first: the newest verified one not after the run.
  because(counted[0]!, 'newest verified');
  counted.slice(0, keep.last).forEach((a, i) => because(a, `last ${i + 1}`));
  const buckets: { rule: string; count: number; key: (k: CalendarKeys) => string }[] = [
    { rule: 'daily', count: keep.daily, key: (k) => k.day },
    { rule: 'weekly', count: keep.weekly, key: (k) => k.week },
    { rule: 'monthly', count: keep.monthly, key: (k) => k.month },
  ];
  // Only the calendar rules need the archives' dates.
  const keys = new Map(buckets.some((b) => b.count > 0) ? counted.map((a) => [a.id, calendarKeys(a.time, timezone)]) : []);
  for (const { rule, count, key } of buckets) {
    if (count === 0) continue;
    const seen = new Set<string>();
    for (const a of counted) {
      if (seen.size >= count) break;
      const k = key(keys.get(a.id)!);
      if (seen.has(k)) continue;
      seen.add(k);
      because(a, `${rule} ${k}`);
    }
  }
  return {
    keep: sorted.filter((a) => reasons.has(a.id)).map((archive) => ({ archive, reasons: reasons.get(archive.id)! })),
    prune: sorted.filter((a) => !reasons.has(a.id)),
  };
}
