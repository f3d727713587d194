/** Durations and byte sizes as stacks and flags write them; plain functions, no validator needed. */

/** Go's duration style: '2s', '1m30s', '500ms'. */
export const DURATION = /^(\d+(?:\.\d+)?(?:ns|us|ms|s|m|h))+$/;
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A duration string, or a number of seconds, in nanoseconds. */
export function durationToNanos(value: string | number): number {
  if (typeof value === 'number') return Math.round(value * 1e9);
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/g)) total += Number(m[1]) * UNIT_NS[m[2]!]!;
  return Math.round(total);
}

/** '64m', '1g', '512MiB' or a number of bytes. */
export const SIZE = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i;

/** Bytes of a size; NaN for text that is not one (zod may run a refinement on a value its regex refused). */
export function sizeToBytes(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = SIZE.exec(value.trim());
  if (!m) return NaN;
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  return Math.round(Number(m[1]) * mult[m[2]!.toLowerCase()]!);
}
