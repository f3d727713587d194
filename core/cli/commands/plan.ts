/** `moor plan <stack.ts> [--detailed-exitcode] [--json] [--refresh] [--out plan.json] [--target R]… [--replace R]… [--migrate-volumes]` */
import { hasErrors } from '../../diagnostics.js';
import { writePlanFile, PLAN_FILE_FORMAT } from '../../plan/plan-file.js';
import { hasChanges } from '../../plan/types.js';
import { renderDiagnostics } from '../../render/diagnostics.js';
import { planToJson } from '../../render/plan-json.js';
import { renderPlan } from '../../render/plan-text.js';
import { engineLine } from '../../render/engine-line.js';
import { parseCommandArgs } from '../args.js';
import { EXIT } from '../errors.js';
import type { Output } from '../output.js';
import { planSession } from '../session.js';
import { moorVersion } from '../version.js';

export async function planCommand(argv: string[], io: Output): Promise<number> {
  const flags = parseCommandArgs('plan', argv);
  const session = await planSession(flags.stackFile, io, {
    mode: 'apply', refresh: flags.refresh, targetNames: flags.targets, replaceNames: flags.replace, migrateVolumes: flags.migrateVolumes,
    skipChecks: flags.skipChecks, context: flags.context, inputs: flags.inputs,
  });
  const { plan, stack } = session;
  try {
    const refused = hasErrors(plan.diagnostics);
    if (flags.json) io.out(JSON.stringify(planToJson(plan), null, 2));
    else {
      io.out(engineLine(plan.engine, session.client.endpoint.display, io.style));
      if (!refused) io.out(renderPlan(plan, io.style, { stackFile: stack.file, env: stack.env }));
    }
    if (plan.diagnostics.length && !flags.json) io.err(renderDiagnostics(plan.diagnostics, io.style));
    if (refused) return EXIT.error;
    if (flags.out) {
      writePlanFile(flags.out, {
        moor_plan_file: PLAN_FILE_FORMAT, moor_version: moorVersion(), created_at: new Date().toISOString(),
        engine: session.client.endpoint.display, refresh: flags.refresh, desired: stack, plan, fingerprint: session.fingerprint(),
      });
      const shown = flags.out;
      if (!flags.json) io.out(`\nSaved this plan to ${shown}. Apply exactly this plan with: moor apply ${shown}`);
    }
    return flags.detailedExitcode && hasChanges(plan) ? EXIT.changes : EXIT.ok;
  } finally {
    await session.close();
  }
}
