/**
 * Where a data copy's time goes, for the benchmarks: with MOOR_PHASE_TIMES=1 in the environment,
 * every timed phase writes one line `moor-phase: <name> <wall ms> <cpu ms>` to stderr when it
 * ends (or fails); cpu is the moor process's (all its threads) during the phase. Without it
 * nothing is printed or kept.
 */
export async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (process.env.MOOR_PHASE_TIMES !== '1') return work();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    return await work();
  } finally {
    const cpu = process.cpuUsage(cpu0);
    process.stderr.write(`moor-phase: ${name} ${Math.round(performance.now() - t0)} ${Math.round((cpu.user + cpu.system) / 1000)}\n`);
  }
}
