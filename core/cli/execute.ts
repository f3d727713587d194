/** What apply and destroy share: show the plan, check consent, run it, summarize. */
import { applyPlan } from '../apply/apply.js';
import { lateDeclarationDiagnostics } from '../stack/collect.js';
import { interruptRequested, requestInterrupt } from '../interrupt.js';
import { DiagnosticsError, hasErrors } from '../diagnostics.js';
import { hasChanges } from '../plan/types.js';
import { renderApplySummary } from '../render/apply-summary.js';
import { renderDiagnostics } from '../render/diagnostics.js';
import { planEvent, stepEndEvent, stepStartEvent, summaryEvent } from '../render/apply-events.js';
import { renderPlan, showUsage } from '../render/plan-text.js';
import { engineLine } from '../render/engine-line.js';
import { createProgress } from '../render/progress.js';
import type { ApplyFlags } from './args.js';
import type { Confirm } from './confirm.js';
import { EXIT, RefusedError } from './errors.js';
import type { Output } from './output.js';
import { failOnDiagnostics, type Session } from './session.js';

export async function executeSession(session: Session, flags: ApplyFlags, io: Output, confirm: Confirm, verb: 'Apply' | 'Destroy'): Promise<number> {
  const { client, plan, stack } = session;
  try {
    const refused = hasErrors(plan.diagnostics);
    // --json: JSON lines only on stdout; what people read goes to stderr.
    const emit = (event: Record<string, unknown>) => io.out(JSON.stringify(event));
    const human = flags.json ? io.err : io.out;
    if (flags.json) emit(planEvent(plan));
    human(engineLine(plan.engine, client.endpoint.display, io.style));
    if (!refused) human(renderPlan(plan, io.style, { stackFile: stack.file, env: stack.env }));
    if (plan.diagnostics.length) io.err(renderDiagnostics(plan.diagnostics, io.style));
    if (refused) throw new DiagnosticsError(plan.diagnostics, 'the plan has errors');
    if (!hasChanges(plan)) {
      if (flags.json) emit(summaryEvent(null));
      return EXIT.ok;
    }

    const losing = plan.nodes.filter((n) => n.dataLoss);
    const refusedLoss = losing.filter((n) => !n.dataLossAllowed);
    if (refusedLoss.length && !flags.allowDataLoss) {
      throw new RefusedError(
        `refusing to ${refusedLoss.map((n) => `${n.action} volume ${n.engineName}${n.dataAtStake ? ` (${showUsage(n.dataAtStake)})` : ''}`).join(', ')}: its data would be lost.\n` +
          (verb === 'Destroy'
            ? 'Nothing was changed.'
            : 'Nothing was changed. Pass --allow-data-loss if that is really what you want, declare migrate: true on the volume (or pass --migrate-volumes) to copy the data across, or allowDataLoss: true to let it go.'),
      );
    }
    if (!flags.yes) {
      const question = losing.length
        ? `${verb} these changes? Volume data will be deleted: ${losing.map((n) => `${n.engineName}${n.dataAtStake ? ` (${showUsage(n.dataAtStake)})` : ''}`).join(', ')}.`
        : `${verb} these changes?`;
      if (!(await confirm(question))) throw new RefusedError(`${verb.toLowerCase()} cancelled; nothing was changed`);
    }

    // A promise the build function did not await may have declared more since the stack loaded:
    // the plan would then be of a partial stack. Nothing is changed.
    failOnDiagnostics(lateDeclarationDiagnostics(), io);

    const steps = plan.nodes.filter((n) => n.action !== 'noop').length;
    const progress = await createProgress(io.err, io.style, io.interactive, steps);
    const stopHandling = handleInterrupts(io, verb);
    let result;
    try {
      result = await applyPlan(client, plan, stack, {
        interrupted: interruptRequested,
        concurrency: flags.concurrency,
        secrets: session.secrets,
        waitTimeoutMs: flags.waitTimeoutMs,
        host: session.host,
        onStepStart: (s) => {
          progress.start(s);
          if (flags.json) emit(stepStartEvent(s));
        },
        onStepProgress: (s, text) => progress.note(s, text),
        onStepEnd: (s, o, ms) => {
          progress.end(s, o, ms);
          if (flags.json) emit(stepEndEvent(s, o, ms));
        },
      });
    } finally {
      stopHandling();
      progress.stop();
    }
    human(renderApplySummary(result, io.style, verb));
    if (flags.json) emit(summaryEvent(result));
    return result.interrupted ? EXIT.interrupted : result.ok ? EXIT.ok : EXIT.error;
  } finally {
    await session.close();
  }
}

/**
 * While steps run, Ctrl-C (or SIGTERM) stops the apply after the steps in flight (the walk starts
 * nothing new, waits give up); a second one exits at once. Returns the function that uninstalls it.
 */
function handleInterrupts(io: Output, verb: 'Apply' | 'Destroy'): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interruptRequested()) {
      requestInterrupt();
      io.err(`\n${io.style.warn(`${signal === 'SIGINT' ? 'Ctrl-C' : signal}`)}: finishing the steps in flight, starting nothing new. Press Ctrl-C again to stop at once.`);
      return;
    }
    io.err(`${verb} aborted: steps in flight were cut off. Run the same command again to converge.`);
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
