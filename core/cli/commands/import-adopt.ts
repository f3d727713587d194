/**
 * `moor import --project NAME [-o stack.ts] [--name STACK] [--force]`
 * `moor import container NAME… [--network NAME]… [--volume NAME]… --name STACK [-o stack.ts] [--force]`
 *
 * Adopt running objects: write a stack file that reproduces them, and record them as the stack's
 * (core/import/adopt). Exit 0: everything is expressed; 3: adopted, with settings the file cannot
 * express (listed), as `moor import compose` exits when it left keys out; 1: nothing adopted.
 */
import { parseArgs } from 'node:util';
import { adoptionEntries, recordAdoption, reportLines, writeAdoptedStack } from '../../import/adopt/adopt.js';
import { resourceName } from '../../import/adopt/names.js';
import type { Selection } from '../../import/adopt/read.js';
import { EXIT, UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { loadOrFail, newClient, takeLock } from '../session.js';
import { STACK_NAME } from '../../stack/schema/common.js';

/** The compose import's code for "something was left out" (core/import/compose/report.ts EXIT_LEFT_OUT). */
const EXIT_LEFT_OUT = 3;

function parse(argv: string[]): { selection: Selection; name?: string; output: string; force: boolean; context?: string } {
  let values: Record<string, string | string[] | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        project: { type: 'string' }, name: { type: 'string' }, output: { type: 'string', short: 'o' }, force: { type: 'boolean' },
        network: { type: 'string', multiple: true }, volume: { type: 'string', multiple: true }, context: { type: 'string' },
      },
    }));
  } catch (e) {
    throw new UsageError(`moor import: ${(e as Error).message}`);
  }
  const [what, ...names] = positionals;
  const project = values.project as string | undefined;
  const networks = (values.network as string[] | undefined) ?? [];
  const volumes = (values.volume as string[] | undefined) ?? [];
  if (project !== undefined && (what !== undefined || networks.length || volumes.length)) throw new UsageError('moor import: --project adopts a whole compose project; name no other objects with it');
  if (what !== undefined && what !== 'container') throw new UsageError(`moor import: unknown "${what}" (moor import compose FILE…, moor import --project NAME, moor import container NAME…)`);
  if (project === undefined && !names.length && !networks.length && !volumes.length) throw new UsageError('moor import: say what to adopt: --project NAME, or container NAME… / --network NAME / --volume NAME');
  if (project === undefined && values.name === undefined) throw new UsageError('moor import: --name STACK is needed when adopting named objects');
  return {
    selection: { ...(project !== undefined ? { project } : {}), containers: names, networks, volumes },
    ...(values.name !== undefined ? { name: values.name as string } : {}),
    output: (values.output as string | undefined) ?? 'stack.ts',
    force: !!values.force,
    ...(values.context !== undefined ? { context: values.context as string } : {}),
  };
}

export async function adoptCommand(argv: string[], io: Output): Promise<number> {
  const args = parse(argv);
  const stackName = args.name ?? resourceName(args.selection.project!);
  if (!STACK_NAME.test(stackName)) throw new UsageError(`moor import: "${stackName}" is not a valid stack name (lowercase letters, digits, _ and -): choose one with --name`);
  const client = newClient(4, args.context);
  // The stack's lock, as apply holds it: the record is never written while an apply of the stack runs.
  let lock: Awaited<ReturnType<typeof takeLock>> = null;
  try {
    lock = await takeLock(client, stackName, { timeoutMs: 60_000, command: 'import' }, io);
    const now = new Date().toISOString();
    const { file, mapped } = await writeAdoptedStack(client, { selection: args.selection, stackName, output: args.output, force: args.force, now });
    io.err(`Wrote ${file}.`);
    // The file as moor reads it is what moor compares with from now on.
    const desired = await loadOrFail(file, io).catch((e: unknown) => {
      io.err(`${file} was written but does not load as a stack (above): nothing was adopted. Fix it, or report it: moor should write only stacks it can load.`);
      throw e;
    });
    const entries = adoptionEntries(mapped, desired, now);
    await recordAdoption(client, stackName, entries);
    const count = (k: string) => entries.filter((e) => e.kind === k).length;
    io.out(`Adopted into stack "${stackName}": ${count('container')} container(s), ${count('network')} network(s), ${count('volume')} volume(s), under their current names. Nothing was recreated.`);
    io.out(`Next: moor plan ${file}   (shows no changes)`);
    if (mapped.report.length) {
      io.err(`\nNot expressed in ${file} (the running containers keep these settings until moor replaces them):\n${reportLines(mapped.report).map((l) => `  - ${l}`).join('\n')}`);
      return EXIT_LEFT_OUT;
    }
    return EXIT.ok;
  } finally {
    await lock?.release();
    client.close();
  }
}
