/** Medians and the ratios the targets are stated in. */

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function summarize(samples: readonly number[]): Summary {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples: [...samples] };
}

export const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN);

/**
 * The median of per-run ratios a[i]/b[i]: each pair ran in the same round, minutes apart at most,
 * so load from other work on the machine weighs on both sides of most pairs.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  const k = Math.min(a.length, b.length);
  return median(Array.from({ length: k }, (_, i) => a[i]! / b[i]!));
}
