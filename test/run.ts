/**
 * Test runner: every `*.test.ts` under test/ (or the paths given), through uvu, in one process.
 * Ends with the plain line "N passed, N failed, N skipped".
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.dirname(new URL(import.meta.url).pathname);
const args = process.argv.slice(2);
const find = (p: string): string[] =>
  statSync(p).isDirectory()
    ? readdirSync(p).sort().flatMap((f) => find(path.join(p, f)))
    : p.endsWith('.test.ts') ? [p] : [];
// The fast tier first: unit tests need no engine and fail in seconds.
const files = (args.length ? args.map((a) => path.resolve(a)) : [path.join(root, 'unit'), path.join(root, 'e2e')]).flatMap(find);

let captured = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  captured = (captured + chunk.toString()).slice(-2000);
  return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;

(globalThis as Record<string, unknown>).UVU_DEFER = 1;
const uvu = await import('uvu');
const queue = (globalThis as unknown as { UVU_QUEUE: unknown[][] }).UVU_QUEUE;
let index = 0;
for (const file of files) {
  (globalThis as Record<string, unknown>).UVU_INDEX = index++;
  queue.push([path.relative(process.cwd(), file)]);
  await import(pathToFileURL(file).href);
}
await uvu.exec(false);
process.stdout.write = write;
const plain = captured.replace(/\x1b\[[0-9;]*m/g, '');
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
// uvu's Total does not count skipped tests.
const failed = total - passed;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (total === 0) process.exitCode = 1;
