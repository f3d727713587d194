/** "did you mean": the closest known word, when it is close enough to be a likely typo. */

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** Flags other tools use for the same thing. */
const SYNONYMS: Record<string, string> = {
  'auto-approve': 'yes', 'approve': 'yes', 'force': 'yes', 'assume-yes': 'yes', 'non-interactive': 'yes',
  'parallelism': 'concurrency', 'parallel': 'concurrency', 'replace-all': 'replace', 'out-file': 'out', 'output': 'out',
  'environment': 'env', 'no-refresh': 'refresh=false', 'refresh-only': 'refresh', 'destroy-volumes': 'volumes', 'remove-volumes': 'volumes',
};

export function closest(word: string, known: readonly string[]): string | undefined {
  if (SYNONYMS[word] && (known.includes(SYNONYMS[word]!) || known.includes(SYNONYMS[word]!.split('=')[0]!))) return SYNONYMS[word];
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(word, k);
    if (d < bestD) { best = k; bestD = d; }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

export function didYouMean(word: string, known: readonly string[], prefix = ''): string {
  const c = closest(word, known);
  return c ? `; did you mean ${prefix}${c}?` : '';
}
