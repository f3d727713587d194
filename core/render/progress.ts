/** Apply progress: an ora spinner on a terminal, plain stable lines otherwise (or with NO_COLOR). */
import type { WalkOutcome } from '../graph.js';
import { stepResource, type Step, type StepPhase } from '../plan/schedule.js';
import type { Style } from './style.js';
import { importExternal } from '../import-external.js';

const VERBS: Record<StepPhase, [string, string]> = {
  create: ['creating', 'created'],
  update: ['updating', 'updated'],
  replace: ['replacing', 'replaced'],
  destroy: ['removing', 'removed'],
};

/** A migration's two halves read as what they do. */
function verbs(step: Step): [string, string] {
  const op = step.node.op;
  if (op.type === 'volume.repair') return ['repairing', 'repaired'];
  if (op.type !== 'volume.migrate') return VERBS[step.phase];
  const steps = op.steps.filter((s) => (step.phase === 'destroy') === ['discard-stash', 'stash', 'drop-old'].includes(s));
  if (steps.includes('stash')) return ['migrating: copying the data aside', 'data copied aside and verified'];
  if (steps.includes('restore')) return ['migrating: restoring the data', 'data restored and verified'];
  const what = steps.join(', ') || 'nothing to do in this phase';
  return [`migrating: ${what}`, `migration: ${what} done`];
}

export function stepLabel(step: Step): string {
  const old = step.phase === 'destroy' && step.node.action === 'replace' ? ' (old)' : '';
  const replica = step.node.replica !== undefined ? `#${step.node.replica}` : '';
  return `${step.node.kind} ${step.node.name}${replica}${old}`;
}

export function outcomeLine(step: Step, outcome: WalkOutcome, ms: number, style: Style): string {
  const label = stepLabel(step);
  switch (outcome.status) {
    case 'done': return `${style.create('✓')} ${label}: ${verbs(step)[1]} in ${(ms / 1000).toFixed(2)}s`;
    case 'failed': return `${style.error('✗')} ${label}: ${verbs(step)[0]} failed: ${(outcome.error as Error)?.message ?? String(outcome.error)}`;
    case 'skipped': return `${style.warn('-')} ${label}: skipped because ${stepResource(outcome.because).replace('.', ' ')} did not finish`;
    case 'cancelled': return `${style.warn('-')} ${label}: not started (interrupted)`;
  }
}

export interface Progress {
  start(step: Step): void;
  end(step: Step, outcome: WalkOutcome, ms: number): void;
  /** How a running step is getting on (a service rollout's "2/3 tasks running"). */
  note(step: Step, text: string): void;
  stop(): void;
}

export async function createProgress(write: (line: string) => void, style: Style, interactive: boolean, total: number): Promise<Progress> {
  if (!interactive) {
    return {
      start: (step) => write(`${stepLabel(step)}: ${verbs(step)[0]}`),
      end: (step, outcome, ms) => write(outcomeLine(step, outcome, ms, style)),
      note: (step, text) => write(`${stepLabel(step)}: ${text}`),
      stop: () => undefined,
    };
  }
  const { default: ora } = await importExternal<typeof import('ora')>('ora');
  const running = new Map<string, string>();
  let finished = 0;
  const spinner = ora({ stream: process.stderr }).start();
  const refresh = () => {
    spinner.text = `${finished}/${total} · ${[...running.values()].join(', ')}`;
  };
  return {
    start(step) {
      running.set(step.id, `${verbs(step)[0]} ${stepLabel(step)}`);
      refresh();
    },
    end(step, outcome, ms) {
      running.delete(step.id);
      finished++;
      spinner.clear();
      process.stderr.write(`${outcomeLine(step, outcome, ms, style)}\n`);
      refresh();
      spinner.render();
    },
    note(step, text) {
      running.set(step.id, `${verbs(step)[0]} ${stepLabel(step)} (${text})`);
      refresh();
    },
    stop: () => spinner.stop(),
  };
}
