import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTimes } from '../../../bench/lib/cpu-time.js';
import { evaluate, renderLoopTargets, type CommandSamples } from '../../../bench/lib/loop-report.js';
import { demoCopy, editStack, freePort } from '../../../bench/lib/loop-stack.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');

const stack = suite('bench loop: the demo copy');

stack('stacks/demo.ts still has what the copy renames: stack name and port, once each', async () => {
  const demo = await readFile(path.join(repo, 'stacks', 'demo.ts'), 'utf8');
  const copy = demoCopy(demo, 'mbenchabc123', 41234);
  assert.ok(copy.includes("stack('mbenchabc123',"));
  assert.ok(copy.includes('host: 41234,'));
  assert.not.ok(copy.includes("stack('shop',"));
  assert.not.ok(copy.includes('host: 8080'));
});

stack('a demo that changed its name or port is an error naming the file to update', () => {
  assert.throws(() => demoCopy("stack('other', () => {})", 'mbenchx', 1), /stacks\/demo\.ts changed.*loop-stack\.ts/);
});

stack('each edit is new content and only one edit comment stays at the end', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'moor-bench-loop-'));
  try {
    const file = path.join(dir, 's.ts');
    await writeFile(file, 'export default 1;\n');
    await editStack(file, 'round 1 aa');
    const one = await readFile(file, 'utf8');
    await editStack(file, 'round 2 bb');
    const two = await readFile(file, 'utf8');
    assert.is(one, 'export default 1;\n// bench edit round 1 aa\n');
    assert.is(two, 'export default 1;\n// bench edit round 2 bb\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

stack('freePort gives a port in the unprivileged range', async () => {
  const port = await freePort();
  assert.ok(port > 1024 && port < 65536);
});

const report = suite('bench loop: ratios');

const samples = (id: string, wallMs: number[], cpu: number[], target?: number): CommandSamples =>
  ({ id, label: id, ...(target !== undefined ? { target } : {}), wallMs, userMs: cpu, sysMs: cpu.map(() => 1) });

report('ratio of medians, median of per-round ratios, CPU user+sys; targets judged on the ratio of medians', () => {
  const base = samples('node', [100, 50, 200], [60, 60, 60]);
  const version = samples('version', [140, 90, 150], [70, 64, 79], 1.5);
  const plan = samples('plan', [400, 160, 300], [200, 200, 200], 3);
  const [b, v, p] = evaluate(base, [version, plan]);
  assert.is(b!.ratio, 1);
  assert.is(b!.met, undefined);
  assert.is(v!.ratio, 1.4); // 140 / 100
  assert.is(v!.paired, 1.4); // median of 1.4, 1.8, 0.75
  assert.is(v!.cpu.median, 71); // 70 + 1
  assert.is(v!.cpuRatio, 71 / 61);
  assert.is(v!.met, true);
  assert.is(p!.ratio, 3); // 300 / 100
  assert.is(p!.paired, 3.2); // median of 4, 3.2, 1.5
  assert.is(p!.met, true);
  const text = renderLoopTargets([b!, v!, p!]);
  assert.ok(text.includes('2 of 2 targets met.'));
  const slower = evaluate(base, [samples('plan', [301, 301, 301], [1, 1, 1], 3)]);
  assert.is(slower[1]!.met, false);
  assert.ok(renderLoopTargets(slower).includes('**not met**'));
});

report("bash time's line: three decimals → ms; anything else NaN", () => {
  assert.equal(parseTimes('0.061 0.012\n'), { userMs: 61, sysMs: 12 });
  assert.ok(Number.isNaN(parseTimes('bash: oops').userMs));
});

stack.run();
report.run();
