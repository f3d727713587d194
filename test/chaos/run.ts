/**
 * moor's chaos suite (`npm run chaos [-- <family|scenario>…]`): crash injection, bad input and
 * engine faults against the real engine; prints a table and exits 1 when any target is missed
 * (100% converged, 0 orphans, 0 bytes lost, 0 mutations and a proper diagnostic for bad input).
 * See docs/reliability.md.
 *
 * Families: crash (every crash scenario), bad-input, engine-faults; or one crash scenario by slug
 * (replace, network, rebuild, migrate, backup, restore, destroy), or engine-fault by name
 * (restart, disk, port). Knobs: CHAOS_POINTS (SIGKILL points per crash scenario, default 20),
 * CHAOS_SIGINT (extra SIGINT points, default 5), CHAOS_KEEP=1 keeps test/.tmp/<prefix>.
 */
import { APPLY_SCENARIOS } from './crash-apply.js';
import { DATA_SCENARIOS } from './crash-data.js';
import { runBadInput } from './bad-input.js';
import { ENGINE_FAULTS } from './engine-faults.js';
import { ChaosContext } from './lib/context.js';
import { runCrashScenario } from './lib/crash.js';
import { failureList, newRow, rowMissed, table, type Row } from './lib/report.js';

const CRASH = [...APPLY_SCENARIOS, ...DATA_SCENARIOS];
const args = process.argv.slice(2);
const wanted = (family: string, name: string) => !args.length || args.includes(family) || args.includes(name);
const known = new Set(['crash', 'bad-input', 'engine-faults', ...CRASH.map((c) => c.slug), ...ENGINE_FAULTS.map((f) => f.slug)]);
for (const a of args) {
  if (!known.has(a)) {
    console.error(`chaos: unknown family or scenario "${a}"; one of: ${[...known].join(', ')}`);
    process.exit(2);
  }
}

const want = Number(process.env.CHAOS_POINTS ?? 20);
const sigint = Number(process.env.CHAOS_SIGINT ?? 5);
const log = (l: string) => console.log(l);
const rows: Row[] = [];
const started = Date.now();
const ctx = new ChaosContext();
let interrupted = false;
process.once('SIGINT', () => { interrupted = true; });

try {
  await ctx.open();
  log(`chaos run ${ctx.prefix} (proxy ${ctx.proxy.socketPath})`);
  for (const sc of CRASH) {
    if (interrupted || !wanted('crash', sc.slug)) continue;
    log(`crash: ${sc.name}`);
    const s = ctx.stack(sc.slug);
    try {
      rows.push(await runCrashScenario(s, sc, 'crash', want, sigint, log));
    } catch (e) {
      const row = newRow('crash', sc.name);
      row.failures.push({ what: 'harness', symptom: (e as Error).stack ?? String(e) });
      rows.push(row);
    } finally {
      await s.cleanup().catch((e: Error) => log(`  cleanup: ${e.message}`));
    }
  }
  if (!interrupted && wanted('bad-input', 'bad-input')) {
    log('bad-input');
    rows.push(...(await runBadInput(ctx, log)));
  }
  for (const f of ENGINE_FAULTS) {
    if (interrupted || !wanted('engine-faults', f.slug)) continue;
    log(`engine-faults: ${f.name}`);
    try {
      rows.push(await f.run(ctx, log));
    } catch (e) {
      const row = newRow('engine-faults', f.name);
      row.failures.push({ what: 'harness', symptom: (e as Error).stack ?? String(e) });
      rows.push(row);
    }
  }
} finally {
  await ctx.close().catch((e: Error) => console.error(`chaos cleanup: ${e.message}`));
}

console.log(`\n${table(rows)}\n`);
const failures = failureList(rows);
if (failures) console.log(`Failures:\n${failures}\n`);
const missed = rows.filter(rowMissed);
console.log(`${rows.length} scenarios, ${missed.length} missed a target; ${((Date.now() - started) / 60000).toFixed(1)} min`);
process.exitCode = missed.length || interrupted ? 1 : 0;
