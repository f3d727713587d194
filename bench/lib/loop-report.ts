/**
 * The loop scenario's results: each command against `node -e 0` timed in the same rounds, as a
 * markdown table and the targets. Pure: samples in, numbers and text out.
 */
import { median, pairedRatio, ratio, summarize, type Summary } from './stats.js';

export interface CommandSamples {
  id: string;
  /** What the table shows, e.g. "`moor plan` (warm caches)". */
  label: string;
  /** Target for the ratio of medians to the baseline; none for the baseline and for comparisons. */
  target?: number;
  /** Per round, in the same order for every command (round i of each ran in the same round). */
  wallMs: number[];
  userMs: number[];
  sysMs: number[];
  /** CPU time of the whole machine while the command ran (every process, the engine's too); kept in the JSON only. */
  machineCpuMs?: number[];
}

export interface CommandResult {
  id: string;
  label: string;
  target?: number;
  wall: Summary;
  /** user + system CPU of the process tree. */
  cpu: Summary;
  user: Summary;
  sys: Summary;
  /** Ratio of the medians to the baseline's (what the target is judged on). */
  ratio: number;
  /** Median of the per-round ratios to the baseline. */
  paired: number;
  /** CPU: ratio of the medians, and the median of per-round ratios. */
  cpuRatio: number;
  cpuPaired: number;
  met?: boolean;
}

export function evaluate(baseline: CommandSamples, commands: CommandSamples[]): CommandResult[] {
  const cpuOf = (c: CommandSamples) => c.userMs.map((u, i) => u + c.sysMs[i]!);
  const baseCpu = cpuOf(baseline);
  return [baseline, ...commands].map((c) => {
    const cpu = cpuOf(c);
    const r = ratio(median(c.wallMs), median(baseline.wallMs));
    return {
      id: c.id,
      label: c.label,
      ...(c.target !== undefined ? { target: c.target, met: r <= c.target } : {}),
      wall: summarize(c.wallMs),
      cpu: summarize(cpu),
      user: summarize(c.userMs),
      sys: summarize(c.sysMs),
      ratio: r,
      paired: pairedRatio(c.wallMs, baseline.wallMs),
      cpuRatio: ratio(median(cpu), median(baseCpu)),
      cpuPaired: pairedRatio(cpu, baseCpu),
    };
  });
}

const ms = (x: number) => (Number.isFinite(x) ? String(Math.round(x)) : '?');
const x = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '?');
const range = (s: Summary) => (s.samples.length > 1 ? `${ms(s.median)} (${ms(s.min)}–${ms(s.max)})` : ms(s.median));

export function renderLoopTable(results: CommandResult[], rounds: number): string {
  return [
    `#### ${rounds} rounds, every command once per round, interleaved; ms, median (min–max), whole process`,
    '',
    '| command | wall ms | ratio to `node -e 0` (medians) | paired: median of per-round ratios | CPU user+sys ms (user / sys) | CPU ratio (medians; paired) |',
    '|---|---|---|---|---|---|',
    ...results.map((r) =>
      `| ${r.label} | ${range(r.wall)} | ${x(r.ratio)} | ${x(r.paired)} | ${ms(r.cpu.median)} (${ms(r.user.median)} / ${ms(r.sys.median)}) | ${x(r.cpuRatio)}; ${x(r.cpuPaired)} |`),
    '',
  ].join('\n');
}

export function renderLoopTargets(results: CommandResult[]): string {
  const judged = results.filter((r) => r.target !== undefined);
  return [
    '| target | ratio of medians (paired) | |',
    '|---|---|---|',
    ...judged.map((r) => `| ${r.label} ≤ ${r.target}× \`node -e 0\` | ${x(r.ratio)} (${x(r.paired)}) | ${r.met ? 'met' : '**not met**'} |`),
    '',
    `${judged.filter((r) => r.met).length} of ${judged.length} targets met.`,
    '',
  ].join('\n');
}
