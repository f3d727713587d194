/**
 * `moor ps [stack.ts | dir] [--json]` — each resource, its engine object(s), state, health, ports,
 * and whether it matches the stack, as the plan judges it (observe + plan, nothing changed).
 * `moor ps --stack NAME` — the stack's containers from the engine's labels alone (no file, no judgement).
 */
import { hasErrors } from '../../diagnostics.js';
import { listStackContainers } from '../../observe/stack-containers.js';
import { resourceStatuses } from '../../plan/resource-status.js';
import { renderDiagnostics } from '../../render/diagnostics.js';
import { psJson, renderPs, type PsRow } from '../../render/ps.js';
import { parseDay2Args, stackInputs } from '../args.js';
import { EXIT, UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { newClient, planSession } from '../session.js';
import { findStackFile } from '../stack-file.js';

export async function psCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseDay2Args('ps', argv);
  if (positionals.length > (values.stack ? 0 : 1)) {
    throw new UsageError(values.stack ? `moor ps --stack ${values.stack} takes no stack file` : `moor ps takes one stack file, e.g. moor ps stacks/shop.ts (got ${positionals.length}: ${positionals.join(' ')})`);
  }
  const show = (stack: string, rows: PsRow[]) => io.out(values.json ? JSON.stringify(psJson(stack, rows), null, 2) : renderPs(stack, rows, io.style));

  if (values.stack) {
    const client = newClient(4, values.context);
    try {
      const containers = await listStackContainers(client, values.stack);
      show(values.stack, containers.map((c) => ({
        id: `container.${c.resource}`, kind: 'container', name: c.resource, objects: [{ name: c.name, id: c.id.slice(0, 12) }],
        state: c.state === 'exited' && /^Exited \((\d+)\)/.test(c.status) ? `exited (${/^Exited \((\d+)\)/.exec(c.status)![1]})` : c.state, health: c.health, ports: c.ports, sync: null, causes: [],
      })));
      return EXIT.ok;
    } finally {
      client.close();
    }
  }

  const session = await planSession(findStackFile(positionals[0], 'ps'), io, { mode: 'apply', refresh: true, context: values.context, inputs: stackInputs(values) });
  try {
    const { plan, stack, observed } = session;
    // Diagnostics are shown, but what runs is shown all the same: ps is for looking.
    if (plan.diagnostics.length && !values.json) io.err(renderDiagnostics(plan.diagnostics, io.style));
    show(stack.name, resourceStatuses(plan, observed));
    return hasErrors(plan.diagnostics) ? EXIT.error : EXIT.ok;
  } finally {
    await session.close();
  }
}
