/**
 * The loop scenario's stack: a copy of stacks/demo.ts (the README's demo: a built image, a
 * network, two volumes, two containers with a healthcheck and a dependency, a published port, a
 * backup job) renamed so every engine object starts with the run's prefix, its image built from
 * its own context (stacks/tools' Dockerfile and www/, the benchmark's busybox), and its port moved
 * to a free one on 127.0.0.1 so it cannot collide with anything else on the machine.
 */
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/** A TCP port nothing listens on right now (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function replaceOnce(text: string, from: string, to: string): string {
  if (text.split(from).length !== 2) throw new Error(`stacks/demo.ts changed: expected ${JSON.stringify(from)} exactly once; update bench/lib/loop-stack.ts`);
  return text.replace(from, to);
}

/** The demo stack's text under `stackName`, its web port moved to `port`. */
export function demoCopy(demo: string, stackName: string, port: number): string {
  let text = replaceOnce(demo, "stack('shop',", `stack('${stackName}',`);
  text = replaceOnce(text, 'host: 8080,', `host: ${port},`);
  return `// Copied from stacks/demo.ts by bench/scenarios/loop.ts (stack renamed, port moved).\n${text}`;
}

/**
 * Write the demo copy into `dir` (as each of `files`) with its build context `dir/tools`:
 * stacks/tools' Dockerfile and www/, and the busybox from the benchmark's image context.
 */
export async function writeDemoStack(repo: string, dir: string, stackName: string, files: string[]): Promise<{ port: number }> {
  const tools = path.join(dir, 'tools');
  await mkdir(tools, { recursive: true });
  await cp(path.join(repo, 'stacks', 'tools', 'Dockerfile'), path.join(tools, 'Dockerfile'));
  await cp(path.join(repo, 'stacks', 'tools', 'www'), path.join(tools, 'www'), { recursive: true });
  await cp(path.join(repo, 'bench', 'image', 'busybox'), path.join(tools, 'busybox'));
  if (!(await stat(path.join(tools, 'busybox'))).isFile()) throw new Error('bench/image/busybox is missing');
  const port = await freePort();
  const text = demoCopy(await readFile(path.join(repo, 'stacks', 'demo.ts'), 'utf8'), stackName, port);
  for (const f of files) await writeFile(f, text);
  return { port };
}

/**
 * Change a stack file's content without changing the stack: a comment at its end naming the
 * edit. Every edit is new content, so moor's type-check and compiled-stack caches miss.
 */
export async function editStack(file: string, tag: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  await writeFile(file, `${text.replace(/\n\/\/ bench edit .*\n$/, '\n')}// bench edit ${tag}\n`);
}
