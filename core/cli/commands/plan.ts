/** `moor plan <stack.ts> [--detailed-exitcode] [--json] [--refresh]` */
import { hasErrors } from '../../diagnostics.js';
import { hasChanges } from '../../plan/types.js';
import { renderDiagnostics } from '../../render/diagnostics.js';
import { planToJson } from '../../render/plan-json.js';
import { renderPlan } from '../../render/plan-text.js';
import { parseCommandArgs } from '../args.js';
import { EXIT } from '../errors.js';
import type { Output } from '../output.js';
import { planSession } from '../session.js';

export async function planCommand(argv: string[], io: Output): Promise<number> {
  const flags = parseCommandArgs('plan', argv);
  const { client, plan, stack } = await planSession(flags.stackFile, io, { mode: 'apply', refresh: flags.refresh });
  try {
    const refused = hasErrors(plan.diagnostics);
    if (flags.json) io.out(JSON.stringify(planToJson(plan), null, 2));
    else if (!refused) io.out(renderPlan(plan, io.style, { stackFile: stack.file }));
    if (plan.diagnostics.length && !flags.json) io.err(renderDiagnostics(plan.diagnostics, io.style));
    if (refused) return EXIT.error;
    return flags.detailedExitcode && hasChanges(plan) ? EXIT.changes : EXIT.ok;
  } finally {
    client.close();
  }
}
